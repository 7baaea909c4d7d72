"""In-process ceiling of the engine: dossiers per second through a linear 7-step procedure.

Each dossier is started, then every step is completed with a dumps/loads round trip between steps, as
the service does per request (load state, complete, save state) minus HTTP and the database. Later
benchmarks of the service compare against this figure.

    python bench/engine_ceiling.py [N]        (default N=200)
"""
from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from app import engine

DIAGRAM = PROJECT / "tests" / "engine" / "data" / "linear7.bpmn"


def run(n: int) -> tuple[float, int, int]:
    compiled = engine.CompiledProcess.from_json(
        engine.compile_process({DIAGRAM.name: DIAGRAM.read_bytes()}, "linear7").to_json())
    now = datetime(2025, 1, 6, 1, 0, tzinfo=UTC)
    steps = 0
    state_bytes = 0
    began = time.perf_counter()
    for i in range(n):
        text = engine.dumps(engine.start(compiled, {"dossier_no": f"HS-{i}"}, now=now))
        while True:
            wf = engine.loads(text, compiled)
            ready = engine.ready_steps(wf)
            if not ready:
                break
            now += timedelta(minutes=1)
            engine.complete_step(wf, ready[0].task_id, {f"note_{steps % 7}": "ok"}, now=now)
            text = engine.dumps(wf)
            steps += 1
        assert engine.is_completed(wf)
        state_bytes = max(state_bytes, len(text))
    return time.perf_counter() - began, steps, state_bytes


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    run(5)  # warm up
    elapsed, steps, state_bytes = run(n)
    print(f"{n} dossiers x 7 steps in {elapsed:.2f}s: {n / elapsed:.1f} dossiers/s, "
          f"{steps / elapsed:.0f} steps/s, final state {state_bytes} bytes")


if __name__ == "__main__":
    main()
