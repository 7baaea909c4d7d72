"""Exactly once across processes, on PostgreSQL: 3 scheduler processes, 10,000 due items, a SIGKILLed worker.

Every item must give exactly one notification (none twice, none lost); the killed worker's leased items are
taken over once its lease expires; items that fell due while everything was down fire at the next start.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from app.notifications.models import Notification
from app.scheduler.due_work_models import DueWork

WORKER = Path(__file__).with_name("pg_worker.py")
ITEMS = 10_000
FUTURE = 100
LEASE_SECONDS = 120


def _spawn(url: str, now, batch: int = 100, hang_after: int | None = None) -> subprocess.Popen:
    args = [sys.executable, str(WORKER), url, now.isoformat(), str(LEASE_SECONDS), str(batch)]
    if hang_after is not None:
        args.append(str(hang_after))
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})


def _finish(proc: subprocess.Popen) -> str:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-3000:]
    return out


def test_three_processes_ten_thousand_items_exactly_once(app, session, clock, auth, migrated_database):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (FOR UPDATE SKIP LOCKED and real concurrent writers); "
                    "set TEST_DATABASE_URL. The single-process version runs on SQLite in test_due_work.py")
    officer = auth.create("nguoinhan", "officer")
    start = clock.now()
    # everything fell due during the two hours the schedulers were down
    rows = [{"kind": "notify", "due_at": start - timedelta(hours=2) + timedelta(milliseconds=700 * i),
             "dedupe_key": f"item:{i}", "payload": {"officer_id": officer, "text": f"Nhắc việc {i}"},
             "status": "pending", "attempts": 0, "created_at": start - timedelta(hours=3)} for i in range(ITEMS)]
    rows += [{"kind": "notify", "due_at": start + timedelta(days=1), "dedupe_key": f"future:{i}",
              "payload": {"officer_id": officer, "text": "sau"}, "status": "pending", "attempts": 0}
             for i in range(FUTURE)]
    session.execute(insert(DueWork), rows)
    session.commit()

    # a worker that takes a batch of 50, runs 20, then hangs inside the 21st item's transaction
    doomed = _spawn(migrated_database, start, batch=50, hang_after=20)
    assert doomed.stdout.readline().strip() == "HANG"
    workers = [_spawn(migrated_database, start) for _ in range(3)]
    outputs = [_finish(w) for w in workers]
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.communicate(timeout=30)  # reaps it and closes its pipes

    stranded = session.scalars(select(DueWork).where(DueWork.status == "pending",
                                                     DueWork.dedupe_key.like("item:%"))).all()
    assert len(stranded) == 30  # 29 leased and never started, 1 rolled back when the process died
    assert len({row.lock_owner for row in stranded}) == 1
    assert sum(int(out.split()[-1]) for out in outputs) == ITEMS - 50

    # restart after the lease: one scheduler picks up the dead worker's items
    session.rollback()
    later = start + timedelta(seconds=LEASE_SECONDS + 1)
    _finish(_spawn(migrated_database, later))

    assert session.scalar(select(func.count()).select_from(DueWork).where(
        DueWork.status == "done", DueWork.dedupe_key.like("item:%"))) == ITEMS
    assert session.scalar(select(func.count()).select_from(Notification)) == ITEMS
    assert session.scalar(select(func.count(func.distinct(Notification.dedupe_key)))) == ITEMS
    assert session.scalar(select(func.count()).select_from(DueWork).where(
        DueWork.status == "pending", DueWork.dedupe_key.like("future:%"))) == FUTURE
    expected = {f"due_work:item:{i}" for i in range(ITEMS)}
    assert set(session.scalars(select(Notification.dedupe_key))) == expected
