"""Which agencies an officer belongs to and may see: facts of the organisation tree, asked by permissions.

Here, not in ``auth``, so the organisation's own routes and the audit log can scope their lists without
importing the permission layer (which itself stands on the organisation).
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from app.org.models import Officer
from app.org.service import descendant_agency_ids


def is_system_admin(officer: Officer) -> bool:
    return officer.has_role("admin") and officer.agency_id is None


def home_agency_ids(officer: Officer) -> set[int]:
    found = {unit.agency_id for unit in officer.units}
    if officer.agency_id is not None:
        found.add(officer.agency_id)
    return found


def agency_ids(*, session: Session, officer: Officer) -> set[int]:
    """The officer's agencies with everything below them."""
    found: set[int] = set()
    for root in home_agency_ids(officer):
        found |= descendant_agency_ids(session=session, agency_id=root)
    return found


def visible_agency_ids(*, session: Session, officer: Officer) -> set[int] | None:
    """Agencies whose people and records the officer may list: None (all) for auditors and system admins."""
    if officer.has_role("auditor") or is_system_admin(officer):
        return None
    return agency_ids(session=session, officer=officer)
