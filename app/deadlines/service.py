"""Deadlines: every counted step and every dossier gets due work at the right working-time moments.

Rules kept here (domain.md, "Counting time"):

- **At activation** a step with a time limit gets four due items (``app.scheduler.due_work``): ``step_due_soon``
  when ``DUE_SOON_FRACTION`` (default 25 %) of its working time is left, ``step_overdue`` at its due time and
  ``escalate_unit_leader`` / ``escalate_agency_leader`` after ``ESCALATION_DELAYS`` of working time past it.
  A dossier gets ``dossier_overdue`` and ``apology_deadline`` (one working day before its deadline: the last
  moment an extension may be recorded), and ``bpmn_timer`` when the engine waits on a timer.
- **Dedupe keys carry the due time** (``step:12:overdue@202603021700``): scheduling twice is one row, and a
  due time moved by a pause gets fresh rows while the cancelled ones keep their keys.
- **Pause** (``pausePolicy`` process property, default ``pause``): at resume every open step's due time and
  the dossier's move by the working time paused. **Restart**: the open steps count their full time again
  from the resume, and the dossier's due time moves as far as the latest step's did. While paused no step
  can be completed and no due work is pending.
- **Extension with apology** (form 04): once per dossier, at the latest one working day before the current
  deadline, to a later date; the dossier's result is then judged against the new date.
- **Results**: time used is working time from activation (or the dossier's counting start) to completion,
  minus ``paused_minutes``; early / on time / late comes from ``classify_completion`` on the moved due time.

Keyword-only functions given the session and ``now``; they flush and never commit.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import engine
from app.audit import service as audit
from app.calendar import (
    WorkingCalendar,
    add_working_time,
    parse_working_duration,
    shift_for_pause,
    working_time_between,
)
from app.calendar.service import calendar_for
from app.deadlines.models import DossierPause
from app.dossiers.models import CLOSED_STATUSES, OPEN_STATUSES, Dossier, Step
from app.errors import Conflict, Forbidden, Unprocessable
from app.org.models import Agency, Officer, OfficerRole, OfficerUnit, Unit
from app.org.tree import unit_edges
from app.scheduler import due_work

DEFAULT_DUE_SOON_FRACTION = 0.25
DEFAULT_ESCALATION_DELAYS = {"escalate_unit_leader": "PT4H", "escalate_agency_leader": "P1D"}
STEP_KINDS = ("step_due_soon", "step_overdue", "escalate_unit_leader", "escalate_agency_leader")
DOSSIER_KINDS = ("dossier_overdue", "apology_deadline", "bpmn_timer")
ONE_WORKING_DAY = timedelta(hours=8)
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


# --- configuration ------------------------------------------------------------------------------------

def _config(key: str, default: Any) -> Any:
    return current_app.config.get(key, default) if has_app_context() else default


def _per_agency(value: Any, agency_code: str | None, default: Any) -> Any:
    """A setting given once or as ``{agency_code: value, "default": value}``."""
    if isinstance(value, dict) and not set(value) <= set(DEFAULT_ESCALATION_DELAYS):
        return value.get(agency_code, value.get("default", default))
    return value


def due_soon_fraction(agency_code: str | None = None) -> float:
    return float(_per_agency(_config("DUE_SOON_FRACTION", DEFAULT_DUE_SOON_FRACTION), agency_code,
                             DEFAULT_DUE_SOON_FRACTION))


def escalation_delays(agency_code: str | None = None) -> dict[str, timedelta]:
    raw = _per_agency(_config("ESCALATION_DELAYS", DEFAULT_ESCALATION_DELAYS), agency_code,
                      DEFAULT_ESCALATION_DELAYS)
    return {kind: parse_working_duration(text) for kind, text in raw.items()}


def local(moment: datetime) -> str:
    """``hh:mm dd/mm/yyyy (+07:00)`` as notices write times."""
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M %d/%m/%Y (+07:00)")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%Y%m%dT%H%M")


def _minutes(value: timedelta) -> int:
    return int(value.total_seconds() // 60)


def pause_policy(dossier: Dossier) -> str:
    """``pause`` (default) or ``restart``, from the BPMN process property ``pausePolicy``."""
    from app.dossiers.service import compiled_of

    value = (compiled_of(dossier.version).properties.get("pausePolicy") or "pause").strip().lower()
    return "restart" if value == "restart" else "pause"


# --- moments ------------------------------------------------------------------------------------------

def moment_left(cal: WorkingCalendar, base: datetime, due: datetime, left: timedelta) -> datetime:
    """The moment at or after ``base`` when ``left`` working time remains before ``due`` (``base`` if already)."""
    total = working_time_between(cal, base, due)
    if total <= left:
        return base
    return add_working_time(cal, base, total - left)


def _step_base(step: Step, dossier: Dossier) -> datetime:
    return max(step.started_at, dossier.counting_from)


def schedule_step(*, session: Session, dossier: Dossier, step: Step, cal: WorkingCalendar, now: datetime,
                  base: datetime | None = None) -> None:
    """Due-soon, overdue and both escalations of one open step (idempotent: keys carry the due time)."""
    if step.due_at is None or not step.time_limit_minutes:
        return
    code = dossier.agency.code if dossier.agency else None
    lead = timedelta(minutes=step.time_limit_minutes) * due_soon_fraction(code)
    stamp = _stamp(step.due_at)
    moments = {"step_due_soon": moment_left(cal, base or _step_base(step, dossier), step.due_at, lead),
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
    if at is None or dossier.status in CLOSED_STATUSES or dossier.status == "paused":
        return
    due_work.schedule(session=session, kind="bpmn_timer", due_at=at, dossier_id=dossier.id, now=now,
                      dedupe_key=f"dossier:{dossier.id}:timer@{at.astimezone(LOCAL_TZ):%Y%m%dT%H%M%S}")


def _open_steps(session: Session, dossier_id: int) -> list[Step]:
    return list(session.scalars(select(Step).where(Step.dossier_id == dossier_id, Step.status.in_(OPEN_STATUSES))
                                .order_by(Step.id)))


# --- hooks called by app.dossiers.service ----------------------------------------------------------------

def on_dossier_started(*, session: Session, dossier: Dossier, now: datetime) -> None:
    """At reception: the dossier's overdue and apology-deadline work."""
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
    if dossier.status == "paused":
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
    if dossier.status == "paused":
        raise Conflict("Hồ sơ đang tạm dừng; tiếp tục hồ sơ trước khi hoàn thành bước.", code="dossier_paused",
                       detail_en="The dossier is paused; resume it before completing a step.")
    cal = cal or calendar_for(session, dossier.agency_id, now)
    used = working_time_between(cal, _step_base(step, dossier), now)
    step.used_minutes = max(_minutes(used) - (step.paused_minutes or 0), 0)
    due_work.cancel(session=session, step_id=step.id, now=now)


def on_dossier_finished(*, session: Session, dossier: Dossier, now: datetime,
                        cal: WorkingCalendar | None = None) -> None:
    """The dossier ended (finished, withdrawn, stopped): time used, and nothing left to fire."""
    if dossier.status == "finished":
        cal = cal or calendar_for(session, dossier.agency_id, now)
        used = working_time_between(cal, dossier.counting_from, now)
        dossier.used_minutes = max(_minutes(used) - (dossier.paused_minutes or 0), 0)
    due_work.cancel(session=session, dossier_id=dossier.id, now=now)


# --- organisation lookups -------------------------------------------------------------------------------

def _leaders_in(session: Session, unit_ids: list[int]) -> list[Officer]:
    if not unit_ids:
        return []
    return list(session.scalars(select(Officer).where(
        Officer.is_active.is_(True),
        Officer.id.in_(select(OfficerUnit.officer_id).where(OfficerUnit.unit_id.in_(unit_ids))),
        Officer.id.in_(select(OfficerRole.officer_id).where(OfficerRole.role == "leader"))).order_by(Officer.id)))


def _ancestor_unit_ids(session: Session, unit_id: int) -> list[int]:
    """The unit's parents upwards (``units.parent_id``: a division's leadership unit, then the agency's)."""
    parent_of = dict(unit_edges(session))
    chain, current = [], parent_of.get(unit_id)
    while current is not None and current not in chain:
        chain.append(current)
        current = parent_of.get(current)
    return chain


def unit_leaders(session: Session, unit: Unit | None) -> list[Officer]:
    """Leaders of a unit: officers with role leader in it, else in the nearest unit above it that has some."""
    if unit is None:
        return []
    for candidate in [unit.id, *_ancestor_unit_ids(session, unit.id)]:
        found = _leaders_in(session, [candidate])
        if found:
            return found
    return agency_leaders(session, unit.agency)


def _agency_board_ids(session: Session, agency_id: int) -> list[int]:
    """The agency's top leadership units (kind ``leadership`` with no parent unit)."""
    return list(session.scalars(select(Unit.id).where(Unit.agency_id == agency_id, Unit.kind == "leadership",
                                                      Unit.parent_id.is_(None))))


def agency_leaders(session: Session, agency: Agency | None) -> list[Officer]:
    """Leaders of the agency's top leadership unit, else of the nearest parent agency that has one."""
    seen: set[int] = set()
    while agency is not None and agency.id not in seen:
        seen.add(agency.id)
        found = _leaders_in(session, _agency_board_ids(session, agency.id))
        if found:
            return found
        agency = agency.parent
    return []


def reception_unit(session: Session, dossier: Dossier) -> Unit | None:
    """The one-stop desk that received the dossier: the unit of its first step."""
    first = session.scalar(select(Step).where(Step.dossier_id == dossier.id, Step.previous_step_id.is_(None))
                           .order_by(Step.id).limit(1))
    return first.unit if first else None


def deciding_unit_ids(session: Session, dossier: Dossier) -> set[int]:
    """Units that may extend: those holding an open step and the units above them, and the deciding agency's
    top leadership unit."""
    holding = {row.unit_id for row in _open_steps(session, dossier.id) if row.unit_id is not None}
    above = {uid for unit_id in holding for uid in _ancestor_unit_ids(session, unit_id)}
    return holding | above | set(_agency_board_ids(session, dossier.agency_id))


# --- pause and resume -----------------------------------------------------------------------------------

def current_pause(session: Session, dossier_id: int) -> DossierPause | None:
    return session.scalar(select(DossierPause).where(DossierPause.dossier_id == dossier_id,
                                                     DossierPause.resumed_at.is_(None)).limit(1))


def pauses_of(session: Session, dossier_id: int) -> list[DossierPause]:
    return list(session.scalars(select(DossierPause).where(DossierPause.dossier_id == dossier_id)
                                .order_by(DossierPause.id)))


def pause(*, session: Session, dossier_id: int, officer: Officer, kind: str, reason: str, now: datetime,
          if_match: int | None = None) -> Dossier:
    """Stop the clock (tạm dừng): waiting for the applicant's supplement (form 02) or a verification."""
    from app.dossiers.service import lock

    dossier = lock(session=session, dossier_id=dossier_id, if_match=if_match)
    if dossier.status in CLOSED_STATUSES:
        raise Conflict(f"Hồ sơ đã kết thúc ({dossier.status}); không tạm dừng được.", code="dossier_closed",
                       detail_en=f"The dossier is {dossier.status}; it cannot be paused.")
    if dossier.status == "paused":
        raise Conflict("Hồ sơ đang tạm dừng.", code="dossier_paused", detail_en="The dossier is already paused.")
    if dossier.status == "incident":
        raise Conflict("Hồ sơ đang có sự cố.", code="dossier_incident", detail_en="The dossier has an incident.")
    policy = pause_policy(dossier)
    session.add(DossierPause(dossier_id=dossier.id, kind=kind, reason=reason, policy=policy,
                             status_before=dossier.status, paused_at=now, paused_by_id=officer.id))
    before = dossier.status
    dossier.status = "paused"
    due_work.cancel(session=session, dossier_id=dossier.id, now=now)
    audit.record(session=session, actor=officer, action="dossier.pause", object_type="dossier", object_id=dossier.id,
                 summary=f"{dossier.code}: tạm dừng ({kind}): {reason}", before={"status": before},
                 after={"status": "paused", "kind": kind, "policy": policy}, now=now)
    session.flush()
    return dossier


def resume(*, session: Session, dossier_id: int, officer: Officer, now: datetime, note: str | None = None,
           if_match: int | None = None) -> Dossier:
    """Restart the clock: move due times (pause policy) or count the steps' time again (restart policy)."""
    from app.dossiers.service import lock, next_timer_at

    dossier = lock(session=session, dossier_id=dossier_id, if_match=if_match)
    record = current_pause(session, dossier.id)
    if dossier.status != "paused" or record is None:
        raise Conflict("Hồ sơ không ở trạng thái tạm dừng.", code="dossier_not_paused",
                       detail_en="The dossier is not paused.")
    cal = calendar_for(session, dossier.agency_id, now)
    paused = working_time_between(cal, record.paused_at, now)
    steps = _open_steps(session, dossier.id)
    before_due = dossier.due_at
    shift = paused
    if record.policy == "restart":
        moved = timedelta(0)
        for step in steps:
            if step.due_at is None or not step.time_limit_minutes:
                continue
            new_due = add_working_time(cal, now, timedelta(minutes=step.time_limit_minutes))
            moved = max(moved, working_time_between(cal, step.due_at, new_due))
            step.paused_minutes = _minutes(working_time_between(cal, _step_base(step, dossier), now))
            step.due_at = new_due
        shift = moved if any(s.due_at is not None for s in steps) else paused
    else:
        for step in steps:
            if step.due_at is not None:
                step.due_at = shift_for_pause(cal, step.due_at, record.paused_at, now)
            step.paused_minutes = (step.paused_minutes or 0) + _minutes(paused)
    for step in steps:
        if step.due_at is not None and step.due_at > now:
            step.overdue_at = None
    if dossier.due_at is not None:
        dossier.due_at = add_working_time(cal, dossier.due_at, shift)
        if dossier.due_at > now:
            dossier.overdue_at = None
    dossier.paused_minutes = (dossier.paused_minutes or 0) + _minutes(shift)
    record.resumed_at, record.resumed_by_id, record.shifted_minutes = now, officer.id, _minutes(shift)
    dossier.status = record.status_before
    session.flush()
    for step in steps:
        schedule_step(session=session, dossier=dossier, step=step, cal=cal, now=now, base=now)
    schedule_dossier(session=session, dossier=dossier, cal=cal, now=now)
    schedule_timer(session=session, dossier=dossier, at=next_timer_at(dossier), now=now)
    audit.record(session=session, actor=officer, action="dossier.resume", object_type="dossier",
                 object_id=dossier.id, summary=f"{dossier.code}: tiếp tục xử lý{': ' + note if note else ''}",
                 before={"status": "paused", "due_at": before_due.isoformat() if before_due else None},
                 after={"status": dossier.status, "policy": record.policy, "shifted_minutes": _minutes(shift),
                        "due_at": dossier.due_at.isoformat() if dossier.due_at else None}, now=now)
    session.flush()
    return dossier


# --- extension with apology (form 04) -----------------------------------------------------------------------

def apology_text(dossier: Dossier, reason: str, new_due: datetime) -> str:
    return (f"{dossier.agency.name} xin lỗi Ông/Bà {dossier.applicant.get('name', '')} vì hồ sơ {dossier.code} "
            f"chưa giải quyết được đúng hạn ({local(dossier.due_at)}). Lý do: {reason}. "
            f"Thời hạn trả kết quả được hẹn lại vào {local(new_due)}. Mong Ông/Bà thông cảm.")


def extend(*, session: Session, dossier_id: int, officer: Officer, reason: str, new_due_at: datetime,
           now: datetime, if_match: int | None = None) -> Dossier:
    """Record the one extension of a dossier with its apology (Mẫu 04) and tell the one-stop desk."""
    from app.dossiers.service import lock
    from app.notifications.service import notify

    dossier = lock(session=session, dossier_id=dossier_id, if_match=if_match)
    if dossier.status in CLOSED_STATUSES:
        raise Conflict(f"Hồ sơ đã kết thúc ({dossier.status}).", code="dossier_closed",
                       detail_en=f"The dossier is {dossier.status}.")
    if not officer.has_role("leader") or not ({u.id for u in officer.units} & deciding_unit_ids(session, dossier)):
        raise Forbidden("Chỉ lãnh đạo đơn vị đang giữ hồ sơ hoặc đơn vị quyết định được gia hạn.", code="forbidden",
                        detail_en="Only a leader of a unit holding the dossier, or of the deciding unit, may extend.")
    if dossier.extended_at is not None:
        raise Conflict("Hồ sơ đã được gia hạn một lần; chỉ được hẹn lại một lần.", code="already_extended",
                       detail_en="The dossier was already extended; the new date may be set once.")
    if dossier.due_at is None:
        raise Conflict("Hồ sơ không có thời hạn.", code="no_deadline", detail_en="The dossier has no deadline.")
    cal = calendar_for(session, dossier.agency_id, now)
    if working_time_between(cal, now, dossier.due_at) < ONE_WORKING_DAY:
        latest = moment_left(cal, dossier.counting_from, dossier.due_at, ONE_WORKING_DAY)
        raise Unprocessable(
            f"Quá muộn để gia hạn: phải ghi nhận chậm nhất 01 ngày làm việc trước hạn ({local(dossier.due_at)}), "
            f"tức trước {local(latest)}.", code="extension_too_late",
            detail_en=f"Too late: an extension must be recorded at least one working day before the deadline "
                      f"({local(dossier.due_at)}), i.e. by {local(latest)}.",
            errors={"new_due_at": ["Quá thời điểm được gia hạn."]})
    if new_due_at <= dossier.due_at:
        raise Unprocessable(f"Ngày hẹn mới phải sau thời hạn hiện tại ({local(dossier.due_at)}).",
                            code="extension_not_later", detail_en="The new date must be after the current deadline.",
                            errors={"new_due_at": ["Phải sau thời hạn hiện tại."]})
    text = apology_text(dossier, reason, new_due_at)
    old_due = dossier.due_at
    dossier.due_before_extension, dossier.due_at = old_due, new_due_at
    dossier.extended_due_at, dossier.extended_at, dossier.extended_by_id = new_due_at, now, officer.id
    dossier.extension_reason, dossier.apology_text = reason, text
    if new_due_at > now:
        dossier.overdue_at = None
    due_work.cancel(session=session, dossier_id=dossier.id, kinds=("dossier_overdue", "apology_deadline"), now=now)
    if dossier.status != "paused":
        schedule_dossier(session=session, dossier=dossier, cal=cal, now=now)
    desk = reception_unit(session, dossier)
    if desk is not None:
        notify(session=session, now=now, kind="dossier_extended", unit_id=desk.id, dossier_id=dossier.id,
               dedupe_key=f"dossier:{dossier.id}:extended", text=f"Hồ sơ {dossier.code} được gia hạn đến "
               f"{local(new_due_at)}; gửi Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04) cho người nộp. {text}")
    audit.record(session=session, actor=officer, action="dossier.extend", object_type="dossier", object_id=dossier.id,
                 summary=f"{dossier.code}: gia hạn đến {local(new_due_at)}: {reason}",
                 before={"due_at": old_due.isoformat()}, after={"due_at": new_due_at.isoformat(), "reason": reason},
                 now=now)
    session.flush()
    return dossier


# --- what screens show -----------------------------------------------------------------------------------

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
    paused = dossier.status == "paused"
    at = (current_pause(session, dossier.id).paused_at if paused else now)
    used = max(_minutes(working_time_between(cal, _step_base(step, dossier), at)) - (step.paused_minutes or 0), 0)
    if step.due_at is None:
        return {"time_used_minutes": used, "remaining_minutes": None,
                "status": "paused" if paused else "on_track", "overdue_at": None}
    remaining = working_time_between(cal, at, step.due_at)
    lead = timedelta(minutes=step.time_limit_minutes or 0) * due_soon_fraction(dossier.agency.code)
    status = "paused" if paused else _status(now=now, due=step.due_at, remaining=remaining, lead=lead,
                                                         marked=step.overdue_at)
    return {"time_used_minutes": used, "remaining_minutes": _minutes(remaining), "status": status,
            "overdue_at": step.overdue_at}


def dossier_view(*, session: Session, dossier: Dossier, now: datetime, cal: WorkingCalendar) -> dict[str, Any]:
    if dossier.status in CLOSED_STATUSES:
        return {"time_used_minutes": dossier.used_minutes, "remaining_minutes": None, "status": None,
                "overdue_at": dossier.overdue_at}
    paused = dossier.status == "paused"
    record = current_pause(session, dossier.id) if paused else None
    at = record.paused_at if record else now
    used = max(_minutes(working_time_between(cal, dossier.counting_from, at)) - (dossier.paused_minutes or 0), 0)
    if dossier.due_at is None:
        return {"time_used_minutes": used, "remaining_minutes": None, "status": "paused" if paused else "on_track",
                "overdue_at": None}
    remaining = working_time_between(cal, at, dossier.due_at)
    total = working_time_between(cal, dossier.counting_from, dossier.due_at)
    status = "paused" if paused else _status(now=now, due=dossier.due_at, remaining=remaining,
                                             lead=total * due_soon_fraction(dossier.agency.code),
                                             marked=dossier.overdue_at)
    return {"time_used_minutes": used, "remaining_minutes": _minutes(remaining), "status": status,
            "overdue_at": dossier.overdue_at}


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
