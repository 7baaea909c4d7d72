"""The published catalog (danh mục): procedures as citizens and leaders read them, steps with units."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.calendar.durations import parse_working_duration, working_days
from app.definitions.models import DefinitionVersion, LaneBinding, ProcessDefinition
from app.org.service import descendant_agency_ids, get_agency_by_code
from app.text import fold


def catalog_query(*, session: Session, status: str = "published", agency_id: int | None = None,
                  agency: str | None = None, kind: str | None = None, q: str | None = None):
    stmt = (select(DefinitionVersion).join(ProcessDefinition)
            .where(DefinitionVersion.status == status)
            .options(selectinload(DefinitionVersion.definition).selectinload(ProcessDefinition.agency),
                     selectinload(DefinitionVersion.lane_bindings).selectinload(LaneBinding.unit))
            .order_by(ProcessDefinition.key, DefinitionVersion.version))
    if agency is not None:
        found = get_agency_by_code(session=session, code=agency)
        agency_id = found.id if found else -1
    if agency_id is not None:
        stmt = stmt.where(ProcessDefinition.agency_id.in_(descendant_agency_ids(session=session, agency_id=agency_id)))
    if kind:
        stmt = stmt.where(ProcessDefinition.kind == kind)
    if q:
        stmt = stmt.where(ProcessDefinition.search_text.contains(fold(q)))
    return stmt


def catalog_entry(version: DefinitionVersion) -> dict[str, Any]:
    """One catalog row: metadata, totals (declared and computed from steps) and each step's unit and limit."""
    definition = version.definition
    units_by_lane = {b.lane_id: b.unit for b in version.lane_bindings}
    steps = []
    for step in version.validation.get("steps", []):
        limit_text = step.get("time_limit_text")
        limit = parse_working_duration(limit_text) if limit_text else None
        unit = units_by_lane.get(step.get("lane_id"))
        steps.append({"id": step["id"], "name": step.get("name"), "lane_id": step.get("lane_id"),
                      "unit_code": unit.code if unit else None,
                      "unit_name": unit.name if unit else step.get("lane_name"),
                      "time_limit": step.get("time_limit"),
                      "time_limit_days": None if limit is None else working_days(limit),
                      "produces": step.get("produces")})
    declared = version.declared_total_minutes
    return {
        "key": definition.key, "code": definition.code, "name": definition.name, "kind": definition.kind,
        "agency": definition.agency, "replaces_key": definition.replaces_key, "version": version.version,
        "status": version.status, "legal_basis": version.legal_basis,
        "decision_number": version.decision_number, "decision_date": version.decision_date,
        "effective_date": version.effective_date, "published_at": version.published_at,
        "declared_total_days": None if declared is None else declared / 480,
        "computed_total_days": version.computed_total_minutes / 480,
        "total_mismatch": version.total_mismatch, "steps": steps, "components": version.components or [],
    }
