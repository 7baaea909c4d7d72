"""Safe evaluator for the expressions designers write in diagrams (gateway conditions, timer expressions,
multi-instance cardinalities).

Why our own: SpiffWorkflow's default script engine calls ``eval`` on diagram text, and a diagram is
uploaded by people outside the service's trust boundary. Here the text is parsed with
``ast.parse(mode="eval")`` and walked by a whitelisting interpreter: only literals, names read from the
dossier data, comparisons, boolean logic, bounded arithmetic, subscripts, dict-key attribute access and a
short list of pure helper functions are understood. Nothing is ever compiled or executed. Every failure,
whatever the input, is an :class:`EvaluationError`.

Cost is bounded by construction, not by a timeout (a timeout cannot interrupt a C loop holding the GIL):

* the text is at most :data:`MAX_SOURCE_LENGTH` characters, :data:`MAX_NODES` AST nodes and
  :data:`MAX_DEPTH` deep, and each node is evaluated at most once (there are no loops, comprehensions or
  lambdas), with a step counter as a backstop;
* every value the walker builds is *sized before it is built*: a value's size counts items through nesting
  (``[[0] * 100] * 100`` is 10,100, not 100; a string counts its characters), repetition and concatenation
  are predicted from their operands' sizes and refused above :data:`MAX_SIZE`, so
  ``[[[0]*2500]*2500]*2500`` stops at its second ``*`` without allocating anything;
* all the values one evaluation builds share a budget of :data:`MAX_BUILT` items, so a comparison, a
  hash or a helper call (each linear in the sizes of its operands) cannot be repeated into a slow one;
* integers stay under :data:`MAX_INT_BITS` bits (checked before ``*``, ``**``), helpers that could be
  quadratic are narrowed (``sum`` adds numbers only; ``int``/``str`` refuse giant digit strings/ints).

Values read from the dossier data are not counted (they are as big as the dossier); what is built from
them is. :func:`check_syntax`, used at upload, evaluates nothing that reads data: it parses, checks the
whitelist, and folds an expression made only of literals with a much smaller budget
(:data:`CHECK_BUDGET`). ``bench/evaluator_worst_case.py`` measures the slowest accepted expressions.

Camunda/JUEL conditions written ``${...}`` (``${!approved}``, ``${a == 'x' && b}``, ``${empty x}`` …) and
Camunda 8 FEEL conditions written ``= …`` (``= approved = true``, ``=amount > 100 and not(urgent)``) are
translated token by token into the same Python subset and evaluated by the same walker. A method call
(``${execution.getVariable("x")}``) is no helper: it is refused like any call outside the list.
"""
from __future__ import annotations

import ast
import datetime as _dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CHECK_BUDGET",
    "MAX_BUILT",
    "MAX_DEPTH",
    "MAX_INT_BITS",
    "MAX_NODES",
    "MAX_SIZE",
    "MAX_SOURCE_LENGTH",
    "MAX_STEPS",
    "EvaluationError",
    "ForbiddenExpression",
    "LimitExceeded",
    "Reads",
    "UnknownName",
    "check_syntax",
    "evaluate",
    "is_juel",
    "reads",
    "translate_juel",
]

#: Longest expression text accepted; conditions in real procedures are a few dozen characters.
MAX_SOURCE_LENGTH = 1_000
#: Most AST nodes in one expression.
MAX_NODES = 300
#: Deepest nesting of the AST (``not not not …``, ``((((…))))``).
MAX_DEPTH = 40
#: Largest integer (in bits) any step may produce; ``9**9**9`` stops long before it is computed.
MAX_INT_BITS = 256
#: Largest value any step may produce: items counted through nesting, a string counting its characters.
MAX_SIZE = 10_000
#: Items all the steps of one evaluation may build together.
MAX_BUILT = 100_000
#: Items :func:`check_syntax` may build while folding a literal-only expression at upload.
CHECK_BUDGET = 2_000
#: Most nodes one evaluation visits; each node is visited at most once, so this is a backstop.
MAX_STEPS = 2 * MAX_NODES
#: Longest text ``int()`` converts; conversion is quadratic in the number of digits.
MAX_INT_TEXT = 100


class EvaluationError(Exception):
    """An expression could not be understood or evaluated; the message says why, for the designer."""


class UnknownName(EvaluationError):
    """The expression reads a variable (or a dict key via ``a.b``) the dossier data does not have."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown name {name!r}")
        self.name = name


class ForbiddenExpression(EvaluationError):
    """The expression uses a construct outside the safe subset (calls, lambdas, dunders …)."""


class LimitExceeded(EvaluationError):
    """The expression or one of its values is larger than the evaluator allows."""


# --------------------------------------------------------------------------------------------- helpers

def _is_empty(value: Any) -> bool:
    """JUEL ``empty``: null, an empty string or an empty collection."""
    if value is None:
        return True
    if isinstance(value, (str, list, tuple, dict, set, frozenset)):
        return len(value) == 0
    return False


def _date(*args: Any) -> _dt.date:
    """``date(2024, 5, 1)`` or ``date('2024-05-01')``."""
    if len(args) == 1 and isinstance(args[0], str):
        return _dt.date.fromisoformat(args[0])
    if len(args) == 3 and all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        return _dt.date(*args)
    raise EvaluationError("date() takes (year, month, day) or an ISO date string")


def _round(value: Any, ndigits: Any = None) -> Any:
    """``round`` with a bounded precision (``round(1, -10**9)`` would otherwise build a huge power of ten)."""
    if ndigits is None:
        return round(value)
    if not isinstance(ndigits, int) or isinstance(ndigits, bool) or abs(ndigits) > 20:
        raise LimitExceeded("round() precision must be an integer between -20 and 20")
    return round(value, ndigits)


def _sum(values: Any, start: Any = 0) -> Any:
    """``sum`` of numbers only: summing lists or strings is quadratic (``sum([[0]*9999]*9999, [])``)."""
    if not _is_number(start, bools=True):
        raise EvaluationError("sum() adds numbers only")
    if not isinstance(values, (list, tuple, set, frozenset)):
        raise EvaluationError("sum() needs a list of numbers")
    if not set(map(type, values)) <= _NUMBER_TYPES:  # map/set run in C: ~20 ns an item, not ~150
        raise EvaluationError("sum() adds numbers only")
    return sum(values, start)


def _int(value: Any, *base: Any) -> int:
    """``int`` that refuses long digit strings (text to int is quadratic in its length)."""
    if isinstance(value, str) and len(value) > MAX_INT_TEXT:
        raise LimitExceeded(f"int() of a text longer than {MAX_INT_TEXT} characters")
    return int(value, *base)


def _str(value: Any) -> str:
    """``str`` that refuses integers too large to print cheaply (int to text is quadratic too)."""
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise LimitExceeded(f"integer larger than {MAX_INT_BITS} bits")
    return str(value)


def _str_method(name: str) -> Callable[[Any], Any]:
    def helper(value: Any) -> Any:
        if not isinstance(value, str):
            raise EvaluationError(f"{name}() needs a string")
        return getattr(value, name)()
    helper.__name__ = name
    return helper


_SAFE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len, "min": min, "max": max, "abs": abs, "round": _round,
    "int": _int, "float": float, "str": _str, "bool": bool,
    "sum": _sum, "any": any, "all": all,
    "lower": _str_method("lower"), "upper": _str_method("upper"), "strip": _str_method("strip"),
    "date": _date, "is_empty": _is_empty,
}

_ALLOWED_CONSTANT_TYPES = (bool, int, float, str, type(None))

_COMPARE = {
    ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
    ast.Is: lambda a, b: a is b, ast.IsNot: lambda a, b: a is not b,
}


_SEQUENCES = (str, list, tuple)
_CONTAINERS = (list, tuple, set, frozenset, dict)
_NESTED = (str, *_CONTAINERS)
_NESTED_TYPES = frozenset(_NESTED)
_NUMBER_TYPES = frozenset({int, float, bool})


def _check_scalar(value: Any) -> Any:
    """Refuse a number that is too big (or not finite) to keep computing with."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > MAX_INT_BITS:
            raise LimitExceeded(f"integer larger than {MAX_INT_BITS} bits")
    elif isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise EvaluationError("result is not a finite number")
    elif isinstance(value, complex):
        raise EvaluationError("result is not a real number")
    return value


def _is_number(value: Any, *, bools: bool = False) -> bool:
    return isinstance(value, (int, float)) and (bools or not isinstance(value, bool))


def _ints(left: Any, right: Any) -> bool:
    return isinstance(left, int) and isinstance(right, int)


def _numeric_binop(kind: type, left: Any, right: Any) -> Any:
    if kind is ast.Add:
        return left + right
    if kind is ast.Sub:
        return left - right
    if kind is ast.Mult:
        if _ints(left, right) and left.bit_length() + right.bit_length() > MAX_INT_BITS + 1:
            raise LimitExceeded(f"integer larger than {MAX_INT_BITS} bits")
        return left * right
    if kind is ast.Div:
        return left / right
    if kind is ast.FloorDiv:
        return left // right
    if kind is ast.Mod:
        if not (_is_number(left) and _is_number(right)):
            # '%' on a string is printf formatting, which can build huge strings ('%*d').
            raise ForbiddenExpression("'%' is only allowed between numbers")
        return left % right
    if kind is ast.Pow:
        if not (_is_number(left) and _is_number(right)):
            raise EvaluationError("'**' is only allowed between numbers")
        if abs(right) > 1_000:
            raise LimitExceeded("exponent too large")
        if _ints(left, right) and right > 0 and max(left.bit_length(), 1) * right > MAX_INT_BITS + right:
            raise LimitExceeded(f"integer larger than {MAX_INT_BITS} bits")
        return left ** right
    raise ForbiddenExpression(f"operator {kind.__name__} is not allowed")


_ALLOWED_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)


# ---------------------------------------------------------------------------------------------- walker

_READS = (ast.Name, ast.Attribute, ast.Subscript)


class _Walker:
    """Interprets a whitelisted AST against the dossier data, sizing every value before and after it is built."""

    def __init__(self, data: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]],
                 budget: int = MAX_BUILT) -> None:
        self.data = data
        self.functions = functions
        self.budget = budget
        self.steps = 0
        # Sizes of the containers already measured, by id; ``_kept`` holds them so no id is reused.
        self._sizes: dict[int, int] = {}
        self._kept: list[Any] = []

    def run(self, node: ast.AST, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise LimitExceeded(f"expression nested deeper than {MAX_DEPTH}")
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise LimitExceeded(f"expression takes more than {MAX_STEPS} steps")
        method = getattr(self, "do_" + type(node).__name__, None)
        if method is None:
            raise ForbiddenExpression(f"{type(node).__name__} is not allowed in an expression")
        value = method(node, depth + 1)
        if isinstance(node, _READS):
            # Values read from the dossier are as big as the dossier; only what we build is bounded.
            return value
        return self.built(value)

    def built(self, value: Any) -> Any:
        """Charge a value the walker made against the evaluation's budget; refuse it if it is too big."""
        _check_scalar(value)
        self.budget -= max(self.size(value), 1)
        if self.budget < 0:
            raise LimitExceeded("expression builds too many values in all")
        return value

    def size(self, value: Any) -> int:
        """Items in ``value`` counted through nesting (a string counts its characters), at most MAX_SIZE.

        The walk stops as soon as the count passes MAX_SIZE, so it costs at most MAX_SIZE steps whatever
        the value; containers measured before are not walked again.
        """
        if isinstance(value, str):
            if len(value) > MAX_SIZE:
                raise LimitExceeded(f"value larger than {MAX_SIZE} items")
            return len(value)
        if not isinstance(value, _CONTAINERS):
            return 0
        known = self._sizes.get(id(value))
        if known is not None:
            return known
        total = 0
        stack: list[Any] = [value]
        while stack:
            item = stack.pop()
            measured = self._sizes.get(id(item))
            if measured is not None:
                total += measured
            elif isinstance(item, str):
                total += len(item)
            else:
                is_dict = isinstance(item, dict)
                total += 2 * len(item) if is_dict else len(item)  # a dict entry is a key and a value
                if total > MAX_SIZE:
                    break
                items = [*item.keys(), *item.values()] if is_dict else item
                if not _NESTED_TYPES.isdisjoint(set(map(type, items))):  # a flat container costs C speed
                    stack.extend([i for i in items if isinstance(i, _NESTED)])
            if total > MAX_SIZE:
                break
        if total > MAX_SIZE:
            raise LimitExceeded(f"value larger than {MAX_SIZE} items")
        return self.remember(value, total)

    def remember(self, value: Any, size: int) -> int:
        if isinstance(value, _CONTAINERS):
            self._sizes[id(value)] = size
            self._kept.append(value)
        return size

    def refuse(self, predicted: int) -> None:
        """Raise before building a value of ``predicted`` items if it is too big or the budget is spent."""
        if predicted > MAX_SIZE:
            raise LimitExceeded(f"result larger than {MAX_SIZE} items")
        if predicted > self.budget:
            raise LimitExceeded("expression builds too many values in all")

    def binop(self, op: ast.operator, left: Any, right: Any) -> Any:
        kind = type(op)
        if kind is ast.Mult and (isinstance(left, _SEQUENCES) or isinstance(right, _SEQUENCES)):
            seq, count = (left, right) if isinstance(left, _SEQUENCES) else (right, left)
            if not isinstance(count, int) or count <= 0 or not seq:
                return left * right  # a type error, an empty result, or a repeated empty sequence
            predicted = self.size(seq) * min(count, MAX_SIZE + 1)
            self.refuse(predicted)
            result = left * right
            self.remember(result, predicted)
            return result
        if kind is ast.Add and isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
            if type(left) is not type(right):
                raise EvaluationError(f"cannot add {type(left).__name__} and {type(right).__name__}")
            predicted = self.size(left) + self.size(right)
            self.refuse(predicted)
            result = left + right
            self.remember(result, predicted)
            return result
        return _numeric_binop(kind, left, right)

    # literals
    def do_Expression(self, node: ast.Expression, d: int) -> Any:
        return self.run(node.body, d)

    def do_Constant(self, node: ast.Constant, d: int) -> Any:
        if not isinstance(node.value, _ALLOWED_CONSTANT_TYPES):
            raise ForbiddenExpression(f"constant of type {type(node.value).__name__} is not allowed")
        return node.value

    def do_List(self, node: ast.List, d: int) -> Any:
        return [self.run(e, d) for e in node.elts]

    def do_Tuple(self, node: ast.Tuple, d: int) -> Any:
        return tuple(self.run(e, d) for e in node.elts)

    def do_Set(self, node: ast.Set, d: int) -> Any:
        return {self.run(e, d) for e in node.elts}

    def do_Dict(self, node: ast.Dict, d: int) -> Any:
        if any(k is None for k in node.keys):
            raise ForbiddenExpression("'**' unpacking is not allowed")
        return {self.run(k, d): self.run(v, d) for k, v in zip(node.keys, node.values, strict=False)}

    # names and access
    def do_Name(self, node: ast.Name, d: int) -> Any:
        name = node.id
        if name.startswith("_"):
            raise ForbiddenExpression(f"name {name!r} is not allowed")
        if name not in self.data:
            raise UnknownName(name)
        return self.data[name]

    def do_Attribute(self, node: ast.Attribute, d: int) -> Any:
        # ``form.approved`` reads the key of a dict; there is no real attribute access.
        if node.attr.startswith("_"):
            raise ForbiddenExpression(f"attribute {node.attr!r} is not allowed")
        owner = self.run(node.value, d)
        if not isinstance(owner, dict):
            raise EvaluationError(f"'.{node.attr}' can only read a key of a dictionary")
        if node.attr not in owner:
            raise UnknownName(f"{_dotted(node.value)}.{node.attr}")
        return owner[node.attr]

    def do_Subscript(self, node: ast.Subscript, d: int) -> Any:
        owner = self.run(node.value, d)
        if not isinstance(owner, (dict, list, tuple, str)):
            raise EvaluationError("only dictionaries, lists and strings can be indexed")
        if isinstance(node.slice, ast.Slice):
            if isinstance(owner, dict):
                raise EvaluationError("a dictionary cannot be sliced")
            parts = [None if p is None else self.run(p, d)
                     for p in (node.slice.lower, node.slice.upper, node.slice.step)]
            if not all(p is None or (isinstance(p, int) and not isinstance(p, bool)) for p in parts):
                raise EvaluationError("slice bounds must be integers")
            return owner[slice(*parts)]
        key = self.run(node.slice, d)
        try:
            return owner[key]
        except KeyError:
            raise EvaluationError(f"key {key!r} not found") from None
        except IndexError:
            raise EvaluationError(f"index {key!r} out of range") from None

    # operators
    def do_BoolOp(self, node: ast.BoolOp, d: int) -> Any:
        is_and = isinstance(node.op, ast.And)
        value: Any = None
        for operand in node.values:
            value = self.run(operand, d)
            if is_and and not value:
                return value
            if not is_and and value:
                return value
        return value

    def do_UnaryOp(self, node: ast.UnaryOp, d: int) -> Any:
        value = self.run(node.operand, d)
        if isinstance(node.op, ast.Not):
            return not value
        if not _is_number(value):
            raise EvaluationError("unary '+'/'-' needs a number")
        if isinstance(node.op, ast.USub):
            return -value
        if isinstance(node.op, ast.UAdd):
            return +value
        raise ForbiddenExpression(f"operator {type(node.op).__name__} is not allowed")

    def do_BinOp(self, node: ast.BinOp, d: int) -> Any:
        if not isinstance(node.op, _ALLOWED_BINOPS):
            raise ForbiddenExpression(f"operator {type(node.op).__name__} is not allowed")
        return self.binop(node.op, self.run(node.left, d), self.run(node.right, d))

    def do_Compare(self, node: ast.Compare, d: int) -> Any:
        left = self.run(node.left, d)
        for op, comparator in zip(node.ops, node.comparators, strict=False):
            right = self.run(comparator, d)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True

    def do_IfExp(self, node: ast.IfExp, d: int) -> Any:
        return self.run(node.body, d) if self.run(node.test, d) else self.run(node.orelse, d)

    def do_Call(self, node: ast.Call, d: int) -> Any:
        if not isinstance(node.func, ast.Name) or node.func.id not in self.functions:
            raise ForbiddenExpression(f"calling {_dotted(node.func)!r} is not allowed")
        if node.keywords:
            raise ForbiddenExpression("keyword arguments are not allowed")
        args = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise ForbiddenExpression("'*' unpacking is not allowed")
            args.append(self.run(arg, d))
        return self.functions[node.func.id](*args)


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return type(node).__name__


# ------------------------------------------------------------------------------------------------ JUEL

#: ``${…}`` and JUEL's deferred ``#{…}``, which Camunda evaluates alike.
_JUEL_RE = re.compile(r"^\s*[$#]\{(?P<body>.*)\}\s*$", re.DOTALL)
_JUEL_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>&&|\|\||==|!=|<=|>=|[!<>+\-*/%().\[\],])
    )""",
    re.VERBOSE,
)
_JUEL_WORDS = {
    "and": "and", "or": "or", "not": "not",
    "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=",
    "div": "/", "mod": "%",
    "null": "None", "true": "True", "false": "False",
}
_JUEL_OPS = {"&&": "and", "||": "or", "!": "not"}
_PY_KEYWORDS = {"None", "True", "False", "if", "else", "lambda", "for", "in", "is", "yield", "await",
                "import", "from", "as", "def", "class", "return", "while", "with", "del", "global",
                "nonlocal", "pass", "raise", "try", "except", "finally", "assert", "break", "continue",
                "async", "elif"}


def is_juel(text: str) -> bool:
    """True when the whole text is one ``${…}`` expression."""
    return isinstance(text, str) and _JUEL_RE.match(text) is not None


def _tokens(body: str, pattern: re.Pattern[str] = _JUEL_TOKEN, dialect: str = "JUEL") -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(body):
        if body[pos:].strip() == "":
            break
        m = pattern.match(body, pos)
        if m is None:
            raise EvaluationError(f"unsupported {dialect} syntax near {body[pos:pos + 10]!r}")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    return tokens


def _plain(kind: str, tok: str, words: Mapping[str, str], ops: Mapping[str, str], dialect: str) -> str:
    """One token of JUEL or FEEL as the evaluator's Python subset."""
    if kind == "ident":
        if tok in words:
            return words[tok]
        if tok in _PY_KEYWORDS:
            raise EvaluationError(f"{tok!r} cannot be used as a name in a {dialect} expression")
        return tok
    if kind == "str":
        return _juel_string(tok)
    return ops.get(tok, tok) if kind == "op" else tok


def _joined(out: list[str]) -> str:
    return " ".join(out).replace(" . ", ".").replace(" (", "(").replace(" [", "[")


def _juel_string(raw: str) -> str:
    quote, inner = raw[0], raw[1:-1]
    out, i = [], 0
    while i < len(inner):
        ch = inner[i]
        if ch == "\\" and i + 1 < len(inner):
            nxt = inner[i + 1]
            if nxt in ("\\", "'", '"'):
                out.append(nxt)
                i += 2
                continue
            raise EvaluationError(f"unsupported escape in JUEL string {raw!r}")
        out.append(ch)
        i += 1
    del quote
    return repr("".join(out))


def translate_juel(text: str) -> str:
    """Translate a Camunda ``${…}`` expression into the evaluator's Python subset."""
    m = _JUEL_RE.match(text)
    if m is None:
        raise EvaluationError("not a ${...} expression")
    return _juel_translate(_tokens(m.group("body")), 0)


def _juel_translate(tokens: list[tuple[str, str]], depth: int) -> str:
    # ``empty`` recurses on the tokens it wraps (never re-reading text), and no deeper than the walker
    # would accept anyway, so translation stays linear-ish in the text whatever its shape.
    if depth > MAX_DEPTH:
        raise LimitExceeded(f"expression nested deeper than {MAX_DEPTH}")
    if not tokens:
        raise EvaluationError("empty ${} expression")
    out: list[str] = []
    i = 0
    while i < len(tokens):
        kind, tok = tokens[i]
        if kind == "ident" and tok == "empty":
            # ``empty x.y[0]`` -> ``is_empty(x.y[0])``: wrap the following primary.
            j = _juel_primary_end(tokens, i + 1)
            out.append(f"is_empty({_juel_translate(tokens[i + 1:j], depth + 1)})")
            i = j
            continue
        out.append(_plain(kind, tok, _JUEL_WORDS, _JUEL_OPS, "${}"))
        i += 1
    return _joined(out)


def _juel_primary_end(tokens: list[tuple[str, str]], start: int) -> int:
    """Index just past the primary expression (name with member/index access, or a group) at ``start``."""
    while start < len(tokens) and tokens[start][1] in ("not", "!", "empty"):
        start += 1
    if start >= len(tokens):
        raise EvaluationError("'empty' needs an operand")
    kind, tok = tokens[start]
    if tok == "(":
        j = _juel_matching(tokens, start, "(", ")")
    elif kind in ("ident", "str", "num"):
        j = start + 1
    else:
        raise EvaluationError(f"'empty' cannot apply to {tok!r}")
    while j < len(tokens):
        if tokens[j][1] == "." and j + 1 < len(tokens) and tokens[j + 1][0] == "ident":
            j += 2
        elif tokens[j][1] == "[":
            j = _juel_matching(tokens, j, "[", "]")
        else:
            break
    return j


def _juel_matching(tokens: list[tuple[str, str]], start: int, opening: str, closing: str) -> int:
    depth = 0
    for j in range(start, len(tokens)):
        if tokens[j][1] == opening:
            depth += 1
        elif tokens[j][1] == closing:
            depth -= 1
            if depth == 0:
                return j + 1
    raise EvaluationError(f"unbalanced {opening!r} in ${{}} expression")


# ------------------------------------------------------------------------------------------------ FEEL

#: Camunda 8 writes conditions as FEEL expressions: the text starts with ``=`` (``= approved = true``).
_FEEL_RE = re.compile(r"^\s*=(?!=)(?P<body>.*)$", re.DOTALL)
_FEEL_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>"(?:[^"\\]|\\.)*")
      | (?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>!=|<=|>=|=|[<>+\-*/%().\[\],])
    )""",
    re.VERBOSE,
)
_FEEL_WORDS = {"and": "and", "or": "or", "not": "not", "null": "None", "true": "True", "false": "False"}
_FEEL_OPS = {"=": "=="}


def is_feel(text: str) -> bool:
    """True when the text is a Camunda 8 FEEL expression (``=`` first, as Zeebe's modeler writes it)."""
    return isinstance(text, str) and _FEEL_RE.match(text) is not None


def translate_feel(text: str) -> str:
    """Translate the FEEL subset conditions use (comparisons with ``=``, ``and``/``or``/``not(…)``, literals,
    names and paths, arithmetic) into the evaluator's Python subset; anything else is an EvaluationError."""
    m = _FEEL_RE.match(text)
    if m is None:
        raise EvaluationError("not a FEEL expression (= …)")
    out = [_plain(kind, tok, _FEEL_WORDS, _FEEL_OPS, "FEEL") for kind, tok in _tokens(m.group("body"), _FEEL_TOKEN, "FEEL")]
    if not out:
        raise EvaluationError("empty FEEL expression")
    return _joined(out)


# -------------------------------------------------------------------------------------------- public

def _parse(text: Any) -> tuple[ast.Expression, bool]:
    """The checked tree of ``text``, and whether it reads dossier data (see :func:`_check_shape`)."""
    if not isinstance(text, str):
        raise EvaluationError("an expression must be text")
    if len(text) > MAX_SOURCE_LENGTH:
        raise LimitExceeded(f"expression longer than {MAX_SOURCE_LENGTH} characters")
    source = translate_juel(text) if is_juel(text) else translate_feel(text) if is_feel(text) else text
    if len(source) > 2 * MAX_SOURCE_LENGTH:
        raise LimitExceeded(f"expression longer than {MAX_SOURCE_LENGTH} characters")
    source = source.strip()
    if not source:
        raise EvaluationError("empty expression")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise EvaluationError(f"syntax error: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError, OverflowError):
        raise LimitExceeded("expression too complex to read") from None
    return tree, _check_shape(tree)


_STRUCTURAL = (ast.Expression, ast.Constant, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.Name,
               ast.Attribute, ast.Subscript, ast.Slice, ast.BoolOp, ast.UnaryOp, ast.BinOp, ast.Compare,
               ast.IfExp, ast.Call, ast.Load, ast.And, ast.Or, ast.Not, ast.USub, ast.UAdd,
               ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot,
               *_ALLOWED_BINOPS)


def _check_shape(tree: ast.AST) -> bool:
    """Static whitelist pass, so the validator can refuse a condition at upload without any data.

    One traversal counts the nodes (MAX_NODES), measures the depth and checks every node; it returns
    whether the expression reads dossier data (a name other than a helper's, or ``today()``).
    """
    reads_data = False
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise LimitExceeded(f"expression has more than {MAX_NODES} parts")
        if depth > MAX_DEPTH:
            raise LimitExceeded(f"expression nested deeper than {MAX_DEPTH}")
        if not isinstance(node, _STRUCTURAL):
            raise ForbiddenExpression(f"{type(node).__name__} is not allowed in an expression")
        if isinstance(node, ast.Name):
            if node.id.startswith("_"):
                raise ForbiddenExpression(f"name {node.id!r} is not allowed")
            reads_data = True
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise ForbiddenExpression(f"attribute {node.attr!r} is not allowed")
        if isinstance(node, ast.Constant) and not isinstance(node.value, _ALLOWED_CONSTANT_TYPES):
            raise ForbiddenExpression(f"constant of type {type(node.value).__name__} is not allowed")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _SAFE_FUNCTIONS and node.func.id != "today":
                raise ForbiddenExpression(f"calling {_dotted(node.func)!r} is not allowed")
            if node.keywords:
                raise ForbiddenExpression("keyword arguments are not allowed")
            count += 2  # the helper's name and its context, not walked: a helper is not data
            reads_data = reads_data or node.func.id == "today"
            stack.extend((a, depth + 1) for a in node.args)
            continue
        if isinstance(node, ast.Dict) and any(k is None for k in node.keys):
            raise ForbiddenExpression("'**' unpacking is not allowed")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return reads_data


def check_syntax(text: str) -> None:
    """Raise :class:`EvaluationError` if ``text`` is not an expression the evaluator accepts (no data needed).

    Used at upload, so it evaluates nothing that reads dossier data: it parses and checks the whitelist.
    An expression made only of literals (``9**9**9``, ``[[0]*9999]*9999``) is also folded, with the
    small :data:`CHECK_BUDGET`, so its limits are checked at the door rather than in a dossier.
    """
    tree, reads_data = _parse(text)
    if not reads_data:
        _run_walker(tree, {}, dict(_SAFE_FUNCTIONS), budget=CHECK_BUDGET)


def evaluate(text: str, data: Mapping[str, Any] | None = None, *, now: _dt.datetime | None = None) -> Any:
    """Evaluate ``text`` against ``data`` (names are its keys). ``today()`` works only when ``now`` is given."""
    tree, _ = _parse(text)
    functions: dict[str, Callable[..., Any]] = dict(_SAFE_FUNCTIONS)
    if now is not None:
        functions["today"] = lambda: now.date()
    return _run_walker(tree, data or {}, functions)


def _run_walker(tree: ast.Expression, data: Mapping[str, Any], functions: dict[str, Callable[..., Any]],
                *, budget: int = MAX_BUILT) -> Any:
    try:
        return _Walker(data, functions, budget).run(tree)
    except EvaluationError:
        raise
    except RecursionError:
        raise LimitExceeded("expression too deep") from None
    except Exception as exc:
        raise EvaluationError(f"{type(exc).__name__}: {exc}"[:300]) from None


# ------------------------------------------------------------------------------------ static reading

_LITERAL_KINDS = ((bool, "boolean"), (int, "number"), (float, "number"), (str, "string"), (type(None), "null"))
_TYPED_COMPARISONS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot)


@dataclass(frozen=True)
class Reads:
    """What an expression reads, found without evaluating it (for the upload's data-flow check).

    ``names``: the dossier names it reads (``form.approved`` reads ``form``); ``compared``: each
    ``name <op> literal`` comparison as (name, literal kind, literal value), kinds as JSON Schema types
    (``boolean``, ``number``, ``string``, ``null``), so ``approved == false`` against a text field can be
    flagged before any dossier runs it.
    """

    names: frozenset[str]
    compared: tuple[tuple[str, str, Any], ...]


def _literal_kind(value: Any) -> str:
    return next(kind for cls, kind in _LITERAL_KINDS if type(value) is cls)


def reads(text: str) -> Reads:
    """The names ``text`` reads and the literals it compares them with; :class:`EvaluationError` as
    :func:`check_syntax` would raise it."""
    tree, _ = _parse(text)
    names: set[str] = set()
    compared: list[tuple[str, str, Any]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            continue  # the helper's own name is not data; its arguments are walked as nodes of their own
        if isinstance(node, ast.Name) and node.id not in _SAFE_FUNCTIONS and node.id != "today":
            names.add(node.id)
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for op, left, right in zip(node.ops, operands, operands[1:], strict=False):
                if not isinstance(op, _TYPED_COMPARISONS):
                    continue
                for name, literal in ((left, right), (right, left)):
                    if isinstance(name, ast.Name) and isinstance(literal, ast.Constant):
                        compared.append((name.id, _literal_kind(literal.value), literal.value))
    return Reads(frozenset(names), tuple(compared))
