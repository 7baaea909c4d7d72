"""Load and soak: a steady mix of realistic calls at a fixed rate, with figures per minute.

    .venv/bin/python bench/soak.py                      # gunicorn -w 4 + a scheduler process on PostgreSQL, 30 min
    .venv/bin/python bench/soak.py --minutes 5 --sqlite
    .venv/bin/python bench/soak.py --rate 40 --minutes 60
    .venv/bin/python bench/soak.py --url http://host:8000 --rate 20   # a running server, demo data loaded

The mix (weights): officers list their tasks (40), officers and leaders complete the step a dossier waits on
(30), clerks receive dossiers (4: steady state, a dossier takes 7 completions), leaders read the dossier list and
the overdue steps (26). The rate (operations/s; a completion is a
GET and a POST) defaults to half the maximum measured first (closed loop, 16 clients, 20 s). Every minute it prints requests, error rate
(5xx and transport errors; 4xx such as 409 races are counted apart), p50/p99 latency, the gunicorn workers' RSS
and the scheduler process's RSS, so a leak or a slow drift shows as a trend. Standard library only.
"""
from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.crash_consistency import Record, call, drop_schema, login, new_schema
from bench.lifecycle import APPLICANT, DOCUMENTS, KEY, STEPS, Server, _rss_kib, workers_rss_mib

#: A steady state: a dossier needs 7 completions, so completions (30) outpace 7 × receptions (4 → 28) and the
#: open work stays bounded instead of piling up (an earlier mix, 15 receptions to 30 completions, grew a backlog
#: of ~40 open steps a second and its latency grew with it).
MIX = (("list_tasks", 40), ("complete", 30), ("receive", 4), ("leader_reads", 26))
READERS = ("na.hn.ktht.chuyenvien", "na.hn.vanthu", "na.hn.ktht.truongphong", "na.hn.chutich", "na.hn.motcua")


class Workload:
    """The calls of the mix; dossiers waiting on a step are kept in a queue so completions find work."""

    def __init__(self, base: str, tokens: dict[str, str]) -> None:
        self.base, self.tokens = base, tokens
        self.active: deque[int] = deque()
        self.lock = threading.Lock()
        self.samples: list[tuple[float, float, str]] = []  # (end time, seconds, outcome)

    def _timed(self, record: Record, method: str, path: str, body: dict | None, user: str) -> tuple:
        t0 = time.perf_counter()
        status, payload = call(self.base, method, path, body, self.tokens[user], record)
        if status == 401:  # access tokens live 15 minutes: log in again, as a client would, and retry once
            with self.lock:
                self.tokens[user] = login(self.base, user, record)
            status, payload = call(self.base, method, path, body, self.tokens[user], record)
        elapsed = time.perf_counter() - t0
        outcome = "error" if status is None or status >= 500 else ("refused" if status >= 400 else "ok")
        with self.lock:
            self.samples.append((time.monotonic(), elapsed, outcome))
        return status, payload

    def receive(self, record: Record, rng: random.Random) -> None:
        status, receipt = self._timed(record, "POST", f"/api/v1/procedures/{KEY}/dossiers",
                                      {"applicant": APPLICANT, "documents": DOCUMENTS}, "na.hn.motcua")
        if status == 201:
            with self.lock:
                self.active.append(receipt["id"])

    def complete(self, record: Record, rng: random.Random) -> None:
        with self.lock:
            dossier_id = self.active.popleft() if self.active else None
        if dossier_id is None:
            return self.receive(record, rng)
        status, dossier = self._timed(record, "GET", f"/api/v1/dossiers/{dossier_id}", None, "na.hn.motcua")
        if status != 200 or dossier["status"] == "finished" or not dossier.get("current_steps"):
            return None
        step = dossier["current_steps"][0]
        user, data = STEPS[step["spec_id"]]
        status, _ = self._timed(record, "POST", f"/api/v1/tasks/{step['id']}/complete", {"data": data}, user)
        if status != 200 or step["spec_id"] != "Step_7":
            with self.lock:
                self.active.append(dossier_id)
        return None

    def list_tasks(self, record: Record, rng: random.Random) -> None:
        user = rng.choice(READERS)
        self._timed(record, "GET", f"/api/v1/tasks?page_size=20&status={rng.choice(['ready', 'claimed'])}", None,
                    user)

    def leader_reads(self, record: Record, rng: random.Random) -> None:
        user = rng.choice(("na.hn.chutich", "na.hn.ktht.truongphong"))
        if rng.random() < 0.6:
            self._timed(record, "GET", f"/api/v1/dossiers?page_size=20&page={rng.randint(1, 3)}", None, user)
        else:
            self._timed(record, "GET", "/api/v1/tasks?overdue=true&page_size=50", None, user)


def pick(rng: random.Random) -> str:
    names, weights = zip(*MIX, strict=True)
    return rng.choices(names, weights)[0]


def measure_max(work: Workload, seconds: float, clients: int) -> float:
    """Closed loop: ``clients`` threads calling the mix back to back; returns operations per second."""
    stop = threading.Event()
    record = Record()
    done = Counter()

    def loop(seed: int) -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            getattr(work, pick(rng))(record, rng)
            done[seed] += 1

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(60)
    return sum(done.values()) / seconds


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else 0.0


def soak(work: Workload, rate: float, minutes: float, master: int | None, scheduler: int | None) -> list[dict]:
    """Open loop at ``rate`` requests/s for ``minutes``; one printed line (and dict) per minute."""
    record, rng = Record(), random.Random(20260302)
    rows: list[dict] = []
    pool = ThreadPoolExecutor(max_workers=64)
    t0 = time.monotonic()
    next_at, minute_start, sent = t0, t0, 0
    work.samples.clear()
    print(f"{'min':>4} {'req':>6} {'req/s':>6} {'err%':>6} {'4xx':>5} {'p50 ms':>8} {'p99 ms':>8}  "
          f"worker RSS MiB              scheduler RSS MiB")
    while time.monotonic() - t0 < minutes * 60:
        now = time.monotonic()
        if now < next_at:
            time.sleep(min(next_at - now, 0.05))
        else:
            pool.submit(getattr(work, pick(rng)), record, random.Random(sent))
            sent += 1
            next_at += 1.0 / rate
        if time.monotonic() - minute_start >= 60 or time.monotonic() - t0 >= minutes * 60:
            end = time.monotonic()
            with work.lock:
                window = [s for s in work.samples if minute_start <= s[0] < end]
            latencies = [s[1] for s in window]
            outcomes = Counter(s[2] for s in window)
            row = {"minute": len(rows) + 1, "requests": len(window), "rps": len(window) / (end - minute_start),
                   "error_rate": outcomes["error"] / max(1, len(window)), "refused": outcomes["refused"],
                   "p50_ms": 1000 * (statistics.median(latencies) if latencies else 0),
                   "p99_ms": 1000 * percentile(latencies, 0.99),
                   "workers_rss": workers_rss_mib(master) if master else [],
                   "scheduler_rss": round(_rss_kib(scheduler) / 1024, 1) if scheduler else None}
            rows.append(row)
            print(f"{row['minute']:>4} {row['requests']:>6} {row['rps']:>6.1f} {100 * row['error_rate']:>5.2f}% "
                  f"{row['refused']:>5} {row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f}  "
                  f"{str(row['workers_rss']):<27} {row['scheduler_rss']}", flush=True)
            minute_start = end
    pool.shutdown(wait=True)
    print(f"transport errors: {dict(record.transport_errors) or 'none'}; statuses: {dict(sorted(record.statuses.items()))}")
    return rows


def summary(rows: list[dict]) -> None:
    if not rows:
        return
    total = sum(r["requests"] for r in rows)
    errors = sum(r["error_rate"] * r["requests"] for r in rows)
    first, last = rows[0], rows[-1]
    print(f"total {total} requests, error rate {100 * errors / max(1, total):.3f}%, "
          f"p50 {statistics.median(r['p50_ms'] for r in rows):.1f} ms, worst-minute p99 "
          f"{max(r['p99_ms'] for r in rows):.1f} ms; worker RSS {first['workers_rss']} → {last['workers_rss']} MiB, "
          f"scheduler RSS {first['scheduler_rss']} → {last['scheduler_rss']} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30, help="soak duration (default 30)")
    parser.add_argument("--rate", type=float, help="operations per second (a completion is 2 requests; "
                                                   "default: half the measured maximum)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--url", help="a running server with the demo data (no RSS figures)")
    parser.add_argument("--calibrate-seconds", type=float, default=20)
    args = parser.parse_args()

    schema, tmp = None, None
    if args.url:
        database_url = None
    elif args.sqlite:
        tmp = tempfile.mkdtemp(prefix="motcua-soak-")
        database_url = f"sqlite:///{tmp}/soak.sqlite3"
    else:
        schema, database_url = new_schema()
    scheduler = None
    try:
        if args.url:
            run(args, args.url, None, None)
            return
        with Server(database_url, args.workers) as server:
            env = {**server.env, "SCHEDULER_TICK_SECONDS": "5"}
            scheduler = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "scheduler", "run"],
                                         cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            run(args, server.url, server.proc.pid, scheduler.pid)
    finally:
        if scheduler is not None:
            scheduler.terminate()
            scheduler.wait(30)
        if schema:
            drop_schema(schema)
        if tmp:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)


def run(args: argparse.Namespace, base: str, master: int | None, scheduler: int | None) -> None:
    boot = Record()
    users = {user for user, _ in STEPS.values()} | set(READERS)
    work = Workload(base, {user: login(base, user, boot) for user in users})
    for _ in range(20):  # some dossiers in flight before measuring
        work.receive(boot, random.Random(0))
    maximum = measure_max(work, args.calibrate_seconds, 16)
    rate = args.rate or maximum / 2
    print(f"measured maximum {maximum:.1f} operations/s (16 clients, closed loop); soaking at {rate:.1f} ops/s "
          f"for {args.minutes:g} min on {'a running server' if master is None else base}")
    summary(soak(work, rate, args.minutes, master, scheduler))


if __name__ == "__main__":
    main()
