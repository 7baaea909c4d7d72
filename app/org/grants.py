"""Nobody grants what they do not hold: the limits of an administrator's writes to the organisation.

The permission table lets every admin call the organisation's write endpoints; the URL's object is checked
by :mod:`app.auth.scope`. What a *body* asks for is checked here, because that is where an agency
administrator could widen its own power (issue #25: an agency admin created a system admin, moved itself
to system scope and minted a key acting as the system admin).

Rules, for an **agency administrator** (an admin whose account has a home agency):

- It manages its home agency's tree: agencies below it, their units, and the accounts whose home agency
  and every unit lie in that tree. Anything else named in a body is answered as if it did not exist (422 on
  the field), exactly as an unknown id is.
- It never creates or leaves an account without a home agency, nor an agency at the top level, nor moves
  its own home agency: each of those is a system scope (403 ``beyond_your_scope``).
- It grants only agency-scoped roles (:data:`AGENCY_ROLES`); ``auditor`` reads every agency and is granted
  by a system administrator only. An account holding a role the actor may not grant is not the actor's to
  change (403), so its password cannot be reset into a takeover.
- An API key acts as its officer: an agency admin creates and revokes keys only of accounts it manages
  (another agency's account or key is a 404, as everywhere; an account half outside the tree a 403).

A **system administrator** (no home agency) manages everything. Everyone else never reaches these writes.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Forbidden, NotFound, Unprocessable
from app.org.models import Officer, Unit
from app.org.service import descendant_agency_ids

#: Roles whose power stays inside the holder's agencies: an agency administrator may grant them.
AGENCY_ROLES: tuple[str, ...] = ("admin", "designer", "leader", "officer", "clerk")


def managed_agency_ids(*, session: Session, actor: Officer) -> set[int] | None:
    """The agencies an administrator manages: None (all) for a system administrator."""
    if actor.agency_id is None:
        return None
    return descendant_agency_ids(session=session, agency_id=actor.agency_id)


def _beyond(detail: str, detail_en: str) -> Forbidden:
    return Forbidden(detail, code="beyond_your_scope", detail_en=detail_en)


def _no_agency(field: str) -> Unprocessable:
    return Unprocessable(code="unknown_reference", errors={field: ["Không có cơ quan này."]})


def _no_units(missing: Iterable[int]) -> Unprocessable:
    return Unprocessable(code="unknown_reference", errors={"unit_ids": [f"Không có đơn vị: {sorted(missing)}"]})


def _check_roles(managed: set[int] | None, roles: Iterable[str]) -> None:
    if managed is None:
        return
    beyond = sorted(set(roles) - set(AGENCY_ROLES))
    if beyond:
        raise _beyond(f"Chỉ quản trị hệ thống mới cấp được vai trò: {', '.join(beyond)}.",
                      f"Only a system administrator grants the roles: {', '.join(beyond)}.")


def _check_units(session: Session, managed: set[int] | None, unit_ids: Iterable[int]) -> list[Unit]:
    wanted = set(unit_ids)
    units = list(session.scalars(select(Unit).where(Unit.id.in_(wanted)))) if wanted else []
    if managed is not None:
        outside = {unit.id for unit in units if unit.agency_id not in managed}
        if outside:
            raise _no_units(outside)
    return units


def _check_account_agency(managed: set[int] | None, agency_id: int | None) -> None:
    if managed is None:
        return
    if agency_id is None:
        raise _beyond("Chỉ quản trị hệ thống mới tạo được tài khoản không thuộc cơ quan nào (phạm vi toàn hệ thống).",
                      "Only a system administrator makes an account without a home agency (system scope).")
    if agency_id not in managed:
        raise _no_agency("agency_id")


# --- agencies and units -----------------------------------------------------------------------------------

def check_agency_create(*, session: Session, actor: Officer, agency_in: dict[str, Any]) -> None:
    managed = managed_agency_ids(session=session, actor=actor)
    if managed is None:
        return
    parent_id = agency_in.get("parent_id")
    if parent_id is None:
        raise _beyond("Chỉ quản trị hệ thống mới tạo được cơ quan cấp cao nhất.",
                      "Only a system administrator creates a top-level agency.")
    if parent_id not in managed:
        raise Unprocessable(code="unknown_reference", errors={"parent_id": ["Không có cơ quan cấp trên này."]})


def check_agency_change(*, session: Session, actor: Officer, agency_id: int, agency_in: dict[str, Any]) -> None:
    """A move stays inside the tree; the home agency itself is not moved (nor deleted) by its own admin."""
    managed = managed_agency_ids(session=session, actor=actor)
    if managed is None:
        return
    if agency_id == actor.agency_id and ("parent_id" in agency_in or agency_in.get("delete")):
        raise _beyond("Cơ quan của bạn chỉ được di chuyển hoặc xoá bởi quản trị hệ thống.",
                      "Your own agency is moved or deleted by a system administrator only.")
    if "parent_id" in agency_in:
        check_agency_create(session=session, actor=actor, agency_in=agency_in)


def check_agency_delete(*, session: Session, actor: Officer, agency_id: int) -> None:
    check_agency_change(session=session, actor=actor, agency_id=agency_id, agency_in={"delete": True})


def check_unit_create(*, session: Session, actor: Officer, unit_in: dict[str, Any]) -> None:
    managed = managed_agency_ids(session=session, actor=actor)
    if managed is not None and unit_in["agency_id"] not in managed:
        raise _no_agency("agency_id")


# --- accounts -------------------------------------------------------------------------------------------

def check_account_managed(*, session: Session, actor: Officer, officer: Officer) -> None:
    """The account lies wholly inside the actor's tree and holds no role the actor may not grant."""
    managed = managed_agency_ids(session=session, actor=actor)
    if managed is None:
        return
    agencies = {officer.agency_id} | {unit.agency_id for unit in officer.units}
    if not agencies & managed:
        raise NotFound()  # as :mod:`app.auth.scope` answers for another agency's officer
    if not agencies <= managed:
        raise _beyond("Tài khoản này không thuộc phạm vi quản trị của bạn.",
                      "This account is outside the agencies you administer.")
    _check_roles(managed, officer.roles)


def check_officer_create(*, session: Session, actor: Officer, officer_in: dict[str, Any]) -> dict[str, Any]:
    """Check a new account; for an agency admin, an omitted home agency becomes its units' or the admin's."""
    managed = managed_agency_ids(session=session, actor=actor)
    if managed is None:
        return officer_in
    units = _check_units(session, managed, officer_in.get("unit_ids") or [])
    _check_roles(managed, officer_in.get("roles") or [])
    if "agency_id" not in officer_in:
        officer_in = {**officer_in, "agency_id": units[0].agency_id if units else actor.agency_id}
    _check_account_agency(managed, officer_in["agency_id"])
    return officer_in


def check_officer_change(*, session: Session, actor: Officer, officer_id: int, officer_in: dict[str, Any]) -> None:
    managed = managed_agency_ids(session=session, actor=actor)
    if managed is None:
        return
    target = session.get(Officer, officer_id)
    if target is not None:
        check_account_managed(session=session, actor=actor, officer=target)
    if "agency_id" in officer_in:
        _check_account_agency(managed, officer_in["agency_id"])
    if "unit_ids" in officer_in:
        _check_units(session, managed, officer_in["unit_ids"])
    if "roles" in officer_in:
        _check_roles(managed, officer_in["roles"])
