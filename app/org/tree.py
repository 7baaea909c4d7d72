"""Trees of the organisation (agencies under agencies, units under units), read once per request."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.org.models import Agency, Unit
from app.request_cache import forget, memo

AGENCY_EDGES = "org.agency_edges"
UNIT_EDGES = "org.unit_edges"


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
    return memo(AGENCY_EDGES, lambda: [tuple(r) for r in session.execute(select(Agency.id, Agency.parent_id))])


def unit_edges(session: Session) -> list[tuple[int, int | None]]:
    return memo(UNIT_EDGES, lambda: [tuple(r) for r in session.execute(select(Unit.id, Unit.parent_id))])


def tree_changed() -> None:
    """Call after creating, moving or deleting agencies or units in this request."""
    forget(AGENCY_EDGES, UNIT_EDGES)
