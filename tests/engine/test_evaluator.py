"""The safe evaluator: what it understands, and that hostile text only ever raises EvaluationError."""
from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.evaluator import (
    MAX_SOURCE_LENGTH,
    EvaluationError,
    ForbiddenExpression,
    LimitExceeded,
    UnknownName,
    check_syntax,
    evaluate,
    translate_juel,
)

DATA = {
    "approved": True, "rejected": False, "amount": 150, "rate": 0.5, "name": "Hồ sơ",
    "items": [1, 2, 3], "form": {"approved": True, "unit": {"code": "MC01"}}, "nothing": None, "empty_list": [],
}


@pytest.mark.parametrize("text, expected", [
    ("approved == True", True),
    ("amount > 100", True),
    ("1 < amount <= 150 < 200", True),
    ("approved and not rejected", True),
    ("rejected or amount", 150),
    ("amount * 2 + 1 - 3 / 3", 300.0),
    ("amount // 7, amount % 7, 2 ** 10, -amount, +rate", (21, 3, 1024, -150, 0.5)),
    ("'Hồ' in name and 4 not in items", True),
    ("'yes' if approved else 'no'", "yes"),
    ("items[0] + items[-1]", 4),
    ("items[1:]", [2, 3]),
    ("form['unit']['code']", "MC01"),
    ("form.unit.code == 'MC01'", True),
    ("form.approved", True),
    ("{'a': 1, 'b': [1, 2]}['b']", [1, 2]),
    ("{1, 2} == {2, 1}", True),
    ("nothing is None", True),
    ("len(items) + max(items) + min(1, 2) + abs(-1) + sum(items)", 14),
    ("round(2.567, 2), int('7'), float('1.5'), str(5), bool(0)", (2.57, 7, 1.5, "5", False)),
    ("any([False, approved]) and all(items)", True),
    ("lower('ABC') + upper('d') + strip(' e ')", "abcDe"),
    ("date(2025, 1, 6) == date('2025-01-06')", True),
])
def test_python_subset(text, expected):
    assert evaluate(text, DATA) == expected
    check_syntax(text)


@pytest.mark.parametrize("text, expected", [
    ("${approved}", True),
    ("${!approved}", False),
    ("${amount > 100}", True),
    ("${name == 'Hồ sơ' && approved}", True),
    ("${rejected || approved}", True),
    ("${empty empty_list}", True),
    ("${not empty items}", True),
    ("${empty nothing}", True),
    ("${empty form.unit.code}", False),
    ("${amount gt 100 and amount le 150 and not rejected}", True),
    ("${amount eq 150 && amount ne 1 && amount lt 200 && amount ge 150}", True),
    ("${nothing == null}", True),
    ("${approved == true && rejected == false}", True),
    ("${amount div 2 + amount mod 7}", 78.0),
    ("${form.unit['code']}", "MC01"),
    ("${'it\\'s'}", "it's"),
    ("  ${ approved }  ", True),
])
def test_juel_forms(text, expected):
    assert evaluate(text, DATA) == expected


def test_juel_translation_is_the_python_subset():
    assert translate_juel("${a == 'x' && !b}") == "a == 'x' and not b"


@pytest.mark.parametrize("text", [
    "${a ? b : c}", "${x.y()}", "prefix ${a}", "${#{a}}", "${a instanceof b}", "${lambda}", "${`id`}",
])
def test_juel_unsupported(text):
    with pytest.raises(EvaluationError):
        evaluate(text, {"a": 1, "b": 2, "c": 3, "x": {"y": 1}})


def test_unknown_name_is_clear():
    with pytest.raises(UnknownName) as err:
        evaluate("score > 5", DATA)
    assert err.value.name == "score"
    with pytest.raises(UnknownName, match="form.missing"):
        evaluate("form.missing", DATA)
    with pytest.raises(UnknownName):
        evaluate("${!decision}", {})


def test_today_only_with_now():
    now = dt.datetime(2025, 1, 6, 9, tzinfo=dt.UTC)
    assert evaluate("today() > date(2025, 1, 1)", {}, now=now) is True
    with pytest.raises(ForbiddenExpression):
        evaluate("today()", {})


HOSTILE = [
    "().__class__.__bases__[0].__subclasses__()",
    "[].__class__.__mro__[1].__subclasses__()",
    "__import__('os').system('id')",
    "__builtins__",
    "getattr(items, '__class__')",
    "eval('1')", "exec('x=1')", "compile('1', 'f', 'eval')", "open('/etc/passwd')",
    "globals()", "locals()", "vars()", "type(1)", "dir()", "breakpoint()",
    "items.append(4)", "name.upper()", "form.__class__", "form._private", "_x",
    "lambda: 1", "(lambda x: x)(1)",
    "[x for x in items]", "{x for x in items}", "{x: 1 for x in items}", "(x for x in items)",
    "f'{amount}'", "f'{amount!r:>{10}}'",
    "(y := 1)", "[*items]", "{**form}", "len(*items)", "max(items, key=len)",
    "b'bytes'", "1j", "...",
    "9**9**9", "10**10**10", "2**100000", "'a'*10**9", "[0]*10**9", "(('a'*9999)+'b')*2",
    "'%*d' % (10**9, 1)", "'%s' % amount",
    "round(1, -10**9)", "int('9'*5000)", "1 << 10**9", "~amount", "amount | 1", "amount & 1", "amount ^ 1",
    "1/0", "items[99]", "form['nope']", "amount[0]", "amount.real", "'a' < 1", "-'a'",
    "if", "import os", "x = 1", "del x", "amount;amount", "\x00", "${}", "",
    "(" * 10_000 + ")" * 10_000,
    "not " * 5_000 + "approved",
    "not " * 200 + "approved",
    "[" * 100 + "]" * 100,
    "-" * 500 + "1",
    "a" * (MAX_SOURCE_LENGTH + 1),
    "+".join(["1"] * 400),
    "x" * 999 if False else "'" + "x" * 990 + "'",  # a long but valid literal is fine
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_inputs_only_raise_evaluation_error(text):
    try:
        evaluate(text, DATA)
    except EvaluationError:
        pass
    else:
        assert text.startswith("'x"), f"{text[:60]!r} was accepted"


@pytest.mark.parametrize("text", [
    "9**9**9", "'a'*10**9", "[0]*10**9", "(" * 10_000 + "1" + ")" * 10_000, "not " * 5_000 + "a",
    "a" * (MAX_SOURCE_LENGTH + 1), "not " * 200 + "a",
])
def test_limits_fail_fast(text):
    with pytest.raises(EvaluationError):
        evaluate(text, {"a": 1})
    with pytest.raises(EvaluationError):
        check_syntax(text)


def test_dunder_walk_is_refused_before_any_data():
    with pytest.raises(ForbiddenExpression):
        check_syntax("().__class__.__bases__[0].__subclasses__()")
    with pytest.raises(LimitExceeded):
        evaluate("2 ** 2000", {})


def test_huge_values_from_data_do_not_escape_bounds():
    with pytest.raises(LimitExceeded):
        evaluate("s + s", {"s": "x" * 9_000})
    with pytest.raises(LimitExceeded):
        evaluate("n * n", {"n": 2 ** 200})


def test_evaluator_has_no_eval_exec_compile():
    import inspect

    import app.engine.evaluator as module
    source = inspect.getsource(module)
    for forbidden in ("eval(", "exec(", "compile("):
        assert f" {forbidden}" not in source and f"={forbidden}" not in source


# ------------------------------------------------------------------------------------------ properties

FRAGMENTS = [
    "(", ")", "[", "]", "{", "}", ".", ",", ":", "'", '"', "__class__", "__bases__", "__subclasses__",
    "__import__", "__globals__", "__builtins__", "getattr", "lambda", "for", "in", "if", "else", "not",
    "and", "or", "**", "*", "+", "-", "/", "//", "%", "<<", "9", "10", "0", "approved", "items", "form",
    "len", "max", "open", "os", "system", "${", "}", "&&", "||", "!", "empty", "eq", "null", ":=",
    "f'", "{x}", "yield", "await", "import", " ", "\\", "#", "@", "\n",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join))
def test_fragment_soup_only_raises_evaluation_error(text):
    with contextlib.suppress(EvaluationError):
        evaluate(text, DATA)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_random_text_only_raises_evaluation_error(text):
    with contextlib.suppress(EvaluationError):
        evaluate(text, DATA)
    with contextlib.suppress(EvaluationError):
        check_syntax(text)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-10**6, max_value=10**6), st.integers(min_value=-10**6, max_value=10**6),
       st.sampled_from(["+", "-", "*", "<", "<=", "==", "!=", ">", ">="]))
def test_integer_arithmetic_matches_python(a, b, op):
    expected = {"+": a + b, "-": a - b, "*": a * b, "<": a < b, "<=": a <= b, "==": a == b, "!=": a != b,
                ">": a > b, ">=": a >= b}[op]
    assert evaluate(f"a {op} b", {"a": a, "b": b}) == expected


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=10_000), st.sampled_from(["not ", "-", "+", "(", "["]))
def test_deep_nesting_is_bounded(depth, prefix):
    closing = {"(": ")", "[": "]"}.get(prefix, "")
    with contextlib.suppress(EvaluationError):
        evaluate(prefix * depth + "1" + closing * depth, {})


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=10**12))
def test_power_and_repetition_are_bounded(base, exponent):
    for text in (f"{base} ** {exponent}", f"'ab' * {exponent}", f"[1] * {exponent}"):
        with contextlib.suppress(EvaluationError):
            evaluate(text, {})


def test_large_values_in_the_data_can_still_be_read():
    data = {"note": "x" * 50_000, "rows": list(range(20_000))}
    assert evaluate("len(note) > 0 and len(rows) == 20000 and rows[-1] == 19999", data) is True
    with pytest.raises(LimitExceeded):
        evaluate("note + 'y'", data)
