"""Trees of the organisation (agencies under agencies, units under units) and unit names, cached per process.

Every request asks for them (scopes, calendars, the unit shown beside each step); they change rarely. Each
process keeps them keyed by the organisation token of :mod:`app.cache_versions`, which any agency or unit
change replaces in its own transaction; without a token they are read once per request.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import NamedTuple, TypeVar

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app import cache_versions
from app.org.models import Agency, Unit
from app.request_cache import forget, memo

AGENCY_EDGES = "org.agency_edges"
UNIT_EDGES = "org.unit_edges"
UNIT_REFS = "org.unit_refs"
T = TypeVar("T")

_cached: dict[str, tuple[str, object]] = {}
_cached_lock = threading.Lock()


class UnitRef(NamedTuple):
    id: int
    code: str
    name: str


def _per_process(session: Session, key: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per organisation token in this process (once per request without a token)."""
    def fetch() -> T:
        token = cache_versions.token_of(session, cache_versions.ORGANISATION)
        if token is None:
            return compute()
        with _cached_lock:
            hit = _cached.get(key)
        if hit is not None and hit[0] == token:
            return hit[1]  # type: ignore[return-value]
        value = compute()
        with _cached_lock:
            _cached[key] = (token, value)
        return value

    return memo(key, fetch)


def forget_cached() -> None:
    """Drop this process's copies (for a process that switches databases: tests)."""
    with _cached_lock:
        _cached.clear()


def descendants(edges: Iterable[tuple[int, int | None]], roots: Iterable[int]) -> set[int]:
    """Every node reachable downwards from ``roots`` (roots included) given ``(child, parent)`` pairs."""
    children: dict[int | None, list[int]] = {}
    for child, parent in edges:
        children.setdefault(parent, []).append(child)
    found: set[int] = set()
    stack = list(roots)
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(children.get(current, []))
    return found


def agency_edges(session: Session) -> list[tuple[int, int | None]]:
    return _per_process(session, AGENCY_EDGES,
                        lambda: [tuple(r) for r in session.execute(select(Agency.id, Agency.parent_id))])


def unit_edges(session: Session) -> list[tuple[int, int | None]]:
    return _per_process(session, UNIT_EDGES,
                        lambda: [tuple(r) for r in session.execute(select(Unit.id, Unit.parent_id))])


def unit_refs(session: Session) -> dict[int, UnitRef]:
    """Every unit's id, code and name: what a step shows of its unit, without loading the unit."""
    return _per_process(session, UNIT_REFS, lambda: {
        row.id: UnitRef(row.id, row.code, row.name) for row in session.execute(select(Unit.id, Unit.code, Unit.name))})


def tree_changed() -> None:
    """Call after creating, moving or deleting agencies or units in this request."""
    forget(AGENCY_EDGES, UNIT_EDGES, UNIT_REFS)


@event.listens_for(Session, "after_flush")
def _organisation_changed(session: Session, _context: object) -> None:
    """Any agency or unit written through the ORM bumps the organisation token in the same transaction."""
    for group in (session.new, session.dirty, session.deleted):  # still the pre-flush sets here
        if any(isinstance(obj, (Agency, Unit)) for obj in group):
            cache_versions.bump(session, cache_versions.ORGANISATION)
            return
