"""Reports at province scale on PostgreSQL: generate dossiers and steps, time the yearly summary, export a year.

    .venv/bin/python bench/reports_bench.py --dossiers 1000000          # 1 M dossiers, 6 M steps
    .venv/bin/python bench/reports_bench.py --dossiers 100000 --keep    # smaller; keep the schema
    .venv/bin/python bench/reports_bench.py --reuse --schema S --no-export   # time a kept schema again

What it does:

1. builds the schema (Alembic migrations, so the real indexes) in a dedicated PostgreSQL schema
   (``--schema``, dropped first and at the end unless ``--keep``);
2. generates one province with 30 agencies below it, 260 units, 3,500 officers, 10 procedures, then
   ``--dossiers`` dossiers received evenly over two years (2025–2026; 2 % withdrawn, recent ones partly open,
   the rest finished 70 % early / 25 % on time / 5 % late; a third online) and six steps per dossier, all with
   ``INSERT … SELECT generate_series`` (foreign-key triggers off while loading); then the scheduler's first
   build of the daily step rollup (:mod:`app.reports.rollup`), timed;
3. times :func:`app.reports.service.summary` for the year 2026, the whole province, grouped by unit (from the
   rollup), ungrouped, by procedure, by officer (from ``steps``), by unit over the twelve months up to today
   (the rollup through yesterday, today from ``steps``) and by unit from ``steps`` alone (no rollup, checking
   both give the same rows), best of ``--repeat``, and prints the EXPLAIN (ANALYZE, BUFFERS) plans;
4. streams every step started in 2026 as CSV (the ``/reports/step-rows`` code path) to /dev/null, printing
   rows, seconds, tracemalloc peak and RSS at 10 % and at the end (flat memory: the ratio stays near 1).

Measured at ``--dossiers 1000000`` (6,000,000 steps; 2 vCPU, PostgreSQL 15 with default settings —
shared_buffers 128 MB, work_mem 4 MB, 2 parallel workers; timings best of 5 on an otherwise idle machine):

- generation 204 s while other benchmarks loaded the machine (dossiers 12 s, steps 184 s, vacuum analyze 6 s;
  steps 2.2 GB with indexes); first rollup build 38 s idle (73 s loaded; 733 days, 175,871 rows, 25 MB), a
  nightly build 0.2 s, a 14-day rebuild 1.6 s;
- yearly province summary by unit **197 ms** (EXPLAIN ANALYZE: rollup 29 ms, the dossier total 206 ms — a
  parallel scan of ``dossiers``); 312 ms with the machine loaded; ungrouped 177 ms; by procedure 207 ms; by unit over the twelve months to today 315 ms (the
  rollup through yesterday + today from ``steps``: a bitmap scan of ``ix_steps_ended_at``, 25,000 rows); by unit
  from ``steps`` alone 1,268 ms (join-free parallel scan of 3,000,000 steps); by officer 3.9 s and by month
  1.7 s (not rolled up);
- export of the 2,986,764 steps started in 2026 (308 MiB CSV): 8,400 rows/s with tracemalloc on (54,600 rows/s
  without; first chunk after 6.8 s, PostgreSQL's hash join and sort), tracemalloc peak 9.0 MiB at 10 % and at the
  end (ratio 1.00), RSS 134 MiB at 10 %, 132 MiB at the end;
- migration 0006's backfill of existing rows: 252 s for 6,000,000 steps (one ``UPDATE … FROM dossiers``), then
  5 s for ``ix_steps_ended_at``.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = datetime(2027, 1, 4, 3, 0, tzinfo=timezone.utc)  # Monday 4 January 2027, 10:00 in Hanoi

GENERATE = [
    ("agencies", """
        INSERT INTO agencies (id, code, name, kind, parent_id, created_at)
        SELECT 1, 'BENCH', 'Tỉnh thử tải', 'province', NULL, now()
        UNION ALL
        SELECT a, 'BENCH-' || a, 'Cơ quan ' || a, 'department', 1, now() FROM generate_series(2, 31) a"""),
    ("units", """
        INSERT INTO units (id, code, name, kind, agency_id, created_at)
        SELECT u, 'BU-' || u, 'Đơn vị ' || u, 'division', 2 + (u - 1) % 30, now() FROM generate_series(1, 260) u"""),
    ("officers", """
        INSERT INTO officers (id, username, full_name, is_active, token_version, created_at, updated_at)
        SELECT o, 'cb' || o, 'Cán bộ ' || o, true, 1, now(), now() FROM generate_series(1, 3500) o"""),
    ("procedures", """
        INSERT INTO process_definitions (id, key, name, kind, search_text, created_at)
        SELECT p, 'p' || lpad(p::text, 2, '0'), 'Thủ tục ' || p, 'internal', '', now() FROM generate_series(0, 9) p"""),
    ("dossiers", """
        INSERT INTO dossiers (id, code, definition_version_id, procedure_key, agency_id, applicant, data, documents,
                              status, channel, received_at, counting_from, due_at, finished_at, result, closed_at,
                              lookup_secret_hash, lock_version, paused_minutes)
        SELECT i, 'B-' || i, 1, 'p' || lpad((i % 10)::text, 2, '0'), 2 + i % 30, '{}', '{}', '[]',
               s.status, CASE WHEN i % 3 = 0 THEN 'online' ELSE 'direct' END, s.rec, s.rec, s.rec + interval '15 days',
               CASE WHEN s.status = 'finished' THEN s.rec + (1 + s.q * 14) * interval '1 day' END,
               CASE WHEN s.status <> 'finished' THEN NULL WHEN s.q < 0.7 THEN 'early' WHEN s.q < 0.95 THEN 'on_time'
                    ELSE 'late' END,
               CASE WHEN s.status = 'withdrawn' THEN s.rec + interval '1 day' END,
               '', 1, 0
        FROM (SELECT i, g.rec, g.q,
                     CASE WHEN g.r < 0.02 THEN 'withdrawn'
                          WHEN g.rec > :now - interval '25 days' AND g.q < 0.6 THEN 'processing'
                          ELSE 'finished' END AS status
              FROM (SELECT i, timestamptz '2025-01-01 08:00+07' + (i::float8 / :n) * interval '730 days' AS rec,
                           random() AS r, random() AS q
                    FROM generate_series(1, :n) i) g) s"""),
    ("steps", """
        INSERT INTO steps (dossier_id, task_id, spec_id, name, label, unit_id, assignee_id, completed_by_id, status,
                           started_at, due_at, time_limit_minutes, completed_at, result, paused_minutes,
                           agency_id, procedure_key, channel, ended_at, cancel_reason)
        SELECT d.id, d.id || '-' || k, 'Step_' || k, 'Bước ' || k, k::text,
               1 + (d.agency_id - 2) + 30 * ((d.id + k) % 8),
               1 + (d.id * 31 + k * 17) % 3500,
               CASE WHEN st.status = 'completed' THEN 1 + (d.id * 31 + k * 17) % 3500 END,
               st.status, st.started, st.started + interval '2 days', 480,
               CASE WHEN st.status = 'completed' THEN st.ended END,
               CASE WHEN st.status <> 'completed' THEN NULL WHEN (d.id * 7 + k * 13) % 100 < 70 THEN 'early'
                    WHEN (d.id * 7 + k * 13) % 100 < 92 THEN 'on_time' ELSE 'late' END, 0,
               d.agency_id, d.procedure_key, d.channel,
               CASE WHEN st.status = 'completed' THEN st.ended WHEN st.status = 'cancelled' THEN d.closed_at END,
               CASE WHEN st.status = 'cancelled' THEN d.status END
        FROM dossiers d CROSS JOIN generate_series(1, 6) k
        CROSS JOIN LATERAL (
            SELECT d.received_at + (coalesce(d.finished_at, d.closed_at, :now) - d.received_at) * (k - 1) / 6.0 AS started,
                   d.received_at + (coalesce(d.finished_at, d.closed_at, :now) - d.received_at) * k / 6.0 AS ended,
                   CASE WHEN d.status = 'finished' THEN 'completed'
                        WHEN d.status = 'processing' AND k < 6 THEN 'completed'
                        WHEN d.status = 'processing' THEN 'claimed'
                        WHEN k = 1 THEN 'completed' ELSE 'cancelled' END AS status) st"""),
]


def rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def build(url: str, schema: str, n: int) -> None:
    import flask_migrate
    import psycopg

    from app import create_app
    from app.extensions import db

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{schema}"')
    app = create_app({"SQLALCHEMY_DATABASE_URI": schema_url(url, schema), "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"})
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    with psycopg.connect(plain, autocommit=False) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        conn.execute("SET session_replication_role = replica")  # no FK triggers while loading (superuser)
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '512MB'")
        for name, sql in GENERATE:
            started = time.perf_counter()
            cur = conn.execute(sql.replace("%", "%%").replace(":now", "%(now)s").replace(":n", "%(n)s"),
                               {"now": NOW, "n": n})
            conn.commit()
            print(f"  generated {name:<11} {cur.rowcount:>10,} rows in {time.perf_counter() - started:6.1f} s")
        for table in ("dossiers", "steps", "units", "officers", "agencies"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
        conn.autocommit = True
        started = time.perf_counter()
        conn.execute("VACUUM ANALYZE dossiers")
        conn.execute("VACUUM ANALYZE steps")
        print(f"  vacuum analyze in {time.perf_counter() - started:.1f} s")
        size = conn.execute("SELECT pg_size_pretty(pg_total_relation_size('dossiers')), "
                            "pg_size_pretty(pg_total_relation_size('steps'))").fetchone()
        print(f"  sizes: dossiers {size[0]}, steps {size[1]} (with indexes)")


def schema_url(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def explain(session, stmt) -> str:
    compiled = stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
    rows = session.connection().exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + str(compiled), compiled.params)
    return "\n".join("    " + r[0] for r in rows)


def build_rollup(url: str, schema: str) -> None:
    """The scheduler's first build of the daily step rollup, over every step (what an upgrade does once)."""
    from zoneinfo import ZoneInfo

    from app import create_app
    from app.extensions import db
    from app.reports import rollup

    app = create_app({"SQLALCHEMY_DATABASE_URI": schema_url(url, schema), "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"})
    with app.app_context():
        started = time.perf_counter()
        days = rollup.build(session=db.session, now=NOW, tz=ZoneInfo("Asia/Ho_Chi_Minh"))
        db.session.commit()
        elapsed = time.perf_counter() - started
        rows = db.session.scalar(text("SELECT count(*) FROM report_step_days"))
        size = db.session.scalar(text("SELECT pg_size_pretty(pg_total_relation_size('report_step_days'))"))
        db.session.execute(text("ANALYZE report_step_days"))
        db.session.commit()
        print(f"  rollup built: {days} days, {rows:,} rows ({size}) in {elapsed:.1f} s "
              f"(first build: reads every step once; then one day a night)")
        db.engine.dispose()


def _time(repeat: int, fn) -> tuple[float, object]:
    best, result = None, None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def run(url: str, schema: str, repeat: int, export_year: int | None) -> None:
    from app import create_app
    from app.clock import FrozenClock
    from app.extensions import db
    from app.reports import export, queries, rollup, service

    app = create_app({"SQLALCHEMY_DATABASE_URI": schema_url(url, schema), "SECRET_KEY": "bench",
                      "LOG_LEVEL": "WARNING", "CLOCK": FrozenClock(NOW)})
    with app.app_context():
        s = db.session
        f = service.filters(session=s, scope=None, agency="BENCH")
        p = service.period(first=date(2026, 1, 1), last=date(2026, 12, 31), now=NOW, tz="Asia/Ho_Chi_Minh",
                           max_days=731)
        counts = s.execute(text("SELECT (SELECT count(*) FROM dossiers), (SELECT count(*) FROM steps)")).one()
        extent = rollup.usable(session=s, tz=p.tz)
        print(f"\ndata: {counts[0]:,} dossiers, {counts[1]:,} steps; period {p.first} – {p.last}, province BENCH; "
              f"rollup built {extent.start if extent else '-'} – {extent.through if extent else '-'}")
        timings = {}

        def summary(group, period=p):
            def call():
                report = service.summary(session=s, f=f, p=period, group_by=group, now=NOW)
                s.rollback()
                return report
            return call

        cases = [("unit", "unit", p), ("none", None, p), ("procedure", "procedure", p),
                 ("officer", "officer", p), ("month", "month", p)]
        # the last twelve months up to today: the rollup through yesterday, today counted from steps
        p12 = service.period(first=date(2026, 1, 5), last=date(2027, 1, 4), now=NOW, tz="Asia/Ho_Chi_Minh",
                             max_days=731)
        cases.append(("unit, 12 months to today", "unit", p12))
        for name, group, period in cases:
            once = group in ("officer", "month")  # counted from steps / dossiers month by month: seconds
            best, report = _time(1 if once else repeat, summary(group, period))
            timings[name] = best
            total = report["total"]
            print(f"summary group_by={name:<25} best of {1 if once else repeat}: {best * 1000:7.0f} ms  "
                  f"({len(report['rows'])} rows; received {total['received']['total']:,}, "
                  f"resolved {total['resolved']['total']:,}, on-time rate {total['on_time_rate']})")
        # the same by unit counted from steps alone (no rollup): the join-free scan
        state = rollup.usable
        rollup.usable = lambda **kw: None
        try:
            best, live = _time(repeat, summary("unit"))
        finally:
            rollup.usable = state
        print(f"summary group_by=unit from steps alone       best of {repeat}: {best * 1000:7.0f} ms  (no rollup)")
        assert live["rows"] == summary("unit")()["rows"], "the rollup and the steps disagree"
        print(f"target < 1 s for the yearly province summary by unit: {'MET' if timings['unit'] < 1 else 'NOT MET'} "
              f"({timings['unit']:.3f} s; ratio to target {timings['unit'] / 1.0:.2f})")
        print("\nEXPLAIN rollup_summary (group_by=unit, the year from the rollup):")
        print(explain(s, queries.rollup_summary(f=f, first=p.first, through=p.last)))
        print("\nEXPLAIN step_summary for the day after the rollup (12 months to today):")
        print(explain(s, queries.step_summary(f=f, start=rollup.midnight(extent.through + timedelta(days=1), p.tz)
                                              if extent else p12.start, end=p12.end, as_of=p12.as_of, group="unit")))
        print("\nEXPLAIN dossier_summary (total):")
        print(explain(s, queries.dossier_summary(f=f, start=p.start, end=p.end, as_of=p.as_of, group=None)))
        print("\nEXPLAIN dossier_summary (group_by=procedure):")
        print(explain(s, queries.dossier_summary(f=f, start=p.start, end=p.end, as_of=p.as_of, group="procedure")))
        print("\nEXPLAIN step_summary (group_by=unit, from steps alone):")
        print(explain(s, queries.step_summary(f=f, start=p.start, end=p.end, as_of=p.as_of, group="unit")))
        s.rollback()
        if export_year is None:
            db.engine.dispose()
            return

        py = service.period(first=date(export_year, 1, 1), last=date(export_year, 12, 31), now=NOW,
                            tz="Asia/Ho_Chi_Minh", max_days=731)
        expected = s.scalar(text("SELECT count(*) FROM steps WHERE started_at >= :a AND started_at < :b"),
                            {"a": py.start, "b": py.end})
        s.rollback()
        tracemalloc.start()
        rss_start = rss_mib()
        started = time.perf_counter()
        written = 0
        seen = [0]
        marks = {}

        def counted():
            for row in service.step_rows(session=s, f=f, p=py):
                seen[0] += 1
                yield row

        with open(os.devnull, "wb") as sink:
            for chunk in export.csv_chunks(export.STEP_ROW_HEADINGS, counted(), tz=py.tz):
                sink.write(chunk)
                written += len(chunk)
                if "tenth" not in marks and expected and seen[0] >= expected // 10:
                    marks["tenth"] = (tracemalloc.get_traced_memory()[1], rss_mib())
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        rss_end = rss_mib()
        tenth_peak, tenth_rss = marks.get("tenth", (peak, rss_end))
        assert seen[0] == expected, (seen[0], expected)
        print(f"\nexport of every step started in {export_year}: {expected:,} rows, {written / 2**20:,.0f} MiB CSV "
              f"in {elapsed:.1f} s ({expected / elapsed:,.0f} rows/s, tracemalloc on)")
        print(f"  tracemalloc peak: {tenth_peak / 2**20:.1f} MiB at 10 % of the rows, {peak / 2**20:.1f} MiB at the end "
              f"(ratio {peak / max(tenth_peak, 1):.2f})")
        print(f"  RSS: {rss_start:.0f} MiB before, {tenth_rss:.0f} MiB at 10 %, {rss_end:.0f} MiB at the end "
              f"(ratio {rss_end / tenth_rss:.2f}); max RSS of the process "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--schema", default="bench_reports")
    parser.add_argument("--dossiers", type=int, default=1_000_000, help="dossiers to generate (6 steps each)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--export-year", type=int, default=2026)
    parser.add_argument("--no-export", action="store_true", help="time the summaries only")
    parser.add_argument("--reuse", action="store_true", help="do not regenerate: time an existing schema")
    parser.add_argument("--keep", action="store_true", help="keep the schema afterwards")
    args = parser.parse_args()
    started = time.perf_counter()
    if not args.reuse:
        print(f"generating {args.dossiers:,} dossiers and {6 * args.dossiers:,} steps in schema {args.schema}")
        build(args.url, args.schema, args.dossiers)
        print(f"generated in {time.perf_counter() - started:.0f} s")
        build_rollup(args.url, args.schema)
    try:
        run(args.url, args.schema, args.repeat, None if args.no_export else args.export_year)
    finally:
        if not args.keep:
            import psycopg

            with psycopg.connect(args.url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{args.schema}" CASCADE')


if __name__ == "__main__":
    main()
