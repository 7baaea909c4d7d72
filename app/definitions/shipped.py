"""Load the shipped procedures (``processes/*.json`` pointing at ``bpmn_models/``) and publish them.

Used by ``flask bootstrap`` (``make run``): each catalog entry whose key is not in the database yet goes
through the normal path — upload, submit, publish with its decision and lane-to-unit bindings — so the
shipped procedures obey exactly the rules a designer's upload does.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.definitions import service
from app.definitions.models import ProcessDefinition
from app.org.models import Officer
from app.org.service import get_agency_by_code

PROJECT_DIR = Path(__file__).resolve().parents[2]
PROCESSES_DIR = PROJECT_DIR / "processes"
NOT_CATALOG = {"organisation.json"}


def catalog_entries(directory: Path = PROCESSES_DIR) -> list[dict[str, Any]]:
    """The catalog entry files, sorted by key."""
    entries = []
    for path in sorted(directory.glob("*.json")):
        if path.name in NOT_CATALOG:
            continue
        entries.append(json.loads(path.read_text("utf-8")))
    return entries


def _forms(entry: dict[str, Any]) -> dict[str, Any]:
    return {name: json.loads((PROJECT_DIR / rel).read_text("utf-8")) for name, rel in entry.get("forms", {}).items()}


def load_entry(*, session: Session, entry: dict[str, Any], officer: Officer, now: datetime,
               max_bytes: int = 5 * 1024 * 1024):
    """Upload, submit and publish one shipped procedure; returns the published version."""
    agency = get_agency_by_code(session=session, code=entry["agency"]) if entry.get("agency") else None
    data = (PROJECT_DIR / entry["bpmn"]).read_bytes()
    version = service.upload(session=session, data=data, now=now, officer=officer, max_bytes=max_bytes,
                             filename=Path(entry["bpmn"]).name, process_id=entry["key"], meta={
                                 "code": entry.get("code"), "name": entry.get("name"), "kind": entry.get("kind"),
                                 "agency_id": agency.id if agency else None,
                                 "legal_basis": entry.get("legal_basis", []), "forms": _forms(entry),
                                 "components": entry.get("components")})
    service.submit(session=session, key=entry["key"], version=version.version, now=now)
    decision = entry.get("decision") or {}
    decided = date.fromisoformat(decision["date"]) if decision.get("date") else now.date()
    return service.publish(session=session, key=entry["key"], version=version.version, officer=officer, now=now,
                           decision_number=decision.get("number") or "—", decision_date=decided,
                           effective_date=decided, lane_bindings=dict(entry.get("lanes", {})))


def load_shipped_procedures(*, session: Session, now: datetime) -> list[str]:
    """Publish every shipped procedure not yet in the database; return report lines."""
    admin = session.scalar(select(Officer).where(Officer.username == "admin"))
    report = []
    for entry in catalog_entries():
        exists = session.scalar(select(ProcessDefinition.id).where(ProcessDefinition.key == entry["key"]))
        if exists:
            continue
        if entry.get("agency") and get_agency_by_code(session=session, code=entry["agency"]) is None:
            report.append(f"Skipped {entry['key']}: agency {entry['agency']} is not in the organisation.")
            continue
        version = load_entry(session=session, entry=entry, officer=admin, now=now)
        report.append(f"Published {entry['key']} v{version.version} ({entry.get('case_id', '')})")
    return report
