"""The dossier's paper records: form 01 (receipt) and form 06 (control sheet), as data the templates print."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.dossiers.models import Dossier, DossierStatus, Step, StepStatus
from app.dossiers.service import open_steps, steps_of
from app.errors import NotFound
from app.org.models import Officer


def _who(officer: Officer | None) -> str | None:
    return officer.full_name if officer else None


def _unit_of(step: Step) -> str | None:
    """Who holds a step on form 06: its unit, or the system (a worker's step, by its topic)."""
    if step.kind == "external":
        return f"Hệ thống ({step.topic})"
    return step.unit.name if step.unit else None


def _took(step: Step) -> str:
    seconds = int(((step.completed_at or step.started_at) - step.started_at).total_seconds())
    return f"{seconds // 60} phút {seconds % 60} giây" if seconds >= 60 else f"{seconds} giây"


def control_sheet(*, session: Session, dossier: Dossier, other_rows: list[dict[str, Any]] = ()) -> dict[str, Any]:
    """Form 06 (Phiếu kiểm soát quá trình giải quyết hồ sơ): one row per hand-over, oldest first, with
    ``other_rows`` (pauses and the extension, from deadlines) placed among them by time."""
    steps = steps_of(session=session, dossier_id=dossier.id)
    followers: dict[int, list[Step]] = {}
    for row in steps:
        if row.previous_step_id is not None:
            followers.setdefault(row.previous_step_id, []).append(row)
    rows: list[dict[str, Any]] = []
    first = next((row for row in steps if row.previous_step_id is None), None)
    rows.append({"step": None, "from_unit": "Tổ chức, cá nhân", "from_officer": dossier.applicant.get("name"),
                 "to_unit": _unit_of(first) if first else None,
                 "to_officer": _who(dossier.received_by), "given_at": dossier.received_at,
                 "received_at": dossier.received_at, "result": None, "note": "Nộp hồ sơ"})
    for row in steps:
        if row.status != StepStatus.COMPLETED:
            continue
        nexts = followers.get(row.id) or [None]
        for target in nexts:
            note = row.returned_reason and f"Trả lại để xử lý lại: {row.returned_reason}"
            if target is not None and target.returned_reason:
                note = f"Trả lại: {target.returned_reason}"
            if row.kind == "external":  # a system hand-over: its own duration, not a working-time limit
                note = f"Hệ thống xử lý trong {_took(row)}" + (f"; {note}" if note else "")
            rows.append({
                "step": row.label or row.spec_id, "step_name": row.name,
                "from_unit": _unit_of(row), "from_officer": _who(row.completed_by),
                "to_unit": _unit_of(target) if target else "Tổ chức, cá nhân",
                "to_officer": (_who(target.completed_by or target.assignee) if target
                               else dossier.applicant.get("name")),
                "given_at": row.completed_at,
                "received_at": (target.claimed_at or target.completed_at or target.started_at) if target
                else row.completed_at,
                "result": row.result, "due_at": row.due_at, "note": note,
            })
    rows[1:] = sorted(rows[1:] + list(other_rows), key=lambda r: r["given_at"])
    return {"dossier": dossier, "code": dossier.code, "agency": dossier.agency.name,
            "procedure": dossier.version.definition.name, "rows": rows}


def receipt(*, session: Session, dossier: Dossier, secret: str | None = None) -> dict[str, Any]:
    """Form 01 (Giấy tiếp nhận hồ sơ và hẹn trả kết quả); the lookup secret only when just created.

    With the dossier's open steps, so the reception desk knows where it went without another call. A dossier
    refused at reception was never received: it has form 03 instead (404 here).
    """
    if dossier.status == DossierStatus.REFUSED:
        raise NotFound("Hồ sơ bị từ chối tiếp nhận: không có giấy tiếp nhận (xem phiếu từ chối, Mẫu 03).",
                       code="no_such_event", detail_en="The dossier was refused at reception: it has form 03, not 01.")
    definition = dossier.version.definition
    return {"id": dossier.id, "code": dossier.code, "procedure_key": dossier.procedure_key,
            "procedure_name": definition.name, "procedure_code": definition.code, "agency": dossier.agency.name,
            "applicant": dossier.applicant, "documents": dossier.documents, "received_at": dossier.received_at,
            "received_by": _who(dossier.received_by),
            "receiving_unit": dossier.receiving_unit.name if dossier.receiving_unit else None,
            "counting_from": dossier.counting_from,
            "appointment_at": dossier.due_at, "lookup_secret": secret,
            "current_steps": open_steps(session, dossier.id)}
