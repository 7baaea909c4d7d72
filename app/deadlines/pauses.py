"""Pause and resume (waiting for a supplement or a verification), by the procedure's ``pausePolicy``.

Keyword-only functions given the session and ``now``; they flush and never commit.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.calendar import (
    add_working_time,
    shift_for_pause,
    working_time_between,
)
from app.calendar.service import calendar_for
from app.deadlines.models import DossierPause
from app.deadlines.planning import (
    open_steps_of,
    schedule_dossier,
    schedule_step,
    schedule_timer,
    step_base,
    working_minutes,
)
from app.dossiers.models import CLOSED_STATUSES, Dossier, DossierStatus
from app.errors import Conflict
from app.org.models import Officer
from app.request_cache import forget, memo
from app.scheduler import due_work


def current_pause(session: Session, dossier_id: int) -> DossierPause | None:
    """The dossier's open pause, once per request (a list of fifty steps of a paused dossier asks fifty times)."""
    return memo(_pause_key(dossier_id), lambda: session.scalar(select(DossierPause).where(
        DossierPause.dossier_id == dossier_id, DossierPause.resumed_at.is_(None)).limit(1)))


def _pause_key(dossier_id: int) -> str:
    return f"deadlines:open_pause:{dossier_id}"


def pauses_of(session: Session, dossier_id: int) -> list[DossierPause]:
    return list(session.scalars(select(DossierPause).where(DossierPause.dossier_id == dossier_id)
                                .order_by(DossierPause.id)))


def pause(*, session: Session, dossier: Dossier, officer: Officer, kind: str, reason: str, policy: str,
          now: datetime) -> Dossier:
    """Stop the clock (tạm dừng): waiting for the applicant's supplement (form 02) or a verification.

    ``dossier`` is locked by the caller (:func:`app.flows.pause`); ``policy`` is its procedure's ``pausePolicy``.
    """
    if dossier.status in CLOSED_STATUSES:
        raise Conflict(f"Hồ sơ đã kết thúc ({dossier.status}); không tạm dừng được.", code="dossier_closed",
                       detail_en=f"The dossier is {dossier.status}; it cannot be paused.")
    if dossier.status == DossierStatus.PAUSED:
        raise Conflict("Hồ sơ đang tạm dừng.", code="dossier_paused", detail_en="The dossier is already paused.")
    if dossier.status == DossierStatus.INCIDENT:
        raise Conflict("Hồ sơ đang có sự cố.", code="dossier_incident", detail_en="The dossier has an incident.")
    session.add(DossierPause(dossier_id=dossier.id, kind=kind, reason=reason, policy=policy,
                             status_before=dossier.status, paused_at=now, paused_by_id=officer.id))
    forget(_pause_key(dossier.id))
    before = dossier.status
    dossier.status = DossierStatus.PAUSED
    due_work.cancel(session=session, dossier_id=dossier.id, now=now)
    audit.record(session=session, actor=officer, action="dossier.pause", object_type="dossier", object_id=dossier.id,
                 summary=f"{dossier.code}: tạm dừng ({kind}): {reason}", before={"status": before},
                 after={"status": "paused", "kind": kind, "policy": policy}, now=now)
    session.flush()
    return dossier


def resume(*, session: Session, dossier: Dossier, officer: Officer, now: datetime, timer_at: datetime | None,
           note: str | None = None) -> Dossier:
    """Restart the clock: move due times (pause policy) or count the steps' time again (restart policy).

    ``dossier`` is locked by the caller (:func:`app.flows.resume`); ``timer_at``: its next BPMN timer.
    """
    record = current_pause(session, dossier.id)
    if dossier.status != DossierStatus.PAUSED or record is None:
        raise Conflict("Hồ sơ không ở trạng thái tạm dừng.", code="dossier_not_paused",
                       detail_en="The dossier is not paused.")
    cal = calendar_for(session, dossier.agency_id, now)
    paused = working_time_between(cal, record.paused_at, now)
    steps = open_steps_of(session, dossier.id)
    before_due = dossier.due_at
    shift = paused
    if record.policy == "restart":
        moved = timedelta(0)
        for step in steps:
            if step.due_at is None or not step.time_limit_minutes:
                continue
            new_due = add_working_time(cal, now, timedelta(minutes=step.time_limit_minutes))
            moved = max(moved, working_time_between(cal, step.due_at, new_due))
            step.paused_minutes = working_minutes(working_time_between(cal, step_base(step, dossier), now))
            step.due_at = new_due
        shift = moved if any(s.due_at is not None for s in steps) else paused
    else:
        for step in steps:
            if step.due_at is not None:
                step.due_at = shift_for_pause(cal, step.due_at, record.paused_at, now)
            step.paused_minutes = (step.paused_minutes or 0) + working_minutes(paused)
    for step in steps:
        if step.due_at is not None and step.due_at > now:
            step.overdue_at = None
    if dossier.due_at is not None:
        dossier.due_at = add_working_time(cal, dossier.due_at, shift)
        if dossier.due_at > now:
            dossier.overdue_at = None
    dossier.paused_minutes = (dossier.paused_minutes or 0) + working_minutes(shift)
    record.resumed_at, record.resumed_by_id, record.shifted_minutes = now, officer.id, working_minutes(shift)
    forget(_pause_key(dossier.id))
    dossier.status = record.status_before
    session.flush()
    for step in steps:
        schedule_step(session=session, dossier=dossier, step=step, cal=cal, now=now, base=now)
    schedule_dossier(session=session, dossier=dossier, cal=cal, now=now)
    schedule_timer(session=session, dossier=dossier, at=timer_at, now=now)
    audit.record(session=session, actor=officer, action="dossier.resume", object_type="dossier",
                 object_id=dossier.id, summary=f"{dossier.code}: tiếp tục xử lý{': ' + note if note else ''}",
                 before={"status": "paused", "due_at": before_due.isoformat() if before_due else None},
                 after={"status": dossier.status, "policy": record.policy, "shifted_minutes": working_minutes(shift),
                        "due_at": dossier.due_at.isoformat() if dossier.due_at else None}, now=now)
    session.flush()
    return dossier
