"""Safe evaluator for the expressions designers write in diagrams (gateway conditions, timer expressions,
multi-instance cardinalities).

Why our own: SpiffWorkflow's default script engine calls ``eval`` on diagram text, and a diagram is
uploaded by people outside the service's trust boundary. Here the text is parsed with
``ast.parse(mode="eval")`` and walked by a whitelisting interpreter: only literals, names read from the
dossier data, comparisons, boolean logic, bounded arithmetic, subscripts, dict-key attribute access and a
short list of pure helper functions are understood. Nothing is ever compiled or executed. Every failure,
whatever the input, is an :class:`EvaluationError`.

Camunda/JUEL conditions written ``${...}`` (``${!approved}``, ``${a == 'x' && b}``, ``${empty x}`` …) are
translated token by token into the same Python subset and evaluated by the same walker.
"""
from __future__ import annotations

import ast
import datetime as _dt
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_SOURCE_LENGTH",
    "EvaluationError",
    "ForbiddenExpression",
    "LimitExceeded",
    "UnknownName",
    "check_syntax",
    "evaluate",
    "is_juel",
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
#: Largest string or container (items) any step may produce.
MAX_SIZE = 10_000


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


def _str_method(name: str) -> Callable[[Any], Any]:
    def helper(value: Any) -> Any:
        if not isinstance(value, str):
            raise EvaluationError(f"{name}() needs a string")
        return getattr(value, name)()
    helper.__name__ = name
    return helper


_SAFE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len, "min": min, "max": max, "abs": abs, "round": _round,
    "int": int, "float": float, "str": str, "bool": bool,
    "sum": sum, "any": any, "all": all,
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


def _size(value: Any) -> int:
    if isinstance(value, (str, list, tuple, dict, set, frozenset)):
        return len(value)
    return 0


def _check_value(value: Any) -> Any:
    """Refuse any intermediate value that is too big to keep computing with."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > MAX_INT_BITS:
            raise LimitExceeded(f"integer larger than {MAX_INT_BITS} bits")
    elif isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise EvaluationError("result is not a finite number")
    elif _size(value) > MAX_SIZE:
        raise LimitExceeded(f"value longer than {MAX_SIZE} items")
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _seq_len_after(op: type, left: Any, right: Any) -> int | None:
    """Predicted length of ``left op right`` for sequence operands, to refuse before building them."""
    if op is ast.Mult:
        if isinstance(left, (str, list, tuple)) and isinstance(right, int):
            return len(left) * max(right, 0)
        if isinstance(right, (str, list, tuple)) and isinstance(left, int):
            return len(right) * max(left, 0)
    if op is ast.Add and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
        return len(left) + len(right)
    return None


def _binop(op: ast.operator, left: Any, right: Any) -> Any:
    kind = type(op)
    predicted = _seq_len_after(kind, left, right)
    if predicted is not None and predicted > MAX_SIZE:
        raise LimitExceeded(f"result longer than {MAX_SIZE} items")
    if kind is ast.Add:
        return left + right
    if kind is ast.Sub:
        return left - right
    if kind is ast.Mult:
        if (isinstance(left, int) and isinstance(right, int)
                and left.bit_length() + right.bit_length() > MAX_INT_BITS + 1):
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
        if (isinstance(left, int) and isinstance(right, int) and right > 0
                and max(left.bit_length(), 1) * right > MAX_INT_BITS + right):
            raise LimitExceeded(f"integer larger than {MAX_INT_BITS} bits")
        return left ** right
    raise ForbiddenExpression(f"operator {kind.__name__} is not allowed")


_ALLOWED_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)


# ---------------------------------------------------------------------------------------------- walker

_READS = (ast.Name, ast.Attribute, ast.Subscript)


class _Walker:
    """Interprets a whitelisted AST against the dossier data."""

    def __init__(self, data: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]]) -> None:
        self.data = data
        self.functions = functions

    def run(self, node: ast.AST, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise LimitExceeded(f"expression nested deeper than {MAX_DEPTH}")
        method = getattr(self, "do_" + type(node).__name__, None)
        if method is None:
            raise ForbiddenExpression(f"{type(node).__name__} is not allowed in an expression")
        value = method(node, depth + 1)
        if isinstance(node, _READS):
            # Values read from the dossier are as big as the dossier; only what we build is bounded.
            return value
        return _check_value(value)

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
        return _binop(node.op, self.run(node.left, d), self.run(node.right, d))

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

_JUEL_RE = re.compile(r"^\s*\$\{(?P<body>.*)\}\s*$", re.DOTALL)
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


def _juel_tokens(body: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(body):
        if body[pos:].strip() == "":
            break
        m = _JUEL_TOKEN.match(body, pos)
        if m is None:
            raise EvaluationError(f"unsupported JUEL syntax near {body[pos:pos + 10]!r}")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    return tokens


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
    tokens = _juel_tokens(m.group("body"))
    if not tokens:
        raise EvaluationError("empty ${} expression")
    out: list[str] = []
    i = 0
    while i < len(tokens):
        kind, tok = tokens[i]
        if kind == "ident" and tok == "empty":
            # ``empty x.y[0]`` -> ``is_empty(x.y[0])``: wrap the following primary.
            j = _juel_primary_end(tokens, i + 1)
            inner = translate_juel("${" + " ".join(t for _, t in tokens[i + 1:j]) + "}")
            out.append(f"is_empty({inner})")
            i = j
            continue
        if kind == "ident":
            if tok in _JUEL_WORDS:
                out.append(_JUEL_WORDS[tok])
            elif tok in _PY_KEYWORDS:
                raise EvaluationError(f"{tok!r} cannot be used as a name in a ${{}} expression")
            else:
                out.append(tok)
        elif kind == "str":
            out.append(_juel_string(tok))
        elif kind == "op":
            out.append(_JUEL_OPS.get(tok, tok))
        else:
            out.append(tok)
        i += 1
    return " ".join(out).replace(" . ", ".").replace(" (", "(").replace(" [", "[")


def _juel_primary_end(tokens: list[tuple[str, str]], start: int) -> int:
    """Index just past the primary expression (name with member/index access, or a group) at ``start``."""
    if start >= len(tokens):
        raise EvaluationError("'empty' needs an operand")
    kind, tok = tokens[start]
    if tok in ("not", "!", "empty"):
        return _juel_primary_end(tokens, start + 1)
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


# -------------------------------------------------------------------------------------------- public

def _parse(text: Any) -> ast.Expression:
    if not isinstance(text, str):
        raise EvaluationError("an expression must be text")
    if len(text) > MAX_SOURCE_LENGTH:
        raise LimitExceeded(f"expression longer than {MAX_SOURCE_LENGTH} characters")
    source = translate_juel(text) if is_juel(text) else text
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
    for count, _ in enumerate(ast.walk(tree), start=1):
        if count > MAX_NODES:
            raise LimitExceeded(f"expression has more than {MAX_NODES} parts")
    _check_shape(tree)
    return tree


_STRUCTURAL = (ast.Expression, ast.Constant, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.Name,
               ast.Attribute, ast.Subscript, ast.Slice, ast.BoolOp, ast.UnaryOp, ast.BinOp, ast.Compare,
               ast.IfExp, ast.Call, ast.Load, ast.And, ast.Or, ast.Not, ast.USub, ast.UAdd,
               ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot,
               *_ALLOWED_BINOPS)


def _check_shape(tree: ast.AST) -> None:
    """Static whitelist pass, so the validator can refuse a condition at upload without any data."""
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise LimitExceeded(f"expression nested deeper than {MAX_DEPTH}")
        if not isinstance(node, _STRUCTURAL):
            raise ForbiddenExpression(f"{type(node).__name__} is not allowed in an expression")
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise ForbiddenExpression(f"name {node.id!r} is not allowed")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise ForbiddenExpression(f"attribute {node.attr!r} is not allowed")
        if isinstance(node, ast.Constant) and not isinstance(node.value, _ALLOWED_CONSTANT_TYPES):
            raise ForbiddenExpression(f"constant of type {type(node.value).__name__} is not allowed")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _SAFE_FUNCTIONS and node.func.id != "today":
                raise ForbiddenExpression(f"calling {_dotted(node.func)!r} is not allowed")
            if node.keywords:
                raise ForbiddenExpression("keyword arguments are not allowed")
            stack.extend((a, depth + 1) for a in node.args)
            continue
        if isinstance(node, ast.Dict) and any(k is None for k in node.keys):
            raise ForbiddenExpression("'**' unpacking is not allowed")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def check_syntax(text: str) -> None:
    """Raise :class:`EvaluationError` if ``text`` is not an expression the evaluator accepts (no data needed).

    An expression made only of literals (``9**9**9``) is also evaluated, so its limits are checked too.
    """
    tree = _parse(text)
    if not any(isinstance(n, (ast.Name, ast.Call)) for n in ast.walk(tree)):
        _run_walker(tree, {}, dict(_SAFE_FUNCTIONS))


def evaluate(text: str, data: Mapping[str, Any] | None = None, *, now: _dt.datetime | None = None) -> Any:
    """Evaluate ``text`` against ``data`` (names are its keys). ``today()`` works only when ``now`` is given."""
    tree = _parse(text)
    functions: dict[str, Callable[..., Any]] = dict(_SAFE_FUNCTIONS)
    if now is not None:
        functions["today"] = lambda: now.date()
    return _run_walker(tree, data or {}, functions)


def _run_walker(tree: ast.Expression, data: Mapping[str, Any], functions: dict[str, Callable[..., Any]]) -> Any:
    try:
        return _Walker(data, functions).run(tree)
    except EvaluationError:
        raise
    except RecursionError:
        raise LimitExceeded("expression too deep") from None
    except Exception as exc:
        raise EvaluationError(f"{type(exc).__name__}: {exc}"[:300]) from None
