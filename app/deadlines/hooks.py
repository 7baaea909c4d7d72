"""What deadlines does when a dossier's life moves: the :class:`app.dossiers.lifecycle.Lifecycle` it implements.

``app.flows`` passes this module as the listener wherever it moves a dossier (BPMN timers included).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app import engine
from app.calendar import (
    WorkingCalendar,
    working_time_between,
)
from app.calendar.service import calendar_for
from app.deadlines.planning import (
    schedule_dossier,
    schedule_step,
    schedule_timer,
    step_base,
    working_minutes,
)
from app.dossiers.models import Dossier, DossierStatus, Step
from app.errors import Conflict
from app.scheduler import due_work


def on_dossier_started(*, session: Session, dossier: Dossier, now: datetime) -> None:
    """At reception: the dossier's overdue and apology-deadline work."""
    schedule_dossier(session=session, dossier=dossier, cal=calendar_for(session, dossier.agency_id, now), now=now)


def on_dossier_transferred(*, session: Session, dossier: Dossier, now: datetime) -> None:
    """Transferred: nothing of the old procedure fires any more; the new due date's work is planned."""
    due_work.cancel(session=session, dossier_id=dossier.id, now=now)
    schedule_dossier(session=session, dossier=dossier, cal=calendar_for(session, dossier.agency_id, now), now=now)


def on_steps_projected(*, session: Session, dossier: Dossier, created: list[Step], wf: engine.Workflow,
                       now: datetime, closed: list[Step] = (), cal: WorkingCalendar | None = None) -> None:
    """After the engine moved: schedule the new steps, drop the work of ``closed`` ones, the next BPMN timer.

    ``closed`` are the open steps the engine stopped waiting on (a boundary timer interrupted them); a
    completed step's work was dropped by :func:`on_step_completed`, a closed dossier's by
    :func:`on_dossier_finished`.
    """
    if closed:
        due_work.cancel(session=session, step_ids=[row.id for row in closed], now=now)
    if dossier.status == DossierStatus.PAUSED:
        return
    if created:
        cal = cal or calendar_for(session, dossier.agency_id, now)
        for step in created:
            schedule_step(session=session, dossier=dossier, step=step, cal=cal, now=now)
    timers = engine.waiting_timers(wf)
    schedule_timer(session=session, dossier=dossier, at=timers[0].due_at if timers else None, now=now)


def on_step_completed(*, session: Session, dossier: Dossier, step: Step, now: datetime,
                      cal: WorkingCalendar | None = None) -> None:
    """A step was completed: refuse while paused, record time used, cancel its due work."""
    if dossier.status == DossierStatus.PAUSED:
        raise Conflict("Hồ sơ đang tạm dừng; tiếp tục hồ sơ trước khi hoàn thành bước.", code="dossier_paused",
                       detail_en="The dossier is paused; resume it before completing a step.")
    cal = cal or calendar_for(session, dossier.agency_id, now)
    used = working_time_between(cal, step_base(step, dossier), now)
    step.used_minutes = max(working_minutes(used) - (step.paused_minutes or 0), 0)
    due_work.cancel(session=session, step_id=step.id, now=now)


def on_dossier_finished(*, session: Session, dossier: Dossier, now: datetime,
                        cal: WorkingCalendar | None = None) -> None:
    """The dossier ended (finished, withdrawn, stopped): time used, and nothing left to fire."""
    if dossier.status == DossierStatus.FINISHED:
        cal = cal or calendar_for(session, dossier.agency_id, now)
        used = working_time_between(cal, dossier.counting_from, now)
        dossier.used_minutes = max(working_minutes(used) - (dossier.paused_minutes or 0), 0)
    due_work.cancel(session=session, dossier_id=dossier.id, now=now)
