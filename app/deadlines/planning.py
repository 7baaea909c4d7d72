"""The due items of steps and dossiers: when each falls in working time, and its dedupe key.

The rules are the package's (:mod:`app.deadlines`); the other modules schedule through these functions.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.calendar import (
    WorkingCalendar,
    add_working_time,
    working_time_between,
)
from app.deadlines.settings import due_soon_fraction, escalation_delays
from app.dossiers.models import CLOSED_STATUSES, OPEN_STATUSES, Dossier, DossierStatus, Step
from app.scheduler import due_work

STEP_KINDS = ("step_due_soon", "step_overdue", "escalate_unit_leader", "escalate_agency_leader")
DOSSIER_KINDS = ("dossier_overdue", "apology_deadline", "bpmn_timer")
ONE_WORKING_DAY = timedelta(hours=8)
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local(moment: datetime) -> str:
    """``hh:mm dd/mm/yyyy (+07:00)`` as notices write times."""
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M %d/%m/%Y (+07:00)")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%Y%m%dT%H%M")


def working_minutes(value: timedelta) -> int:
    return int(value.total_seconds() // 60)


def moment_left(cal: WorkingCalendar, base: datetime, due: datetime, left: timedelta) -> datetime:
    """The moment at or after ``base`` when ``left`` working time remains before ``due`` (``base`` if already)."""
    total = working_time_between(cal, base, due)
    if total <= left:
        return base
    return add_working_time(cal, base, total - left)


def step_base(step: Step, dossier: Dossier) -> datetime:
    return max(step.started_at, dossier.counting_from)


def schedule_step(*, session: Session, dossier: Dossier, step: Step, cal: WorkingCalendar, now: datetime,
                  base: datetime | None = None) -> None:
    """Due-soon, overdue and both escalations of one open step (idempotent: keys carry the due time)."""
    if step.due_at is None or not step.time_limit_minutes:
        return
    code = dossier.agency.code if dossier.agency else None
    lead = timedelta(minutes=step.time_limit_minutes) * due_soon_fraction(code)
    stamp = _stamp(step.due_at)
    moments = {"step_due_soon": moment_left(cal, base or step_base(step, dossier), step.due_at, lead),
               "step_overdue": step.due_at}
    for kind, delay in escalation_delays(code).items():
        moments[kind] = add_working_time(cal, step.due_at, delay)
    payload = {"due_at": step.due_at.isoformat()}
    due_work.schedule_many(session=session, now=now, items=[
        {"kind": kind, "due_at": at, "dedupe_key": f"step:{step.id}:{kind}@{stamp}", "dossier_id": dossier.id,
         "step_id": step.id, "payload": payload} for kind, at in moments.items()])


def schedule_dossier(*, session: Session, dossier: Dossier, cal: WorkingCalendar, now: datetime) -> None:
    """The dossier's own overdue item and the last day for an extension."""
    if dossier.due_at is None:
        return
    stamp = _stamp(dossier.due_at)
    payload = {"due_at": dossier.due_at.isoformat()}
    items = [{"kind": "dossier_overdue", "due_at": dossier.due_at, "payload": payload, "dossier_id": dossier.id,
              "dedupe_key": f"dossier:{dossier.id}:overdue@{stamp}"}]
    if dossier.extended_at is None:
        apology_at = moment_left(cal, max(now, dossier.counting_from), dossier.due_at, ONE_WORKING_DAY)
        items.append({"kind": "apology_deadline", "due_at": apology_at, "payload": payload, "dossier_id": dossier.id,
                      "dedupe_key": f"dossier:{dossier.id}:apology@{stamp}"})
    due_work.schedule_many(session=session, items=items, now=now)


def schedule_timer(*, session: Session, dossier: Dossier, at: datetime | None, now: datetime) -> None:
    if at is None or dossier.status in CLOSED_STATUSES or dossier.status == DossierStatus.PAUSED:
        return
    due_work.schedule(session=session, kind="bpmn_timer", due_at=at, dossier_id=dossier.id, now=now,
                      dedupe_key=f"dossier:{dossier.id}:timer@{at.astimezone(LOCAL_TZ):%Y%m%dT%H%M%S}")


def open_steps_of(session: Session, dossier_id: int) -> list[Step]:
    return list(session.scalars(select(Step).where(Step.dossier_id == dossier_id, Step.status.in_(OPEN_STATUSES))
                                .order_by(Step.id)))
