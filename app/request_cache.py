"""Memoise small, read-mostly lookups for the length of one request (or one app context).

Why: the permission scope, the agency and unit trees and the calendar token are asked for several times
while one request is served; each answer cannot change within the request unless the request itself
changes it, and then it calls :func:`forget`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, g, has_app_context

T = TypeVar("T")


def memo(key: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per request/app context for ``key``; outside a context it is simply called."""
    if not has_app_context():
        return compute()
    cache: dict[str, object] = g.setdefault("_request_memo", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]  # type: ignore[return-value]


def keep(obj: T) -> T:
    """Hold a strong reference to ``obj`` until the request ends.

    The ORM session's identity map holds objects weakly: a dossier the guard loaded to check the scope is
    collected before the view asks for it again, and read twice. Kept, the second ``session.get`` is free.
    """
    if has_app_context() and obj is not None:
        g.setdefault("_request_keep", []).append(obj)
    return obj


def forget(*keys: str) -> None:
    """Drop memoised answers after this request changed what they depend on."""
    if has_app_context():
        cache = g.get("_request_memo")
        if cache:
            for key in keys:
                cache.pop(key, None)


def _start_fresh() -> None:
    """A test may serve several requests inside one app context: each starts with nothing memoised."""
    g.pop("_request_memo", None)
    g.pop("_request_keep", None)


def init_app(app: Flask) -> None:
    app.before_request(_start_fresh)  # registered before the guard, so it runs first
