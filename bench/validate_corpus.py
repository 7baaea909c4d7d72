"""Time validate_bpmn over the BPMN corpus: per-file median, and the 95th percentile for files < 100 KB.

Usage: .venv/bin/python bench/validate_corpus.py [corpus dir] [--repeat N]
(default corpus: ../shared/bpmn-corpus relative to the repository). Target: p95 < 200 ms per file.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import contextlib

from app.definitions.validation import IntakeRefused, validate_bpmn
from app.definitions.xsd import get_schema

TARGET_MS = 200.0
SMALL_BYTES = 100 * 1024


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: a reported time was really measured)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def outcome(data: bytes) -> str:
    try:
        result = validate_bpmn(data)
    except IntakeRefused as exc:
        return f"refused:{exc.issue.code}"
    if result.publishable:
        return "accepted"
    return "documentation" if result.ok else f"errors:{len(result.errors)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(REPO.parent / "shared" / "bpmn-corpus"))
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    corpus = Path(args.corpus)
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix in (".bpmn", ".xml"))
    if not files:
        print(f"no .bpmn/.xml files under {corpus}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    get_schema()  # built once per process; reported apart from per-file times
    print(f"XSD schema load: {(time.perf_counter() - started) * 1000:.1f} ms (once per process)")
    print(f"{'file':70} {'KB':>7} {'median ms':>10} {'max ms':>8}  outcome")
    small_runs: list[float] = []
    medians: list[float] = []
    for path in files:
        data = path.read_bytes()
        times: list[float] = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            with contextlib.suppress(IntakeRefused):
                validate_bpmn(data)
            times.append((time.perf_counter() - t0) * 1000)
        median = statistics.median(times)
        medians.append(median)
        if len(data) < SMALL_BYTES:
            small_runs.extend(times)
        print(f"{path.relative_to(corpus).as_posix():70} {len(data) / 1024:7.1f} {median:10.2f} "
              f"{max(times):8.2f}  {outcome(data)}")
    p95 = percentile(small_runs, 95)
    print(f"\nfiles: {len(files)}, runs each: {args.repeat}, slowest median: {max(medians):.2f} ms")
    print(f"p95 over all runs of files < 100 KB: {p95:.2f} ms = {p95 / TARGET_MS:.3f} x the {TARGET_MS:.0f} ms "
          f"target")
    return 0 if p95 < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
