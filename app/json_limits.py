"""Refuse JSON bodies nested deeper than ``JSON_MAX_DEPTH`` (32) with 422, before any parser recurses.

Python's ``json`` recurses once per level: a body of 1,000 nested brackets raised ``RecursionError`` in the
parser (and deeper ones in marshmallow and JSON Schema), a 500 (issue #25). No payload of this service is
nested more than a few levels, so the depth is measured on the raw text first — strings removed, then the
brackets counted in one pass — and a deeper body never reaches ``json.loads``.
"""
from __future__ import annotations

import re
from itertools import accumulate

from flask import Flask, current_app, request

from app.errors import Unprocessable

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def nesting_depth(text: str) -> int:
    """How deep the arrays and objects of a JSON text go (0 for a scalar); brackets in strings do not count."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(_DEPTH_STEP[char] for char in brackets), default=0)


def refuse_deep_json() -> None:
    """``before_request``: a JSON body deeper than the limit is a 422 naming the limit."""
    if not request.is_json:
        return
    limit = current_app.config.get("JSON_MAX_DEPTH", 32)
    text = request.get_data(cache=True).decode("utf-8", errors="replace")
    if nesting_depth(text) > limit:
        raise Unprocessable(f"Dữ liệu JSON lồng nhau quá {limit} cấp.", code="json_too_deep",
                            detail_en=f"The JSON body is nested deeper than {limit} levels.")


def init_app(app: Flask) -> None:
    app.before_request(refuse_deep_json)
