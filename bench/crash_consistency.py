"""Crash consistency: drive dossiers through gunicorn while SIGKILLing its workers, then check the database.

    .venv/bin/python bench/crash_consistency.py                  # 120 s, 6 clients, a kill every 0.5–2 s
    .venv/bin/python bench/crash_consistency.py --seconds 600 --clients 8 --workers 4
    .venv/bin/python bench/crash_consistency.py --db-restart     # also stop PostgreSQL mid-run (see below)

gunicorn (2 workers by default) runs on a fresh PostgreSQL schema (dropped at the end). Client threads receive
NA-3857 dossiers and complete their steps; a killer thread sends SIGKILL to a random worker at random moments
(the gunicorn master starts a new one). Afterwards, directly in the database:

1. every dossier's engine state (``app.engine.loads``) waits on exactly the steps whose rows are ready/claimed;
   finished dossiers have a completed workflow and no open step;
2. no step was completed twice (one ``step.complete`` audit event per completed step, no more);
3. no completion a client saw answered 200 was lost (its step row is ``completed``);
4. every completed step has its audit event;
5. no due work is pending for a finished (or withdrawn/stopped) dossier.

``--db-restart`` stops the shared PostgreSQL cluster (``pg_ctlcluster … stop -m fast``) for a few seconds in the
middle of the run and starts it again (always, in a ``finally``): requests during the outage must get 503
problem+json, the service must recover by itself (``pool_pre_ping``), and the checks above must still hold.
It restarts the shared server: never run it where others use that server.

The fast version of the same run is ``tests/reliability/test_crash_consistency.py`` (CI, ~40 s).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.lifecycle import APPLICANT, DEMO_PASSWORD, DOCUMENTS, KEY, STEPS, Server, _children

PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TRANSPORT_ERRORS = (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError, OSError)


@dataclass
class Record:
    """What the clients saw."""

    completed_200: list[tuple[int, int]] = field(default_factory=list)  # (dossier_id, step_id)
    started: list[int] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    transport_errors: Counter = field(default_factory=Counter)
    bad_problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, status: int) -> None:
        with self.lock:
            self.statuses[status] += 1


def call(base: str, method: str, path: str, body: dict | None, token: str | None,
         record: Record) -> tuple[int | None, dict]:
    """One request; a transport error (the worker died under it) is counted and answered ``(None, {})``."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, payload, ctype = resp.status, resp.read(), resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        status, payload, ctype = exc.code, exc.read(), exc.headers.get("Content-Type", "")
    except TRANSPORT_ERRORS as exc:
        with record.lock:
            record.transport_errors[type(exc).__name__] += 1
        return None, {}
    record.saw(status)
    if status >= 400 and not ctype.startswith("application/problem+json"):
        with record.lock:
            record.bad_problems.append(f"{method} {path} → {status} {ctype}")
    try:
        return status, (json.loads(payload) if payload else {})
    except ValueError:
        return status, {}


def login(base: str, username: str, record: Record) -> str:
    for _ in range(60):
        status, body = call(base, "POST", "/api/v1/auth/token", {"username": username, "password": DEMO_PASSWORD},
                            None, record)
        if status == 200:
            return body["access_token"]
        time.sleep(0.5)
    raise RuntimeError(f"cannot log in as {username}")


def drive(base: str, tokens: dict[str, str], record: Record, stop: threading.Event) -> None:
    """Receive dossiers and complete their steps until ``stop``; retries whatever a crash interrupted."""
    dossier_id = None
    while not stop.is_set():
        if dossier_id is None:
            status, receipt = call(base, "POST", f"/api/v1/procedures/{KEY}/dossiers",
                                   {"applicant": APPLICANT, "documents": DOCUMENTS}, tokens["na.hn.motcua"], record)
            if status == 201:
                dossier_id = receipt["id"]
                with record.lock:
                    record.started.append(dossier_id)
            else:
                time.sleep(0.05)
            continue
        status, dossier = call(base, "GET", f"/api/v1/dossiers/{dossier_id}", None, tokens["na.hn.motcua"], record)
        if status != 200:
            time.sleep(0.05)
            continue
        if dossier["status"] == "finished" or not dossier.get("current_steps"):
            dossier_id = None
            continue
        step = dossier["current_steps"][0]
        username, data = STEPS[step["spec_id"]]
        status, _ = call(base, "POST", f"/api/v1/tasks/{step['id']}/complete", {"data": data}, tokens[username],
                         record)
        if status == 200:
            with record.lock:
                record.completed_200.append((dossier_id, step["id"]))


def kill_workers(master: int, stop: threading.Event, low: float, high: float, rng: random.Random,
                 kills: list[float]) -> None:
    while not stop.wait(rng.uniform(low, high)):
        workers = _children(master)
        if workers:
            try:
                os.kill(rng.choice(workers), signal.SIGKILL)
                kills.append(time.monotonic())
            except ProcessLookupError:
                pass


# --- PostgreSQL restart (bench only) ------------------------------------------------------------------

def pg_cluster(action: str) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action]
                   + (["-m", "fast"] if action == "stop" else []), check=True, capture_output=True)


def restart_database(base: str, token: str, record: Record, outage_seconds: float) -> dict:
    """Stop PostgreSQL, probe the API during the outage, start it again (always), time the recovery."""
    probes: Counter = Counter()
    bad: list[str] = []
    t_stop = time.monotonic()
    pg_cluster("stop")
    try:
        deadline = time.monotonic() + outage_seconds
        while time.monotonic() < deadline:
            req = urllib.request.Request(base + "/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
            try:
                with urllib.request.urlopen(req, timeout=10) as resp:
                    probes[resp.status] += 1
            except urllib.error.HTTPError as exc:
                probes[exc.code] += 1
                ctype = exc.headers.get("Content-Type", "")
                if exc.code != 503 or not ctype.startswith("application/problem+json"):
                    bad.append(f"{exc.code} {ctype} {exc.read()[:200]!r}")
            except TRANSPORT_ERRORS as exc:
                probes[type(exc).__name__] += 1
            time.sleep(0.2)
    finally:
        pg_cluster("start")
    t_start = time.monotonic()
    recovered = None
    for _ in range(300):
        status, _ = call(base, "GET", "/api/v1/tasks", None, token, record)
        if status == 200:
            recovered = time.monotonic() - t_start
            break
        time.sleep(0.1)
    return {"outage_s": round(t_start - t_stop, 1), "probes_during_outage": dict(probes), "bad_answers": bad[:5],
            "recovered_after_s": None if recovered is None else round(recovered, 2)}


# --- the run and the checks ---------------------------------------------------------------------------

def new_schema() -> tuple[str, str]:
    import psycopg

    name = f"crash_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=test", autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    return name, f"{PG_BASE}?options=-csearch_path%3D{name}"


def drop_schema(name: str) -> None:
    import psycopg

    with psycopg.connect("host=127.0.0.1 user=postgres dbname=test", autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def check_invariants(database_url: str, record: Record) -> dict:
    """The five checks, directly in the database; returns figures and a list of violations."""
    from sqlalchemy import func, select

    from app import create_app, engine
    from app.audit.models import AuditEvent
    from app.dossiers import service as dossiers
    from app.dossiers.models import CLOSED_STATUSES, OPEN_STATUSES, Dossier, Step
    from app.extensions import db
    from app.scheduler.due_work_models import DueWork

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "c" * 48, "SCHEDULER_ENABLED": False,
                      "LOG_LEVEL": "WARNING"})
    violations: list[str] = []
    with app.app_context():
        s = db.session
        all_dossiers = list(s.scalars(select(Dossier).order_by(Dossier.id)))
        for dossier in all_dossiers:
            open_rows = set(s.scalars(select(Step.task_id).where(Step.dossier_id == dossier.id,
                                                                 Step.status.in_(OPEN_STATUSES))))
            wf = dossiers.load_workflow(dossier)
            ready = {view.task_id for view in engine.ready_steps(wf)}
            if ready != open_rows:
                violations.append(f"dossier {dossier.id} ({dossier.status}): engine waits on {sorted(ready)}, "
                                  f"open step rows {sorted(open_rows)}")
            if dossier.status == "finished" and not engine.is_completed(wf):
                violations.append(f"dossier {dossier.id} is finished but its workflow is not completed")
        completions = Counter(s.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "step.complete")))
        twice = {k: n for k, n in completions.items() if n > 1}
        if twice:
            violations.append(f"steps completed more than once (audit): {dict(list(twice.items())[:10])}")
        completed = {row.id: row for row in s.scalars(select(Step).where(Step.status == "completed"))}
        missing_audit = [sid for sid in completed if str(sid) not in completions]
        if missing_audit:
            violations.append(f"completed steps without audit event: {missing_audit[:10]}")
        lost = [(d, sid) for d, sid in record.completed_200 if sid not in completed]
        if lost:
            violations.append(f"completions answered 200 but not completed in the database: {lost[:10]}")
        orphaned = s.scalar(select(func.count()).select_from(DueWork).where(
            DueWork.status == "pending", DueWork.dossier_id.in_(
                select(Dossier.id).where(Dossier.status.in_(CLOSED_STATUSES)))))
        if orphaned:
            violations.append(f"{orphaned} pending due-work rows of closed dossiers")
        figures = {"dossiers": len(all_dossiers),
                   "finished": sum(1 for d in all_dossiers if d.status == "finished"),
                   "steps_completed": len(completed), "completions_seen_200": len(record.completed_200)}
        s.remove()
        db.engine.dispose()
    return {"figures": figures, "violations": violations}


def run(*, seconds: float, clients: int, workers: int, kill_low: float, kill_high: float, seed: int,
        db_restart: bool = False, outage_seconds: float = 5.0, database_url: str | None = None) -> dict:
    """One crash run on a fresh schema (dropped at the end); returns figures and violations."""
    schema = None
    if database_url is None:
        schema, database_url = new_schema()
    rng = random.Random(seed)
    record, stop, kills = Record(), threading.Event(), []
    restart = None
    try:
        with Server(database_url, workers) as server:
            tokens = {user: login(server.url, user, record) for user, _ in STEPS.values()}
            threads = [threading.Thread(target=drive, args=(server.url, tokens, record, stop), daemon=True)
                       for _ in range(clients)]
            killer = threading.Thread(target=kill_workers, args=(server.proc.pid, stop, kill_low, kill_high, rng, kills),
                                      daemon=True)
            t0 = time.monotonic()
            for t in [*threads, killer]:
                t.start()
            if db_restart:
                stop.wait(seconds / 2)
                restart = restart_database(server.url, tokens["na.hn.motcua"], record, outage_seconds)
            stop.wait(max(0.0, seconds - (time.monotonic() - t0)))
            stop.set()
            for t in [*threads, killer]:
                t.join(60)
            elapsed = time.monotonic() - t0
        result = check_invariants(database_url, record)
    finally:
        if schema:
            drop_schema(schema)
    result["figures"].update({"seconds": round(elapsed, 1), "kills": len(kills), "clients": clients,
                              "workers": workers, "statuses": dict(sorted(record.statuses.items())),
                              "transport_errors": dict(record.transport_errors),
                              "dossiers_started": len(record.started)})
    if record.bad_problems:
        result["violations"].append(f"errors not in problem+json: {record.bad_problems[:5]}")
    if record.statuses.get(500):
        result["violations"].append(f"{record.statuses[500]} responses were 500")
    if restart is not None:
        result["db_restart"] = restart
        if restart["recovered_after_s"] is None:
            result["violations"].append("the service did not recover after PostgreSQL came back")
        if restart["bad_answers"]:
            result["violations"].append(f"answers during the outage other than 503 problem+json: "
                                        f"{restart['bad_answers']}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kill-every", default="0.5,2", help="min,max seconds between SIGKILLs (default 0.5,2)")
    parser.add_argument("--seed", type=int, default=20260302)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--db-restart", action="store_true", help="also stop/start the shared PostgreSQL mid-run")
    parser.add_argument("--outage", type=float, default=5.0, help="seconds PostgreSQL stays down (default 5)")
    args = parser.parse_args()
    low, high = (float(x) for x in args.kill_every.split(","))
    failed = 0
    for i in range(args.runs):
        result = run(seconds=args.seconds, clients=args.clients, workers=args.workers, kill_low=low, kill_high=high,
                     seed=args.seed + i, db_restart=args.db_restart, outage_seconds=args.outage)
        print(f"== run {i + 1}/{args.runs} ==")
        print(json.dumps(result, indent=2, ensure_ascii=False))
        failed += bool(result["violations"])
    print(f"{args.runs - failed}/{args.runs} runs consistent")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
