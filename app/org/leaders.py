"""The leaders to tell about a unit or an agency: the nearest leadership at or above a unit, the agency's board.

Facts of the organisation tree, asked by deadlines' escalations and notices' digests (one query each way).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.org.models import Agency, Officer, OfficerRole, OfficerUnit, Unit
from app.org.tree import unit_edges


def _leaders_in(session: Session, unit_ids: list[int]) -> list[Officer]:
    if not unit_ids:
        return []
    return list(session.scalars(select(Officer).where(
        Officer.is_active.is_(True),
        Officer.id.in_(select(OfficerUnit.officer_id).where(OfficerUnit.unit_id.in_(unit_ids))),
        Officer.id.in_(select(OfficerRole.officer_id).where(OfficerRole.role == "leader"))).order_by(Officer.id)))


def ancestor_unit_ids(session: Session, unit_id: int) -> list[int]:
    """The unit's parents upwards (``units.parent_id``: a division's leadership unit, then the agency's)."""
    parent_of = dict(unit_edges(session))
    chain, current = [], parent_of.get(unit_id)
    while current is not None and current not in chain:
        chain.append(current)
        current = parent_of.get(current)
    return chain


def unit_leaders(session: Session, unit: Unit | None) -> list[Officer]:
    """Leaders of a unit: officers with role leader in it, else in the nearest unit above it that has some."""
    if unit is None:
        return []
    for candidate in [unit.id, *ancestor_unit_ids(session, unit.id)]:
        found = _leaders_in(session, [candidate])
        if found:
            return found
    return agency_leaders(session, unit.agency)


def agency_board_ids(session: Session, agency_id: int) -> list[int]:
    """The agency's top leadership units (kind ``leadership`` with no parent unit)."""
    return list(session.scalars(select(Unit.id).where(Unit.agency_id == agency_id, Unit.kind == "leadership",
                                                      Unit.parent_id.is_(None))))


def agency_leaders(session: Session, agency: Agency | None) -> list[Officer]:
    """Leaders of the agency's top leadership unit, else of the nearest parent agency that has one."""
    seen: set[int] = set()
    while agency is not None and agency.id not in seen:
        seen.add(agency.id)
        found = _leaders_in(session, agency_board_ids(session, agency.id))
        if found:
            return found
        agency = agency.parent
    return []


def active_leaders(session: Session) -> list[Officer]:
    """Every active officer holding the ``leader`` role, by id: whom the daily digests go to."""
    return list(session.scalars(select(Officer).where(
        Officer.is_active.is_(True),
        Officer.id.in_(select(OfficerRole.officer_id).where(OfficerRole.role == "leader"))).order_by(Officer.id)))
