"""The safe evaluator's worst case: the slowest expression it *accepts*, and how fast it refuses hostile ones.

Three sources of expressions: hand-written ones that sit right at the limits (sizes, budget, nesting,
substring search, hashing, helper calls), the hostile cases of issue #25, and a seeded random search over
the grammar. Each is timed as the best of ``--repeat`` runs of ``evaluate`` (no data, then a typical
dossier's data) and of ``check_syntax`` (what upload validation runs). Target: every evaluation well under
50 ms (the per-expression budget the property tests assert).
Run: ``.venv/bin/python bench/evaluator_worst_case.py [--random N] [--repeat R]``. Prints the top ten.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.engine.evaluator import MAX_NODES, EvaluationError, check_syntax, evaluate

BUDGET_MS = 50.0

DOSSIER = {
    "approved": True, "amount": 150, "rate": 0.5, "name": "Hồ sơ cấp lại giấy chứng nhận",
    "items": [1, 2, 3], "form": {"approved": True, "unit": {"code": "MC01"}},
    "note": "ghi chú " * 600, "rows": list(range(2_000)),
}

EDGE = [
    "[0]*10000 == [0]*10000",
    "[[0]*99]*100 == [[0]*99]*100",
    "[[[0]*20]*20]*24 == [[[0]*20]*20]*24",
    "[[[[0]*9]*9]*9]*13 == [[[[0]*9]*9]*9]*13",
    "[[]]*10000 == [[]]*10000",
    "[{}]*10000 == [{}]*10000",
    "[{'a': [0, 1]}]*1666 == [{'a': [0, 1]}]*1666",
    "['a'*99]*100 == ['a'*99]*100",
    "[1, 2, 3]*3333 == [1, 2, 3]*3333",
    "[0]*10000 < [0]*9999 + [1]",
    "'a'*9999 + 'b' in 'a'*5000 + 'a'*5000",
    "'ab'*2500 + 'c' in 'ab'*5000",
    "'a'*5000 + 'b'*5000 in 'a'*5000 + 'b'*4999 + 'a'",
    "'x'*10000 != 'x'*9999 + 'y'",
    "max([[0]*99]*100)", "min([[0]*99]*100)", "max([0.5]*10000)",
    "sum([0.1]*10000)", "sum([2**200]*10000)", "any([0]*10000)", "all([1]*10000)",
    "(0,)*9999 in {(0,)*9999}", "{(0,)*9999: 1}[(0,)*9999]", "{'a'*9999: 0}['a'*9999]",
    "upper('ß'*5000)", "lower('A'*10000)", "strip(' '*10000)",
    "str([0]*3333)", "str([0.1]*999)", "len(str((2**256 - 1,)*100))",
    "int('9'*100) // 3", "round(2.5, 20)", "(2**255 - 1) % 97 + (2**255 - 1) // 3**160",
    "float('1' * 300) > 0", "date('2024-01-01') < date('2025-01-01')",
    " == ".join(["[0]*10000"] * 9),
    " and ".join(["[0]*5000 == [0]*5000"] * 9),
    " + ".join(["[[0]*9]*10"] * 100) + " == []",
    "not " * 38 + "1",
    "+".join(["1"] * 149),
    "'" + "x" * 990 + "' * 10 == '" + "x" * 990 + "' * 10",
    "${" + " && ".join(["empty ''"] * 30) + "}",
    # reading the dossier: cost grows with the data, what is built from it is bounded
    "note*2 == note*2", "rows + rows + rows + rows == rows*4", "str(rows)", "sum(rows) > max(rows)",
    "'ghi' in note and len(note) > 0", "rows[::-1] == rows[::-1]",
]

HOSTILE = [
    "[[[0]*2500]*2500]*2500 == [[[0]*2500]*2500]*2500",
    "sum([[0]*9999]*9999, [])",
    "sum(rows, [])",
    "[[0]*9999]*9999",
    "'a'*10**9", "[0]*10**9", "9**9**9", "2**100000", "int('9'*5000)",
    "str([[0.1]*99]*100)", "upper('ß'*9999)",
    " == ".join(["[0]*10000"] * 12),
    "(" * 10_000 + "1" + ")" * 10_000,
]

LEAVES = ["0", "1", "2", "7", "99", "100", "2500", "9999", "10000", "255", "256", "0.5", "1e308", "-1",
          "True", "None", "''", "'a'", "'ab'", "'ß'", "[]", "()", "{}", "amount", "items", "name", "note",
          "rows", "form", "form.unit", "approved"]
BINARY = ["+", "-", "*", "**", "//", "%", "/", "==", "!=", "<", "<=", "in", "not in", "and", "or"]
FUNCTIONS = ["len", "min", "max", "abs", "round", "int", "float", "str", "bool", "sum", "any", "all",
             "lower", "upper", "strip"]


def random_expression(rng: random.Random, depth: int = 0) -> str:
    """One expression of the evaluator's grammar, biased towards repetition with big counts."""
    if depth > 5 or rng.random() < 0.25:
        return rng.choice(LEAVES)
    kind = rng.random()
    sub = random_expression
    if kind < 0.35:
        return f"({sub(rng, depth + 1)} {rng.choice(BINARY)} {sub(rng, depth + 1)})"
    if kind < 0.5:
        return f"({sub(rng, depth + 1)} * {rng.choice(['2', '99', '2500', '9999', '10000', '10**6'])})"
    if kind < 0.65:
        items = ", ".join(sub(rng, depth + 1) for _ in range(rng.randrange(4)))
        return rng.choice(["[{}]", "({},)", "{{{}}}"]).format(items) if items else "[]"
    if kind < 0.8:
        args = ", ".join(sub(rng, depth + 1) for _ in range(rng.randrange(1, 3)))
        return f"{rng.choice(FUNCTIONS)}({args})"
    if kind < 0.87:
        return f"{sub(rng, depth + 1)}[{sub(rng, depth + 1)}]"
    if kind < 0.93:
        return f"({sub(rng, depth + 1)} if {sub(rng, depth + 1)} else {sub(rng, depth + 1)})"
    return f"(not {sub(rng, depth + 1)})"


def timed(fn, text: str, repeat: int) -> tuple[float, bool, str]:
    """Best time in ms, whether it was accepted, and the outcome."""
    best, accepted, outcome = float("inf"), False, ""
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            fn(text)
            accepted, outcome = True, "accepted"
        except EvaluationError as exc:
            accepted, outcome = False, f"{type(exc).__name__}: {exc}"[:70]
        best = min(best, (time.perf_counter() - started) * 1000)
    return best, accepted, outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int, default=20_000, help="random expressions to try")
    parser.add_argument("--repeat", type=int, default=5, help="runs per expression (best is kept)")
    parser.add_argument("--seed", type=int, default=25)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    candidates = EDGE + HOSTILE + [random_expression(rng) for _ in range(args.random)]
    runners = {
        "evaluate(no data)": lambda t: evaluate(t, {}),
        "evaluate(dossier)": lambda t: evaluate(t, DOSSIER),
        "check_syntax": check_syntax,
    }
    accepted: list[tuple[float, str, str]] = []
    refused: list[tuple[float, str, str]] = []
    for text in candidates:
        for label, fn in runners.items():
            # One quick run to sort; the repeats go to whatever could be near the top.
            first, ok, outcome = timed(fn, text, 1)
            if first > 0.2 or text in HOSTILE or text in EDGE:
                first, ok, outcome = timed(fn, text, args.repeat)
            (accepted if ok else refused).append((first, label, text if ok else f"{text}  -> {outcome}"))
    accepted.sort(reverse=True)
    refused.sort(reverse=True)

    def show(rows: list[tuple[float, str, str]]) -> None:
        for ms, label, text in rows[:10]:
            shown = text if len(text) <= 110 else text[:107] + "..."
            print(f"  {ms:8.3f} ms  {label:18}  {shown}")

    print(f"{len(candidates)} expressions x {len(runners)} ways (max {MAX_NODES} nodes each), best of "
          f"{args.repeat}, seed {args.seed}")
    print("slowest ACCEPTED:")
    show(accepted)
    print("slowest REFUSED:")
    show(refused)
    print("issue #25 hostile cases:")
    for text in HOSTILE[:3]:
        times = [f"{label} {timed(fn, text, args.repeat)[0]:.3f} ms" for label, fn in runners.items()]
        print(f"  {text[:50]:50}  " + ", ".join(times))
    worst = accepted[0][0] if accepted else 0.0
    worst_refused = refused[0][0] if refused else 0.0
    print(f"worst accepted {worst:.3f} ms, worst refused {worst_refused:.3f} ms, budget {BUDGET_MS:.0f} ms, "
          f"ratio {max(worst, worst_refused) / BUDGET_MS:.3f}")
    return 0 if max(worst, worst_refused) < BUDGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
