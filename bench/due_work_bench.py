"""Benchmark the due-work claim on PostgreSQL with many pending rows.

    BENCH_DATABASE_URL=postgresql+psycopg://…  .venv/bin/python bench/due_work_bench.py --rows 1000000

Fills ``due_work`` (in the database the URL points at; give it its own schema with
``?options=-csearch_path%3Dbench``) with ``--rows`` pending rows due over the next 60 days (generate_series,
one statement), plus ``--ticks × --batch`` rows that have just fallen due. Prints the EXPLAIN (ANALYZE,
BUFFERS) plan of one claim (it should be an index scan on ``ix_due_work_pending_due_at``), then the time of
each claim and of each whole tick (claim + run a no-op handler per item, one transaction each).
Target: a claim well under 200 ms at one million pending rows.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--rows", type=int, default=1_000_000, help="pending rows due in the future")
    parser.add_argument("--batch", type=int, default=100, help="items claimed per tick")
    parser.add_argument("--ticks", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="do not empty due_work first (reuse a filled table)")
    args = parser.parse_args()
    if not args.url or not args.url.startswith("postgresql"):
        parser.error("give a PostgreSQL URL (--url or BENCH_DATABASE_URL)")

    import flask_migrate
    from sqlalchemy import func, select, text

    from app import create_app
    from app.clock import FrozenClock
    from app.extensions import db
    from app.scheduler import due_work
    from app.scheduler.due_work_models import DueWork

    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, "SECRET_KEY": "bench" * 10, "CLOCK": FrozenClock(now),
                      "SCHEDULER_ENABLED": False, "LOG_LEVEL": "WARNING"})
    due_work.register_handler("bench_noop", lambda session, item, at: None)
    with app.app_context():
        flask_migrate.upgrade()
        session = db.session
        due_now = args.ticks * args.batch
        if not args.keep:
            session.execute(text("TRUNCATE due_work RESTART IDENTITY"))
            started = time.perf_counter()
            session.execute(text(
                "INSERT INTO due_work (kind, due_at, dedupe_key, payload, status, attempts) "
                "SELECT 'bench_noop', :now + (g * interval '1 second') * (5184000.0 / :rows), 'future:' || g, "
                "'{}'::json, 'pending', 0 FROM generate_series(1, :rows) g"), {"now": now, "rows": args.rows})
            session.execute(text(
                "INSERT INTO due_work (kind, due_at, dedupe_key, payload, status, attempts) "
                "SELECT 'bench_noop', :now - (g * interval '1 second'), 'due:' || g, '{}'::json, 'pending', 0 "
                "FROM generate_series(1, :n) g"), {"now": now, "n": due_now})
            session.commit()
            print(f"inserted {args.rows:,} future + {due_now:,} due rows in {time.perf_counter() - started:.1f} s")
            session.execute(text("ANALYZE due_work"))
            session.commit()
        pending = session.scalar(select(func.count()).select_from(DueWork).where(DueWork.status == "pending"))
        print(f"pending rows: {pending:,}")

        stmt = due_work.claim_statement(worker_id="explain", now=now, limit=args.batch, lease=timedelta(minutes=5))
        compiled = stmt.compile(dialect=db.engine.dialect)
        with db.engine.connect() as connection:
            plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + str(compiled), compiled.params).all()
            connection.rollback()  # EXPLAIN ANALYZE really updates: undo it
        print("\nEXPLAIN (ANALYZE, BUFFERS) of one claim:")
        for (line,) in plan:
            print("  " + line)

        claim_ms, tick_ms = [], []
        for i in range(args.ticks):
            started = time.perf_counter()
            items = due_work.claim(session=session, worker_id=f"bench{i}", now=now, limit=args.batch)
            session.commit()
            claim_ms.append((time.perf_counter() - started) * 1000)
            for item in items:
                due_work.run_one(session=session, item=item, now=now)
                session.commit()
            tick_ms.append((time.perf_counter() - started) * 1000)
        print(f"\nclaim of {args.batch} items with {pending:,} pending: "
              f"median {statistics.median(claim_ms):.1f} ms, max {max(claim_ms):.1f} ms over {args.ticks} ticks")
        print(f"whole tick (claim + {args.batch} items, one transaction each): "
              f"median {statistics.median(tick_ms):.1f} ms, max {max(tick_ms):.1f} ms")
        empty_started = time.perf_counter()
        leftover = due_work.claim(session=session, worker_id="idle", now=now, limit=args.batch)
        session.commit()
        print(f"idle claim (nothing due, {pending - due_now:,} future rows): "
              f"{(time.perf_counter() - empty_started) * 1000:.1f} ms, claimed {len(leftover)}")
        db.session.remove()


if __name__ == "__main__":
    main()
