"""Lifecycle benchmark: receive NA-3857 dossiers and complete every step over HTTP, against bare engine calls.

    .venv/bin/python bench/lifecycle.py                      # gunicorn on SQLite, and on PostgreSQL if reachable
    .venv/bin/python bench/lifecycle.py --dossiers 50 --clients 1,8
    .venv/bin/python bench/lifecycle.py --no-sqlite --memory 20000   # PostgreSQL, then the 20,000-dossier RSS run
    .venv/bin/python bench/lifecycle.py --url http://host:8000   # a running server with the demo data loaded

A dossier is 8 calls: the reception (whose receipt lists the open steps) and one ``…/complete`` per step
(whose answer lists the next steps); ``--read-between`` adds a ``GET /dossiers/{id}`` after each (16 calls).
For each database it prints dossiers/s, per-call p50/p99, the ratio to the in-process ceiling (the same
workload on ``app.engine`` functions alone: start, complete each step, save and reload the state between
steps), the HTTP floor (an authenticated call that does nothing else, at the same concurrency: the most
any design with one HTTP call per step could reach here) and the gunicorn workers' RSS before and after.
When it started the server itself it also splits the machine's CPU per dossier between the gunicorn
workers, the PostgreSQL backends and this client, and prints the budget the ceiling ratio target leaves.
Standard library only (urllib, threads).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KEY = "na_khau_tru_kinh_phi_boi_thuong"
DEMO_PASSWORD = "motcua-demo-2026"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dbench_e"
APPLICANT = {"name": "Nguyễn Thị Hoa", "id_number": "040190001234", "phone": "0912345678"}
DOCUMENTS = [{"name": "Đơn đề nghị", "copy_kind": "ban_chinh", "copies": 1}]
STEPS = {
    "Step_1": ("na.hn.motcua", {"applicant_name": "Nguyễn Thị Hoa", "id_number": "040190001234",
                                "documents_received": [{"name": "Đơn đề nghị", "copy_kind": "ban_chinh"}]}),
    "Step_2": ("na.hn.ktht.truongphong", {"approved": True}),
    "Step_3": ("na.hn.ktht.chuyenvien", {"opinion": "Đủ điều kiện", "approved": True}),
    "Step_4": ("na.hn.ktht.truongphong", {"approved": True}),
    "Step_5": ("na.hn.chutich", {"approved": True}),
    "Step_6": ("na.hn.vanthu", {"document_number": "1/UBND", "signed_on": "2026-03-04"}),
    "Step_7": ("na.hn.motcua", {"method": "truc_tiep"}),
}


# --- HTTP client --------------------------------------------------------------------------------------

class Client:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.timings: list[float] = []
        self.lock = threading.Lock()

    def call(self, method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                status, payload = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, payload = exc.code, exc.read()
        elapsed = time.perf_counter() - t0
        with self.lock:
            self.timings.append(elapsed)
        return status, (json.loads(payload) if payload else {})

    def token(self, username: str, password: str) -> str:
        status, body = self.call("POST", "/api/v1/auth/token", {"username": username, "password": password})
        if status != 200:
            raise SystemExit(f"login {username}: {status} {body}")
        return body["access_token"]


def one_dossier(client: Client, tokens: dict[str, str], read_between: bool = False) -> None:
    """Receive one dossier, then complete each open step as its officer until the dossier is finished.

    The receipt and every completion answer the dossier's open steps, so 8 calls do the 7 steps; with
    ``read_between`` the client also reads the dossier after each call, as a console showing it would.
    """
    status, receipt = client.call("POST", f"/api/v1/procedures/{KEY}/dossiers",
                                  {"applicant": APPLICANT, "documents": DOCUMENTS}, tokens["na.hn.motcua"])
    if status != 201:
        raise RuntimeError(f"start: {status} {receipt}")
    dossier_id, open_steps = receipt["id"], receipt["current_steps"]
    while True:
        if read_between:
            status, dossier = client.call("GET", f"/api/v1/dossiers/{dossier_id}", token=tokens["na.hn.motcua"])
            if status != 200 or [s["id"] for s in dossier["current_steps"]] != [s["id"] for s in open_steps]:
                raise RuntimeError(f"read: {status} {dossier}")
        if not open_steps:
            return
        step = open_steps[0]
        username, data = STEPS[step["spec_id"]]
        status, body = client.call("POST", f"/api/v1/tasks/{step['id']}/complete", {"data": data}, tokens[username])
        if status != 200:
            raise RuntimeError(f"complete {step['spec_id']}: {status} {body}")
        open_steps = body["next_steps"]


def run_http(base: str, dossiers: int, clients: int, password: str, read_between: bool = False,
             master: int | None = None) -> dict:
    client = Client(base)
    tokens = {user: client.token(user, password) for user, _ in STEPS.values()}
    client.timings.clear()
    split = CpuSplit(master) if master else None
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for future in [pool.submit(one_dossier, client, tokens, read_between) for _ in range(dossiers)]:
            future.result()
    elapsed = time.perf_counter() - t0
    timings = sorted(client.timings)
    return {"dossiers_per_s": dossiers / elapsed, "calls": len(timings),
            "p50_ms": 1000 * statistics.median(timings),
            "p99_ms": 1000 * timings[min(len(timings) - 1, int(len(timings) * 0.99))],
            "cpu_ms": split.per(dossiers) if split else None}


# --- the ceiling: the same workload on bare engine functions ------------------------------------------

def run_ceiling(dossiers: int) -> float:
    from app import engine

    compiled = engine.compile_process({f"{KEY}.bpmn": (ROOT / "bpmn_models" / f"{KEY}.bpmn").read_bytes()}, KEY)
    compiled = engine.CompiledProcess.from_json(compiled.to_json())
    now = datetime.now(UTC)
    return max(_ceiling_run(compiled, now, dossiers) for _ in range(3))  # best of three: a warm engine


def _ceiling_run(compiled, now: datetime, dossiers: int) -> float:
    from app import engine

    t0 = time.perf_counter()
    for _ in range(dossiers):
        text = engine.dumps(engine.start(compiled, {"applicant": APPLICANT}, now=now))
        while True:
            wf = engine.loads(text, compiled)
            ready = engine.ready_steps(wf)
            if not ready:
                break
            engine.complete_step(wf, ready[0].task_id, STEPS[ready[0].spec_id][1], now=now)
            text = engine.dumps(wf)
    return dossiers / (time.perf_counter() - t0)


# --- a server of our own ------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().split(") ")[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return sorted(found)


def workers_rss_mib(master: int) -> list[float]:
    return [round(_rss_kib(pid) / 1024, 1) for pid in _children(master)]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().split(") ")[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _postgres_pids() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


class CpuSplit:
    """CPU used meanwhile by the gunicorn workers, the local PostgreSQL processes and this client."""

    def __init__(self, master: int) -> None:
        self.workers = _children(master)
        self.start = self._now()

    def _now(self) -> tuple[float, float, float]:
        return (sum(_cpu_seconds(pid) for pid in self.workers), sum(_cpu_seconds(pid) for pid in _postgres_pids()),
                time.process_time())

    def per(self, count: int) -> tuple[float, float, float]:
        """Milliseconds of CPU per ``count`` (dossiers or calls): workers, PostgreSQL, client."""
        return tuple(1000 * (b - a) / count for a, b in zip(self.start, self._now(), strict=True))  # type: ignore[return-value]


def postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect("host=127.0.0.1 user=postgres dbname=test", connect_timeout=2) as conn:
            conn.execute("DROP SCHEMA IF EXISTS bench_e CASCADE")
            conn.execute("CREATE SCHEMA bench_e")
        return True
    except Exception:
        return False


class Server:
    """gunicorn on a fresh database: migrated and bootstrapped with the demo organisation."""

    def __init__(self, database_url: str, workers: int) -> None:
        self.database_url, self.workers = database_url, workers
        self.dir = tempfile.mkdtemp(prefix="motcua-bench-")
        self.port = _free_port()
        self.env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench-" + "x" * 48,
                    "SCHEDULER_ENABLED": "false", "DEMO_PASSWORD": DEMO_PASSWORD, "ADMIN_PASSWORD": "bench-admin-pw-1",
                    "LOG_LEVEL": "WARNING"}
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        flask = [sys.executable, "-m", "flask", "--app", "app"]
        for cmd in (["db", "upgrade"], ["bootstrap"]):
            subprocess.run(flask + cmd, cwd=ROOT, env=self.env, check=True, capture_output=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(self.workers), "--threads", "1", "-b", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "app:create_app()"], cwd=ROOT, env=self.env)
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{self.url}/api/v1/openapi.json", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not start")
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(30)
        shutil.rmtree(self.dir, ignore_errors=True)


def run_floor(base: str, calls: int, clients: int, password: str, master: int | None = None) -> dict:
    """The HTTP floor: an authenticated call that does nothing else (``GET /auth/me``), as fast as it goes."""
    client = Client(base)
    token = client.token("na.hn.motcua", password)
    client.timings.clear()
    split = CpuSplit(master) if master else None
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for status, _ in pool.map(lambda _: client.call("GET", "/api/v1/auth/me", token=token), range(calls)):
            if status != 200:
                raise RuntimeError(f"floor call: {status}")
    elapsed = time.perf_counter() - t0
    timings = sorted(client.timings)
    return {"calls_per_s": calls / elapsed, "p50_ms": 1000 * statistics.median(timings),
            "p99_ms": 1000 * timings[min(len(timings) - 1, int(len(timings) * 0.99))],
            "cpu_ms": split.per(calls) if split else None}


def report(label: str, base: str, args: argparse.Namespace, ceiling: float, master: int | None) -> None:
    before = workers_rss_mib(master) if master else []
    print(f"\n== {label} ==")
    if args.warmup:
        # every worker compiles the process and builds its calendar once; measure the steady state
        run_http(base, args.warmup, min(args.warmup, 4), args.password)
        print(f"  (after {args.warmup} warm-up dossiers; RSS 'before' is the fresh workers)")
    per_dossier = 16 if args.read_between else 8
    for clients in args.clients:
        r = run_http(base, args.dossiers, clients, args.password, args.read_between, master)
        print(f"  {clients} client(s): {r['dossiers_per_s']:7.2f} dossiers/s  {r['calls']} calls  "
              f"p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  "
              f"ratio to ceiling {r['dossiers_per_s'] / ceiling:6.3f}")
        if r["cpu_ms"]:
            print("      CPU per dossier: workers {:.1f} ms, PostgreSQL {:.1f} ms, client {:.1f} ms".format(*r["cpu_ms"]))
        f = run_floor(base, 50 * per_dossier, clients, args.password, master)
        print(f"      floor, {clients} client(s): authenticated no-op {f['calls_per_s']:6.0f} calls/s  "
              f"p50 {f['p50_ms']:5.1f} ms  p99 {f['p99_ms']:5.1f} ms  -> at {per_dossier} calls a dossier "
              f"at most {f['calls_per_s'] / per_dossier:6.1f} dossiers/s (ratio {f['calls_per_s'] / per_dossier / ceiling:5.3f})")
        if f["cpu_ms"] and r["cpu_ms"] and clients == max(args.clients):  # the budget needs every core busy
            print_budget(ceiling, per_dossier, r["cpu_ms"], f["cpu_ms"])
    if master:
        print(f"  worker RSS MiB before {before} after {workers_rss_mib(master)}")
    if args.memory and master:
        memory_run(base, args, master)


_WRITE_FLOOR = (
    # what one completion cannot do without: its session, the step, the dossier under lock, the open steps,
    # the step's pending due work cancelled, the new state, the step closed, the next step opened with its due
    # work, the audit event; then the commit. Prepared, no ORM, no HTTP: the least a completion costs here.
    ("SELECT s.revoked_at, o.is_active, o.token_version FROM auth_sessions s JOIN officers o ON o.id = s.officer_id"
     " WHERE s.id = %(session)s", False),
    ("SELECT id, dossier_id, unit_id, status FROM steps WHERE id = %(step)s", False),
    ("UPDATE dossiers SET lock_version = lock_version + 1 WHERE id = %(dossier)s RETURNING *", False),
    ("SELECT * FROM steps WHERE dossier_id = %(dossier)s AND status IN ('ready', 'claimed') ORDER BY id", False),
    ("UPDATE due_work SET status = 'cancelled', done_at = now() WHERE status = 'pending' AND step_id = %(step)s",
     False),
    ("UPDATE dossiers SET state = %(state)s WHERE id = %(dossier)s", False),
    ("UPDATE steps SET status = 'completed', completed_at = now(), ended_at = now(), data = %(data)s"
     " WHERE id = %(step)s", False),
    ("INSERT INTO steps (dossier_id, task_id, spec_id, name, status, started_at, channel, paused_minutes)"
     " VALUES (%(dossier)s, 'bench-' || gen_random_uuid(), 'Step_2', 'bench', 'cancelled', now(), 'direct', 0)"
     " RETURNING id", True),
    ("INSERT INTO due_work (kind, due_at, dossier_id, step_id, payload, dedupe_key, status, attempts)"
     " VALUES ('step.due_soon', now(), %(dossier)s, %(new_step)s, '{}', 'bench:' || %(new_step)s, 'cancelled', 0)",
     False),
    ("INSERT INTO audit_events (at, actor_id, action, object_type, object_id, summary, after, outcome)"
     " VALUES (now(), NULL, 'bench.write_floor', 'step', %(step)s::text, 'bench', %(data)s, 'allowed')", False),
)


def run_write_floor(dsn: str, calls: int) -> tuple[float, float]:
    """CPU (ms) of this client and of PostgreSQL for the statements of one completion, raw psycopg.

    Runs on the benchmark's own database after the HTTP runs, against a finished dossier's real rows (the
    rows it adds are cancelled, so nothing is left for a scheduler).
    """
    import psycopg

    with psycopg.connect(dsn, prepare_threshold=0) as conn:
        dossier, step, state = conn.execute(
            "SELECT d.id, s.id, d.state FROM dossiers d JOIN steps s ON s.dossier_id = d.id "
            "WHERE d.status = 'finished' ORDER BY s.id LIMIT 1").fetchone()
        session = conn.execute("SELECT max(id) FROM auth_sessions").fetchone()[0]
        conn.commit()
        params = {"dossier": dossier, "step": step, "state": state, "session": session, "new_step": None,
                  "data": json.dumps(STEPS["Step_3"][1], ensure_ascii=False)}

        def one() -> None:
            for sql, returns_step in _WRITE_FLOOR:
                row = conn.execute(sql, params).fetchone() if "RETURNING" in sql or sql.startswith("SELECT") \
                    else conn.execute(sql, params)
                if returns_step:
                    params["new_step"] = row[0]
            conn.commit()

        for _ in range(50):
            one()
        pg0, c0 = sum(_cpu_seconds(pid) for pid in _postgres_pids()), time.process_time()
        for _ in range(calls):
            one()
        return (1000 * (time.process_time() - c0) / calls,
                1000 * (sum(_cpu_seconds(pid) for pid in _postgres_pids()) - pg0) / calls)


def print_budget(ceiling: float, per_dossier: int, dossier_ms: tuple, floor_ms: tuple, target: float = 0.25) -> None:
    """What the ceiling-ratio target leaves per dossier on this machine, against what the floor already takes."""
    cores = os.cpu_count() or 1
    budget = 1000 * cores / (target * ceiling)
    floor = per_dossier * sum(floor_ms)
    engine = 1000 / ceiling
    print(f"      budget at ratio {target}: {target * ceiling:.1f} dossiers/s on {cores} cores = {budget:.1f} ms of CPU a "
          f"dossier; {per_dossier} no-op calls take {floor:.1f}, the bare engine {engine:.1f}, leaving "
          f"{budget - floor - engine:.1f} ms for the database work of {per_dossier} calls; "
          f"spent now beyond the floor: {sum(dossier_ms) - floor:.1f} ms")


def memory_run(base: str, args: argparse.Namespace, master: int) -> None:
    """``--memory N``: N more dossiers with 8 clients, the workers' RSS printed every tenth (flat = no leak)."""
    print(f"  memory: {args.memory} dossiers, 8 clients; worker RSS MiB (each worker) every {args.memory // 10}")
    chunk = max(args.memory // 10, 1)
    done, first = 0, workers_rss_mib(master)
    print(f"    {done:6d} dossiers  {first}")
    t0 = time.perf_counter()
    while done < args.memory:
        run_http(base, min(chunk, args.memory - done), 8, args.password)
        done += min(chunk, args.memory - done)
        print(f"    {done:6d} dossiers  {workers_rss_mib(master)}  ({done / (time.perf_counter() - t0):.1f}/s)",
              flush=True)
    last = workers_rss_mib(master)
    print(f"  memory: largest worker {max(first):.1f} -> {max(last):.1f} MiB "
          f"(ratio {max(last) / max(first):.3f} over {args.memory} dossiers)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server (demo data loaded); default: start gunicorn ourselves")
    parser.add_argument("--dossiers", type=int, default=20, help="dossiers per run (default 20)")
    parser.add_argument("--clients", default="1,8", help="concurrent clients, comma separated (default 1,8)")
    parser.add_argument("--warmup", type=int, default=64,
                        help="unmeasured dossiers first (default 64: every worker warm, its heap frozen)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers when we start it (default 4)")
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", DEMO_PASSWORD))
    parser.add_argument("--read-between", action="store_true",
                        help="also GET the dossier after every call (16 calls per dossier instead of 8)")
    parser.add_argument("--memory", type=int, default=0,
                        help="then N more dossiers, printing the workers' RSS every tenth (e.g. 20000)")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite server")
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL even when reachable")
    args = parser.parse_args()
    args.clients = [int(c) for c in args.clients.split(",") if c.strip()]

    ceiling = run_ceiling(max(args.dossiers, 100))
    print(f"ceiling (bare engine, in-process, 1 thread, state saved and reloaded per step): {ceiling:.1f} dossiers/s")
    if args.url:
        report(args.url, args.url, args, ceiling, None)
        return
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory(prefix="motcua-bench-") as tmp, \
                Server(f"sqlite:///{tmp}/bench.sqlite3", args.workers) as server:
            report(f"gunicorn -w {args.workers}, SQLite", server.url, args, ceiling, server.proc.pid)
    if not args.no_postgres and postgres_reachable():
        with Server(PG_URL, args.workers) as server:
            report(f"gunicorn -w {args.workers}, PostgreSQL", server.url, args, ceiling, server.proc.pid)
        client_ms, pg_ms = run_write_floor("host=127.0.0.1 user=postgres dbname=test options=-csearch_path=bench_e", 1000)
        print(f"  write floor (one completion's statements, prepared, raw psycopg, no HTTP): client {client_ms:.2f} ms "
              f"+ PostgreSQL {pg_ms:.2f} ms of CPU; x 8 calls = {8 * (client_ms + pg_ms):.1f} ms a dossier")
    elif not args.no_postgres:
        print("\nPostgreSQL not reachable at 127.0.0.1: skipped")


if __name__ == "__main__":
    main()
