"""External-task benchmark: a procedure of 3 service tasks driven by N workers of the published client.

    .venv/bin/python bench/external_tasks.py                          # SQLite, 60 dossiers, 1 and 4 workers
    .venv/bin/python bench/external_tasks.py --dossiers 200 --workers 1 4 8
    .venv/bin/python bench/external_tasks.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench

It starts gunicorn (``--gunicorn-workers`` sync workers, 4 by default, with 2 threads each so long polls do not
starve the others) on a fresh database (SQLite file, or the PostgreSQL database given, emptied first), migrated and
bootstrapped with the demo organisation; publishes ``bench/data/ba_tac_vu_he_thong.bpmn`` (start → three service
tasks on the topics ``tra-cuu``, ``cap-so``, ``dong-bo`` → end), creates a worker account and its API key, and
receives the dossiers as the clerk. Then, for each worker count, that many threads, each with its own
``camunda.client.external_task_client.ExternalTaskClient`` (the published client, as a real worker uses it:
fetchAndLock of all three topics with ``maxTasks`` 5 and long polling, then one ``complete`` per task), run until
every dossier is finished. Figures: tasks completed per second (wall time from the first fetch to the last
completion), and per task the latency from the fetch's answer to the completion's answer (p50, p99): the
worker's own time is nil here, so it is the service's. Exit code 0 whatever the figures (a measurement).
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KEY = "ba_tac_vu_he_thong"
BPMN = ROOT / "bench" / "data" / f"{KEY}.bpmn"
TOPICS = ["tra-cuu", "cap-so", "dong-bo"]
DEMO_PASSWORD = "motcua-demo-2026"
ADMIN_PASSWORD = "bench-admin-pw-1"
CLERK = "na.hn.motcua"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class Service:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/api/v1"
        url = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"
        self.env = {**os.environ, "FLASK_APP": "app", "DATABASE_URL": url, "SECRET_KEY": "bench-" + "x" * 48,
                    "SCHEDULER_ENABLED": "false", "DEMO_PASSWORD": DEMO_PASSWORD, "ADMIN_PASSWORD": ADMIN_PASSWORD,
                    "LOG_LEVEL": "WARNING", "DOCUMENT_STORAGE_ROOT": str(workdir / "documents"),
                    "DOCUMENT_STAGING_DIR": str(workdir / "staging")}
        self.args = args
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Service:
        if self.args.database_url:
            import sqlalchemy
            engine = sqlalchemy.create_engine(self.args.database_url)
            with engine.begin() as c:
                c.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            engine.dispose()
        flask = [sys.executable, "-m", "flask", "--app", "app"]
        for cmd in (["db", "upgrade"], ["bootstrap"]):
            done = subprocess.run(flask + cmd, cwd=ROOT, env=self.env, capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(f"flask {' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(self.args.gunicorn_workers), "--threads", "2",
             "--timeout", "120", "-b", f"127.0.0.1:{self.port}", "--log-level", "warning", "app:create_app()"],
            cwd=ROOT, env=self.env)
        for _ in range(150):
            try:
                if requests.get(f"{self.base}/health", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not start")

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=20)

    def token(self, username: str, password: str) -> dict[str, str]:
        r = requests.post(f"{self.base}/auth/token", json={"username": username, "password": password}, timeout=30)
        r.raise_for_status()
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    def prepare(self) -> str:
        admin = self.token("admin", ADMIN_PASSWORD)
        r = requests.post(f"{self.base}/process-definitions?agency_id=2", data=BPMN.read_bytes(), timeout=60,
                          headers={**admin, "Content-Type": "application/xml"})
        assert r.status_code == 201, r.text
        for path, body in ((f"process-definitions/{KEY}/versions/1/submit", None),
                           (f"process-definitions/{KEY}/versions/1/publish",
                            {"decision_number": "1/QĐ", "decision_date": "2026-03-01",
                             "lane_bindings": {}})):
            r = requests.post(f"{self.base}/{path}", json=body, headers=admin, timeout=60)
            assert r.status_code == 200, r.text
        r = requests.post(f"{self.base}/officers", headers=admin, timeout=30, json={
            "username": "bench.worker", "full_name": "Bench worker", "password": ADMIN_PASSWORD, "roles": ["worker"]})
        assert r.status_code == 201, r.text
        r = requests.post(f"{self.base}/api-keys", headers=admin, timeout=30,
                          json={"name": "bench", "officer_id": r.json()["id"]})
        assert r.status_code == 201, r.text
        return r.json()["key"]

    def receive(self, count: int) -> list[int]:
        clerk = self.token(CLERK, DEMO_PASSWORD)
        ids = []
        for i in range(count):
            r = requests.post(f"{self.base}/procedures/{KEY}/dossiers", headers=clerk, timeout=60,
                              json={"applicant": {"name": f"Người nộp {i}"}, "data": {"so_thu_tu": i}})
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        return ids


def run(service: Service, key: str, workers: int, tasks: int) -> tuple[float, list[float]]:
    from camunda.client.external_task_client import ExternalTaskClient

    latencies: list[float] = []
    done = {"n": 0}
    lock = threading.Lock()
    stop = threading.Event()

    def work(n: int) -> None:
        client = ExternalTaskClient(f"bench-{n}", engine_base_url=service.base, config={
            "auth_bearer": {"access_token": key}, "maxTasks": 5, "lockDuration": 60_000,
            "asyncResponseTimeout": 2000})
        while not stop.is_set():
            fetched = client.fetch_and_lock(TOPICS)
            got = time.perf_counter()
            for task in fetched:
                client.complete(task["id"], {f"xong_{task['topicName'].replace('-', '_')}": True})
                with lock:
                    latencies.append(time.perf_counter() - got)
                    done["n"] += 1
                    if done["n"] >= tasks:
                        stop.set()
                got = time.perf_counter()

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(workers)]
    for t in threads:
        t.start()
    stop.wait(timeout=1800)
    elapsed = time.perf_counter() - started
    stop.set()
    for t in threads:
        t.join(timeout=10)
    return elapsed, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=60)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--gunicorn-workers", type=int, default=4)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="motcua-bench-et-"))
    try:
        with Service(args, workdir) as service:
            key = service.prepare()
            backend = "PostgreSQL" if args.database_url else "SQLite"
            print(f"external tasks, {backend}, gunicorn {args.gunicorn_workers} workers x 2 threads, "
                  f"{args.dossiers} dossiers x 3 service tasks per run")
            for workers in args.workers:
                service.receive(args.dossiers)
                elapsed, latencies = run(service, key, workers, 3 * args.dossiers)
                print(f"  {workers} worker(s): {len(latencies)} tasks in {elapsed:.2f} s = "
                      f"{len(latencies) / elapsed:.1f} tasks/s; fetch-to-complete p50 "
                      f"{statistics.median(latencies) * 1000:.1f} ms, p99 {percentile(latencies, 0.99) * 1000:.1f} ms")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
