"""What screens show of deadlines: a step's and a dossier's status, time left and used, and form 06's rows.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.calendar import (
    WorkingCalendar,
    working_time_between,
)
from app.calendar.service import calendar_for
from app.deadlines.pauses import current_pause, pauses_of
from app.deadlines.planning import due_soon_fraction, local, step_base, working_minutes
from app.dossiers.models import CLOSED_STATUSES, OPEN_STATUSES, Dossier, DossierStatus, Step
from app.org.models import Officer
from app.org.tree import unit_refs


def _status(*, now: datetime, due: datetime | None, remaining: timedelta | None, lead: timedelta,
            marked: datetime | None = None) -> str | None:
    if due is None:
        return "on_track"
    if now > due or (marked is not None and now >= due):  # marked: the scheduler's overdue item has run
        return "overdue"
    return "due_soon" if remaining is not None and remaining <= lead else "on_track"


def step_view(*, session: Session, step: Step, now: datetime, cal: WorkingCalendar) -> dict[str, Any]:
    """Time used, remaining working time (minutes) and on_track | due_soon | overdue | paused of a step."""
    dossier = step.dossier
    if step.status not in OPEN_STATUSES:
        return {"time_used_minutes": step.used_minutes, "remaining_minutes": None, "status": None,
                "overdue_at": step.overdue_at}
    paused = dossier.status == DossierStatus.PAUSED
    at = (current_pause(session, dossier.id).paused_at if paused else now)
    used = max(working_minutes(working_time_between(cal, step_base(step, dossier), at)) - (step.paused_minutes or 0), 0)
    if step.due_at is None:
        return {"time_used_minutes": used, "remaining_minutes": None,
                "status": "paused" if paused else "on_track", "overdue_at": None}
    remaining = working_time_between(cal, at, step.due_at)
    lead = timedelta(minutes=step.time_limit_minutes or 0) * due_soon_fraction(dossier.agency.code)
    status = "paused" if paused else _status(now=now, due=step.due_at, remaining=remaining, lead=lead,
                                                         marked=step.overdue_at)
    return {"time_used_minutes": used, "remaining_minutes": working_minutes(remaining), "status": status,
            "overdue_at": step.overdue_at}


def dossier_view(*, session: Session, dossier: Dossier, now: datetime, cal: WorkingCalendar) -> dict[str, Any]:
    if dossier.status in CLOSED_STATUSES:
        return {"time_used_minutes": dossier.used_minutes, "remaining_minutes": None, "status": None,
                "overdue_at": dossier.overdue_at}
    paused = dossier.status == DossierStatus.PAUSED
    record = current_pause(session, dossier.id) if paused else None
    at = record.paused_at if record else now
    used = max(working_minutes(working_time_between(cal, dossier.counting_from, at)) - (dossier.paused_minutes or 0), 0)
    if dossier.due_at is None:
        return {"time_used_minutes": used, "remaining_minutes": None, "status": "paused" if paused else "on_track",
                "overdue_at": None}
    remaining = working_time_between(cal, at, dossier.due_at)
    total = working_time_between(cal, dossier.counting_from, dossier.due_at)
    status = "paused" if paused else _status(now=now, due=dossier.due_at, remaining=remaining,
                                             lead=total * due_soon_fraction(dossier.agency.code),
                                             marked=dossier.overdue_at)
    return {"time_used_minutes": used, "remaining_minutes": working_minutes(remaining), "status": status,
            "overdue_at": dossier.overdue_at}


def annotate(*, session: Session, now: datetime, dossiers: Iterable[Dossier] = (), steps: Iterable[Step] = ()) -> None:
    """Put on each dossier and step what a response shows of it, computed with the request's ``now``.

    Why here and not in the schemas: a schema only declares fields, so every block of one response is judged
    at the same moment, against one calendar per agency, with one pause read per dossier. Sets the plain
    (non-column) attributes ``deadline`` on both and ``unit_ref`` on steps (from the per-process copy of the
    organisation: no query per step listed).
    """
    calendars: dict[int, WorkingCalendar] = {}

    def cal(agency_id: int) -> WorkingCalendar:
        if agency_id not in calendars:
            calendars[agency_id] = calendar_for(session, agency_id, now)
        return calendars[agency_id]

    refs = unit_refs(session)
    for step in steps:
        step.deadline = step_view(session=session, step=step, now=now, cal=cal(step.dossier.agency_id))
        step.unit_ref = None if step.unit_id is None else (refs.get(step.unit_id) or step.unit)
    for dossier in dossiers:
        dossier.deadline = dossier_view(session=session, dossier=dossier, now=now, cal=cal(dossier.agency_id))


def control_sheet_rows(*, session: Session, dossier: Dossier) -> list[dict[str, Any]]:
    """Pauses and the extension as rows of form 06, beside the hand-overs."""
    rows: list[dict[str, Any]] = []
    kinds = {"supplementation": "bổ sung hồ sơ (Mẫu 02)", "verification": "xác minh"}
    for record in pauses_of(session, dossier.id):
        note = f"Tạm dừng chờ {kinds.get(record.kind, record.kind)}: {record.reason}"
        if record.resumed_at is not None:
            note += f"; tiếp tục {local(record.resumed_at)}, thời hạn lùi {record.shifted_minutes or 0} phút làm việc"
            if record.policy == "restart":
                note += " (tính lại thời gian bước từ đầu)"
        rows.append({"step": None, "step_name": "Tạm dừng", "from_unit": None, "from_officer": _name(record.paused_by),
                     "to_unit": "Tổ chức, cá nhân", "to_officer": dossier.applicant.get("name"),
                     "given_at": record.paused_at, "received_at": record.resumed_at, "result": None, "note": note})
    if dossier.extended_at is not None:
        rows.append({"step": None, "step_name": "Gia hạn (Mẫu 04)", "from_unit": None,
                     "from_officer": _name(dossier.extended_by), "to_unit": "Tổ chức, cá nhân",
                     "to_officer": dossier.applicant.get("name"), "given_at": dossier.extended_at,
                     "received_at": dossier.extended_at, "due_at": dossier.extended_due_at, "result": None,
                     "note": f"Xin lỗi và hẹn lại ngày trả kết quả: {local(dossier.extended_due_at)}. "
                             f"Lý do: {dossier.extension_reason}"})
    return rows


def _name(officer: Officer | None) -> str | None:
    return officer.full_name if officer else None
