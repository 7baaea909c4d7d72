"""Camunda's typed variables (``{"name": {"value": …, "type": "String"}}``) to plain JSON values and back.

Pure functions. Only the types a JSON document can carry are accepted (String, Boolean, Integer, Short, Long,
Double, Null, Json, Date as ISO text); ``Object`` (a serialised Java object) and ``File`` are refused: nothing here
deserialises a foreign type.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

NUMBERS = ("Integer", "Short", "Long")
ACCEPTED = ("String", "Boolean", *NUMBERS, "Double", "Null", "Json", "Date")


class VariableError(ValueError):
    """A variable this service cannot take, named: ``problems`` maps the variable to why."""

    def __init__(self, problems: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {v[0]}" for k, v in problems.items()))
        self.problems = problems


def _plain(name: str, typed: Any) -> Any:
    if not isinstance(typed, Mapping):
        raise VariableError({name: ["cần dạng {\"value\": …, \"type\": …}"]})
    kind = typed.get("type") or _guess(typed.get("value"))
    value = typed.get("value")
    if kind not in ACCEPTED:
        raise VariableError({name: [f"kiểu {kind!r} không được nhận (nhận: {', '.join(ACCEPTED)})"]})
    if kind == "Null" or value is None:
        return None
    if kind == "Json":
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise VariableError({name: ["giá trị Json không đọc được"]}) from None
    checks = {"String": str, "Date": str, "Boolean": bool, "Double": (int, float)}
    if kind in NUMBERS:
        if isinstance(value, bool) or not isinstance(value, int):
            raise VariableError({name: [f"giá trị không phải số nguyên ({kind})"]})
        return value
    if not isinstance(value, checks[kind]) or (kind == "Double" and isinstance(value, bool)):
        raise VariableError({name: [f"giá trị không đúng kiểu {kind}"]})
    return value


def _guess(value: Any) -> str:
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Long" if abs(value) > 2**31 - 1 else "Integer"
    if isinstance(value, float):
        return "Double"
    if isinstance(value, str):
        return "String"
    return "Json"


def to_plain(typed: Mapping[str, Any] | None) -> dict[str, Any]:
    """``{"name": {"value", "type"}}`` → ``{"name": value}``; raises :class:`VariableError` naming a bad one."""
    return {str(name): _plain(str(name), value) for name, value in (typed or {}).items()}


def to_typed(values: Mapping[str, Any], names: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Plain values as Camunda's typed variables (lists and objects as ``Json``), only ``names`` when given."""
    chosen = values if names is None else {n: values[n] for n in names if n in values}
    out = {}
    for name, value in chosen.items():
        kind = _guess(value)
        out[name] = {"type": kind, "value": json.dumps(value, ensure_ascii=False) if kind == "Json" else value,
                     "valueInfo": {}}
    return out
