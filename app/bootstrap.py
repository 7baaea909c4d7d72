"""First-run setup: an administrator, the demo organisation and the shipped procedures.

Idempotent: each part is loaded only when its tables are empty, so ``make run`` can call it every time.
"""
from __future__ import annotations

import json
import secrets
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import Conflict
from app.org import service as org_service
from app.org.models import Agency, Officer

PROJECT_DIR = Path(__file__).resolve().parent.parent
ORGANISATION_FILE = PROJECT_DIR / "processes" / "organisation.json"
DEMO_PASSWORD_ENV = "DEMO_PASSWORD"


def create_admin(*, session: Session, username: str, full_name: str, password: str, now: datetime) -> Officer:
    if org_service.get_officer_by_username(session=session, username=username):
        raise Conflict(code="duplicate", errors={"username": ["Tên đăng nhập đã tồn tại."]})
    return org_service.create_officer(session=session, now=now, officer_in={
        "username": username, "full_name": full_name, "password": password, "roles": ["admin"],
        "unit_ids": [], "agency_id": None})


def load_organisation(*, session: Session, data: dict, now: datetime, password: str) -> dict[str, int]:
    """Load agencies (parents first), units and officers from the organisation file format."""
    agencies_by_code: dict[str, Agency] = {}
    pending = list(data.get("agencies", []))
    while pending:
        progressed = False
        for item in list(pending):
            parent_code = item.get("parent")
            if parent_code and parent_code not in agencies_by_code:
                continue
            agency = org_service.create_agency(session=session, now=now, agency_in={
                "code": item["code"], "name": item["name"], "kind": item.get("kind", "other"),
                "place": item.get("place"), "parent_id": agencies_by_code[parent_code].id if parent_code else None})
            agencies_by_code[item["code"]] = agency
            pending.remove(item)
            progressed = True
        if not progressed:
            raise ValueError(f"agencies with unknown parents: {[a['code'] for a in pending]}")
    units_by_code = {}
    for item in data.get("units", []):
        unit = org_service.create_unit(session=session, now=now, unit_in={
            "code": item["code"], "name": item["name"], "kind": item.get("kind", "division"),
            "agency_id": agencies_by_code[item["agency"]].id, "reception_scope": item.get("reception_scope", "agency")})
        units_by_code[item["code"]] = unit
    for item in data.get("units", []):
        if item.get("parent"):  # the unit that leads this one: its leaders lead this unit too
            units_by_code[item["code"]].parent_id = units_by_code[item["parent"]].id
    officers = 0
    for item in data.get("officers", []):
        officer = org_service.create_officer(session=session, now=now, officer_in={
            "username": item["username"], "full_name": item["full_name"], "password": password,
            "roles": item.get("roles", ["officer"]), "email": item.get("email"),
            "unit_ids": [units_by_code[code].id for code in item.get("units", [])], "agency_id": None})
        if item.get("scope") == "system":  # no home agency: a system admin / designer for every agency
            officer.agency_id = None
        officers += 1
    return {"agencies": len(agencies_by_code), "units": len(units_by_code), "officers": officers}


def bootstrap(*, session: Session, now: datetime, admin_password: str | None) -> list[str]:
    """Run the first-run steps that are still needed; return lines to print."""
    import os

    report: list[str] = []
    if session.scalar(select(func.count()).select_from(Officer).where(Officer.username == "admin")) == 0:
        password = admin_password or secrets.token_urlsafe(12)
        create_admin(session=session, username="admin", full_name="Quản trị hệ thống", password=password, now=now)
        report.append("Created administrator 'admin'.")
        if not admin_password:
            report.append(f"Admin password (generated, shown once): {password}")
    if session.scalar(select(func.count()).select_from(Agency)) == 0 and ORGANISATION_FILE.exists():
        demo_password = os.environ.get(DEMO_PASSWORD_ENV) or "motcua-demo-2026"
        counts = load_organisation(session=session, data=json.loads(ORGANISATION_FILE.read_text("utf-8")),
                                   now=now, password=demo_password)
        report.append(f"Loaded demo organisation: {counts}; demo officers' password: {demo_password}")
    for step in _extra_steps():
        report.extend(step(session=session, now=now))
    return report


def _extra_steps():
    """First-run steps of other capabilities: national calendar overrides, shipped procedures."""
    from app.calendar.service import load_national_overrides
    from app.definitions.shipped import load_shipped_procedures

    return [load_national_overrides, load_shipped_procedures]
