"""Deadline scheduler tick at scale, on PostgreSQL, and due-time computations per second.

    .venv/bin/python bench/deadline_tick_bench.py --url postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        --steps 1000000

Builds a scratch schema (``--schema``, dropped first) with the Alembic migrations, then fills it with
``generate_series``: ``--steps`` open steps (due times spread over ±30 days around "now"; the ones due more
than an hour ago are already marked overdue, the last hour's are *newly* overdue), a fifth as many completed
steps, one dossier per seven steps, and one pending ``step_overdue`` due item per open step. Foreign-key
triggers are off during the load only (``session_replication_role = replica``).

It then times, each in a transaction that is rolled back so every run sees the same rows:

1. the overdue sweep (``app.deadlines.scheduled.mark_overdue``): find and mark up to 1,000 newly overdue
   steps through the partial index ``ix_steps_open_due`` — target 200 ms per tick;
2. the due-work claim of one batch (``app.scheduler.due_work.claim``) through ``ix_due_work_pending_due_at``;

with ``EXPLAIN (ANALYZE, BUFFERS)`` of each, and finally due-time computations per second with an agency
calendar (``add_working_time`` and ``working_time_between``) — target 50,000/s.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_TICK_MS = 200
TARGET_CALC_PER_S = 50_000
NOW = datetime(2026, 3, 16, 3, 0, tzinfo=timezone.utc)  # Monday 10:00 +07:00


def _explain(session, stmt) -> str:
    from sqlalchemy.dialects import postgresql

    compiled = stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"render_postcompile": True})
    conn = session.connection()
    rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + str(compiled), compiled.params).all()
    session.rollback()
    return "\n".join(row[0] for row in rows)


def _load(session, steps: int) -> None:
    from sqlalchemy import text

    dossiers = steps // 7 + 1
    t0 = time.perf_counter()
    session.execute(text("SET session_replication_role = replica"))
    session.execute(text("""
        INSERT INTO dossiers (id, code, definition_version_id, procedure_key, agency_id, applicant, data, documents,
                              status, received_at, counting_from, lookup_secret_hash, lock_version, paused_minutes)
        SELECT g, 'B-' || g, 1, 'bench', 1, '{}', '{}', '[]',
               CASE WHEN g % 500 = 0 THEN 'paused' ELSE 'processing' END,
               :now - interval '20 days', :now - interval '20 days', 'x', 1, 0
        FROM generate_series(1, :n) AS g"""), {"n": dossiers, "now": NOW})
    # open steps: due times spread over ±30 days; due more than an hour ago → already marked overdue
    session.execute(text("""
        INSERT INTO steps (id, dossier_id, task_id, spec_id, name, unit_id, status, started_at, due_at,
                           time_limit_minutes, overdue_at, paused_minutes)
        SELECT g, 1 + g % :d, 't' || g, 'Step_3', 'Thẩm định', 1 + g % 260,
               CASE WHEN g % 3 = 0 THEN 'claimed' ELSE 'ready' END,
               :now - interval '30 days', due, 480,
               CASE WHEN due < :now - interval '1 hour' THEN due END, 0
        FROM (SELECT g, :now + (((g::bigint * 7919) % 5184000) - 2592000) * interval '1 second' AS due
              FROM generate_series(1, :n) AS g) AS s"""), {"n": steps, "d": dossiers, "now": NOW})
    session.execute(text("""
        INSERT INTO steps (id, dossier_id, task_id, spec_id, name, unit_id, status, started_at, due_at,
                           time_limit_minutes, completed_at, result, paused_minutes)
        SELECT :n + g, 1 + g % :d, 'c' || g, 'Step_2', 'Phân công', 1 + g % 260, 'completed',
               :now - interval '40 days', :now - interval '39 days', 480, :now - interval '39 days', 'on_time', 0
        FROM generate_series(1, :m) AS g"""), {"n": steps, "m": steps // 5, "d": dossiers, "now": NOW})
    session.execute(text(r"""
        INSERT INTO due_work (kind, due_at, dossier_id, step_id, payload, dedupe_key, status, attempts, created_at)
        SELECT 'step_overdue', due_at, dossier_id, id, '{}', 'step:' || id || '\:overdue', 'pending', 0, :now
        FROM steps WHERE status IN ('ready', 'claimed') AND overdue_at IS NULL"""), {"now": NOW})
    session.execute(text("SET session_replication_role = origin"))
    session.commit()
    session.execute(text("ANALYZE steps"))
    session.execute(text("ANALYZE dossiers"))
    session.execute(text("ANALYZE due_work"))
    session.commit()
    print(f"loaded {steps:,} open steps, {steps // 5:,} completed, {dossiers:,} dossiers in "
          f"{time.perf_counter() - t0:.1f} s")


def _time(session, fn, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
        session.rollback()
    return times


def bench_tick(url: str, schema: str, steps: int, runs: int) -> None:
    import flask_migrate
    from sqlalchemy import create_engine, func, select, text

    from app import create_app
    from app.clock import FrozenClock
    from app.deadlines import scheduled
    from app.dossiers.models import Step
    from app.extensions import db
    from app.scheduler import due_work
    from app.scheduler.due_work_models import DueWork

    admin = create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    admin.dispose()
    sep = "&" if "?" in url else "?"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"{url}{sep}options=-csearch_path%3D{schema}",
                      "SECRET_KEY": "x" * 40, "CLOCK": FrozenClock(NOW), "LOG_LEVEL": "WARNING",
                      "SCHEDULER_ENABLED": False})
    with app.app_context():
        flask_migrate.upgrade()
        session = db.session
        _load(session, steps)
        newly = session.scalar(select(func.count()).select_from(Step).where(
            Step.status.in_(("ready", "claimed")), Step.overdue_at.is_(None), Step.due_at <= NOW))
        print(f"newly overdue at the tick: {newly:,}; pending due work: "
              f"{session.scalar(select(func.count()).select_from(DueWork).where(DueWork.status == 'pending')):,}")
        session.rollback()

        print("\n-- overdue sweep: EXPLAIN (ANALYZE, BUFFERS)")
        print(_explain(session, scheduled.overdue_sweep_statement(NOW, scheduled.SWEEP_BATCH, skip_locked=True)))
        marked: list[int] = []
        sweep = _time(session, lambda: marked.append(scheduled.mark_overdue(session, NOW)), runs)
        print(f"\noverdue sweep tick: marked {marked[0]} steps; median {statistics.median(sweep):.1f} ms, "
              f"max {max(sweep):.1f} ms over {runs} runs (target {TARGET_TICK_MS} ms) → "
              f"{'OK' if statistics.median(sweep) <= TARGET_TICK_MS else 'MISSED'}")

        print("\n-- due-work claim of one batch: EXPLAIN (ANALYZE, BUFFERS)")
        print(_explain(session, due_work.claim_statement(worker_id="bench", now=NOW, limit=due_work.DEFAULT_BATCH,
                                                         lease=due_work.DEFAULT_LEASE)))
        claimed: list[int] = []
        claim = _time(session, lambda: claimed.append(len(due_work.claim(session=session, worker_id="bench",
                                                                           now=NOW))), runs)
        print(f"\ndue-work claim: {claimed[0]} items; median {statistics.median(claim):.1f} ms, "
              f"max {max(claim):.1f} ms (target {TARGET_TICK_MS} ms)")
        session.execute(text("SELECT 1"))
        session.rollback()
        db.engine.dispose()


def bench_calendar(n: int) -> None:
    from app.calendar import add_working_time, build_calendar, working_time_between

    cal = build_calendar(years=range(2025, 2029))
    rng = random.Random(7)
    base = datetime(2026, 1, 1, tzinfo=timezone.utc)
    starts = [base + timedelta(seconds=rng.randrange(0, 365 * 86400)) for _ in range(n)]
    limits = [timedelta(hours=h) for h in (2, 4, 8, 16, 24, 56, 112, 168, 200)]
    durations = [rng.choice(limits) for _ in range(n)]
    t0 = time.perf_counter()
    dues = [add_working_time(cal, s, d) for s, d in zip(starts, durations, strict=True)]
    add_rate = n / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for s, d in zip(starts, dues, strict=True):
        working_time_between(cal, s, d)
    between_rate = n / (time.perf_counter() - t0)
    print(f"\ndue-time computations (add_working_time): {add_rate:,.0f}/s; working_time_between: "
          f"{between_rate:,.0f}/s (target {TARGET_CALC_PER_S:,}/s) → "
          f"{'OK' if min(add_rate, between_rate) >= TARGET_CALC_PER_S else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--schema", default="bench_deadlines")
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--calc", type=int, default=200_000)
    parser.add_argument("--skip-db", action="store_true", help="only the calendar part")
    args = parser.parse_args()
    if not args.skip_db:
        bench_tick(args.url, args.schema, args.steps, args.runs)
    bench_calendar(args.calc)


if __name__ == "__main__":
    main()
