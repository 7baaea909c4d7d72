"""Create, change and list agencies, units and officers. Keyword-only, given the session and ``now``."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound, Unprocessable
from app.org.models import Agency, Officer, OfficerRole, OfficerUnit, Unit
from app.org.passwords import hash_password
from app.org.tree import agency_edges, descendants, tree_changed


def _get(session: Session, model: type, object_id: int) -> Any:
    obj = session.get(model, object_id)
    if obj is None:
        raise NotFound()
    return obj


# --- agencies -----------------------------------------------------------------------------------------

def get_agency(*, session: Session, agency_id: int) -> Agency:
    return _get(session, Agency, agency_id)


def get_agency_by_code(*, session: Session, code: str) -> Agency | None:
    return session.scalar(select(Agency).where(Agency.code == code))


def list_agencies(*, session: Session, parent_id: int | None = None, q: str | None = None):
    stmt = select(Agency).order_by(Agency.code)
    if parent_id is not None:
        stmt = stmt.where(Agency.parent_id == parent_id)
    if q:
        stmt = stmt.where(func.lower(Agency.name).contains(q.lower()) | Agency.code.contains(q))
    return stmt


def descendant_agency_ids(*, session: Session, agency_id: int) -> set[int]:
    """The agency and everything below it (a province's departments and communes)."""
    return descendants(agency_edges(session), [agency_id])


def _check_parent(session: Session, agency: Agency | None, parent_id: int | None) -> None:
    if parent_id is None:
        return
    if session.get(Agency, parent_id) is None:
        raise Unprocessable(code="unknown_reference", errors={"parent_id": ["Không có cơ quan cấp trên này."]})
    if agency is not None and parent_id in descendant_agency_ids(session=session, agency_id=agency.id):
        raise Unprocessable(errors={"parent_id": ["Cơ quan không thể trực thuộc chính nó hoặc cơ quan cấp dưới."]})


def create_agency(*, session: Session, agency_in: dict[str, Any], now: datetime) -> Agency:
    if get_agency_by_code(session=session, code=agency_in["code"]):
        raise Conflict(code="duplicate", errors={"code": ["Mã cơ quan đã tồn tại."]})
    _check_parent(session, None, agency_in.get("parent_id"))
    agency = Agency(**agency_in, created_at=now)
    session.add(agency)
    session.flush()
    tree_changed()
    return agency


def update_agency(*, session: Session, agency_id: int, agency_in: dict[str, Any]) -> Agency:
    agency = get_agency(session=session, agency_id=agency_id)
    if "parent_id" in agency_in:
        _check_parent(session, agency, agency_in["parent_id"])
    for key, value in agency_in.items():
        setattr(agency, key, value)
    session.flush()
    tree_changed()
    return agency


def delete_agency(*, session: Session, agency_id: int) -> None:
    agency = get_agency(session=session, agency_id=agency_id)
    in_use = (session.scalar(select(func.count()).select_from(Agency).where(Agency.parent_id == agency_id))
              or session.scalar(select(func.count()).select_from(Unit).where(Unit.agency_id == agency_id))
              or session.scalar(select(func.count()).select_from(Officer).where(Officer.agency_id == agency_id)))
    if in_use:
        raise Conflict(code="in_use")
    session.delete(agency)
    session.flush()
    tree_changed()


# --- units --------------------------------------------------------------------------------------------

def get_unit(*, session: Session, unit_id: int) -> Unit:
    return _get(session, Unit, unit_id)


def get_unit_by_code(*, session: Session, code: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.code == code))


def list_units(*, session: Session, agency_id: int | None = None):
    stmt = select(Unit).order_by(Unit.code)
    if agency_id is not None:
        stmt = stmt.where(Unit.agency_id == agency_id)
    return stmt


def create_unit(*, session: Session, unit_in: dict[str, Any], now: datetime) -> Unit:
    if get_unit_by_code(session=session, code=unit_in["code"]):
        raise Conflict(code="duplicate", errors={"code": ["Mã đơn vị đã tồn tại."]})
    if session.get(Agency, unit_in["agency_id"]) is None:
        raise Unprocessable(code="unknown_reference", errors={"agency_id": ["Không có cơ quan này."]})
    unit = Unit(**unit_in, created_at=now)
    session.add(unit)
    session.flush()
    tree_changed()
    return unit


def update_unit(*, session: Session, unit_id: int, unit_in: dict[str, Any]) -> Unit:
    unit = get_unit(session=session, unit_id=unit_id)
    for key, value in unit_in.items():
        setattr(unit, key, value)
    session.flush()
    tree_changed()
    return unit


def delete_unit(*, session: Session, unit_id: int) -> None:
    unit = get_unit(session=session, unit_id=unit_id)
    members = session.scalar(select(func.count()).select_from(OfficerUnit).where(OfficerUnit.unit_id == unit_id))
    if members:
        raise Conflict(code="in_use")
    session.delete(unit)
    session.flush()
    tree_changed()


# --- officers -----------------------------------------------------------------------------------------

def get_officer(*, session: Session, officer_id: int) -> Officer:
    return _get(session, Officer, officer_id)


def get_officer_by_username(*, session: Session, username: str) -> Officer | None:
    return session.scalar(select(Officer).where(Officer.username == username))


def list_officers(*, session: Session, unit_id: int | None = None, agency_id: int | None = None,
                  role: str | None = None, within_agencies: set[int] | None = None):
    """Officers, by username; ``within_agencies`` limits them to people of those agencies (scope)."""
    stmt = select(Officer).order_by(Officer.username)
    if within_agencies is not None:
        in_units = select(OfficerUnit.officer_id).join(Unit, Unit.id == OfficerUnit.unit_id).where(
            Unit.agency_id.in_(within_agencies))
        stmt = stmt.where(Officer.agency_id.in_(within_agencies) | Officer.id.in_(in_units))
    if unit_id is not None:
        stmt = stmt.where(Officer.id.in_(select(OfficerUnit.officer_id).where(OfficerUnit.unit_id == unit_id)))
    if agency_id is not None:
        stmt = stmt.where(Officer.agency_id == agency_id)
    if role is not None:
        stmt = stmt.where(Officer.id.in_(select(OfficerRole.officer_id).where(OfficerRole.role == role)))
    return stmt


def _units(session: Session, unit_ids: list[int]) -> list[Unit]:
    units = list(session.scalars(select(Unit).where(Unit.id.in_(unit_ids))))
    missing = sorted(set(unit_ids) - {u.id for u in units})
    if missing:
        raise Unprocessable(code="unknown_reference", errors={"unit_ids": [f"Không có đơn vị: {missing}"]})
    return units


def _set_roles(officer: Officer, roles: list[str]) -> None:
    wanted = list(dict.fromkeys(roles))
    officer.role_rows = [row for row in officer.role_rows if row.role in wanted]
    have = {row.role for row in officer.role_rows}
    officer.role_rows.extend(OfficerRole(role=role) for role in wanted if role not in have)


def create_officer(*, session: Session, officer_in: dict[str, Any], now: datetime) -> Officer:
    if get_officer_by_username(session=session, username=officer_in["username"]):
        raise Conflict(code="duplicate", errors={"username": ["Tên đăng nhập đã tồn tại."]})
    if officer_in.get("agency_id") is not None and session.get(Agency, officer_in["agency_id"]) is None:
        raise Unprocessable(code="unknown_reference", errors={"agency_id": ["Không có cơ quan này."]})
    units = _units(session, officer_in.get("unit_ids") or [])
    agency_id = officer_in.get("agency_id")
    if agency_id is None and units:
        agency_id = units[0].agency_id
    officer = Officer(username=officer_in["username"], full_name=officer_in["full_name"],
                      email=officer_in.get("email"), password_hash=hash_password(officer_in["password"]),
                      is_active=True, token_version=1, agency_id=agency_id, created_at=now, updated_at=now)
    officer.units = units
    _set_roles(officer, officer_in.get("roles") or ["officer"])
    session.add(officer)
    session.flush()
    return officer


def update_officer(*, session: Session, officer_id: int, officer_in: dict[str, Any], now: datetime) -> Officer:
    """Change an account. A new password or disabling it revokes every token it holds."""
    officer = get_officer(session=session, officer_id=officer_id)
    if "password" in officer_in:
        officer.password_hash = hash_password(officer_in["password"])
        officer.token_version += 1
    if "is_active" in officer_in and officer_in["is_active"] != officer.is_active:
        officer.is_active = officer_in["is_active"]
        officer.token_version += 1
    if "unit_ids" in officer_in:
        officer.units = _units(session, officer_in["unit_ids"])
    if "roles" in officer_in:
        _set_roles(officer, officer_in["roles"])
    if "agency_id" in officer_in:
        if officer_in["agency_id"] is not None and session.get(Agency, officer_in["agency_id"]) is None:
            raise Unprocessable(code="unknown_reference", errors={"agency_id": ["Không có cơ quan này."]})
        officer.agency_id = officer_in["agency_id"]
    for key in ("full_name", "email"):
        if key in officer_in:
            setattr(officer, key, officer_in[key])
    officer.updated_at = now
    session.flush()
    return officer


def change_own_password(*, session: Session, officer: Officer, new_password: str, now: datetime) -> None:
    officer.password_hash = hash_password(new_password)
    officer.token_version += 1
    officer.updated_at = now
    session.flush()
