"""A scheduler worker process for the exactly-once test: claim and run due work until nothing is claimable.

``python tests/scheduler/pg_worker.py <database-url> <now ISO> <lease seconds> <batch> [hang-after-N]``

With ``hang-after-N`` the worker, after N items, hangs *inside* the next item's transaction (the row is
already marked done but not committed) and prints ``HANG``: the test then kills it with SIGKILL.
"""
from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app import create_app
from app.clock import FrozenClock
from app.extensions import db
from app.scheduler import due_work


def main() -> None:
    url, now_text, lease_seconds, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    hang_after = int(sys.argv[5]) if len(sys.argv) > 5 else None
    now = datetime.fromisoformat(now_text)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 40,
                      "CLOCK": FrozenClock(now), "SCHEDULER_ENABLED": False, "LOG_LEVEL": "ERROR"})
    if hang_after is not None:
        original = due_work._HANDLERS["notify"]
        done = {"n": 0}

        def hanging(session, item, at):
            if done["n"] >= hang_after:
                session.flush()
                print("HANG", flush=True)
                time.sleep(600)
            original(session, item, at)
            done["n"] += 1

        due_work.register_handler("notify", hanging)
    worker_id = due_work.process_worker_id()
    total = 0
    with app.app_context():
        while True:
            claimed = due_work.work_batch(session=db.session, worker_id=worker_id, now=now, limit=batch,
                                          lease=timedelta(seconds=lease_seconds))
            total += claimed
            if claimed == 0:
                break
        db.session.remove()
    print(f"DONE {worker_id} {total}", flush=True)


if __name__ == "__main__":
    main()
