"""Due-work handlers of deadlines, registered on import (``app.deadlines.routes`` imports this module).

Each handler re-reads the row it is about and does nothing when the work went stale (the step was completed,
the dossier paused, finished or extended, the due time moved): cancelling is best effort, the check here is
the guarantee. Every notice goes through ``notifications.service.notify`` with a key derived from the due
item's own key, so a rerun (two schedulers, a crash before commit) never makes a second notice.

Tick handlers: ``deadline_digest`` schedules one digest per working day (07:30 local); ``overdue_sweep``
marks open steps past their due time in batches through the partial index ``ix_steps_open_due`` — the
safety net for steps whose due work is missing (activated before this capability existed); it only sets
``overdue_at``, notices come from the due items.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import literal_column, select, update
from sqlalchemy.orm import Session

from app.deadlines.planning import LOCAL_TZ, local, open_steps_of
from app.dossiers.models import CLOSED_STATUSES, OPEN_STATUSES, Dossier, DossierStatus, Step
from app.notifications.service import notify
from app.org.leaders import active_leaders, agency_leaders, unit_leaders
from app.org.models import Officer, OfficerUnit, Unit
from app.org.tree import descendants, unit_edges
from app.scheduler import due_work
from app.scheduler.due_work import ClaimedWork
from app.scheduler.runner import register_tick_handler

DIGEST_AT = time(7, 30)
SWEEP_BATCH = 1000
_OPEN_LITERALS = [literal_column(f"'{status}'") for status in OPEN_STATUSES]  # literals: the partial index applies


def _same(item: ClaimedWork, due: datetime) -> bool:
    """The due time the work was scheduled for is still the row's (a pause or extension moves it)."""
    planned = item.payload.get("due_at")
    return planned is None or datetime.fromisoformat(planned) == due


def _live_step(session: Session, item: ClaimedWork) -> Step | None:
    """The step if its due work still holds: open, dossier not paused, due time unchanged."""
    step = session.get(Step, item.step_id) if item.step_id is not None else None
    if step is None or step.status not in OPEN_STATUSES or step.due_at is None:
        return None
    if step.dossier.status in CLOSED_STATUSES or step.dossier.status == DossierStatus.PAUSED:
        return None
    return step if _same(item, step.due_at) else None


def _live_dossier(session: Session, item: ClaimedWork) -> Dossier | None:
    dossier = session.get(Dossier, item.dossier_id) if item.dossier_id is not None else None
    if dossier is None or dossier.status in CLOSED_STATUSES or dossier.status == DossierStatus.PAUSED or dossier.due_at is None:
        return None
    return dossier if _same(item, dossier.due_at) else None


def _tell(session: Session, item: ClaimedWork, now: datetime, text: str, *, unit_ids=(), officers=(),
          kind: str | None = None) -> None:
    kind = kind or item.kind
    for unit_id in dict.fromkeys(unit_ids):
        if unit_id is not None:
            notify(session=session, now=now, kind=kind, text=text, unit_id=unit_id, dossier_id=item.dossier_id,
                   step_id=item.step_id, dedupe_key=f"notice:{item.dedupe_key}:unit:{unit_id}")
    for officer in {o.id: o for o in officers}.values():
        notify(session=session, now=now, kind=kind, text=text, officer_id=officer.id, dossier_id=item.dossier_id,
               step_id=item.step_id, dedupe_key=f"notice:{item.dedupe_key}:officer:{officer.id}")


def _about(step: Step) -> str:
    return f"hồ sơ {step.dossier.code}, bước “{step.name}”"


def handle_step_due_soon(session: Session, item: ClaimedWork, now: datetime) -> None:
    step = _live_step(session, item)
    if step is None:
        return
    text = f"Sắp đến hạn: {_about(step)} phải hoàn thành trước {local(step.due_at)}."
    if step.assignee is not None:
        _tell(session, item, now, text, officers=[step.assignee])
    else:
        _tell(session, item, now, text, unit_ids=[step.unit_id])


def handle_step_overdue(session: Session, item: ClaimedWork, now: datetime) -> None:
    step = _live_step(session, item)
    if step is None:
        return
    if step.overdue_at is None:
        step.overdue_at = step.due_at
    text = f"Quá hạn: {_about(step)} đã quá thời hạn {local(step.due_at)}."
    _tell(session, item, now, text, unit_ids=[step.unit_id], officers=unit_leaders(session, step.unit))


def handle_escalate_unit_leader(session: Session, item: ClaimedWork, now: datetime) -> None:
    step = _live_step(session, item)
    if step is None:
        return
    text = (f"Nhắc lãnh đạo đơn vị: {_about(step)} ({step.unit.name if step.unit else '-'}) vẫn chưa xong, "
            f"quá hạn từ {local(step.due_at)}.")
    _tell(session, item, now, text, officers=unit_leaders(session, step.unit))


def handle_escalate_agency_leader(session: Session, item: ClaimedWork, now: datetime) -> None:
    step = _live_step(session, item)
    if step is None:
        return
    agency = step.unit.agency if step.unit else step.dossier.agency
    text = (f"Báo cáo lãnh đạo cơ quan: {_about(step)} tại {step.unit.name if step.unit else '-'} quá hạn từ "
            f"{local(step.due_at)} và chưa được xử lý.")
    _tell(session, item, now, text, officers=agency_leaders(session, agency))


def _open_units(session: Session, dossier: Dossier) -> list[int]:
    return [row.unit_id for row in open_steps_of(session, dossier.id) if row.unit_id is not None]


def handle_dossier_overdue(session: Session, item: ClaimedWork, now: datetime) -> None:
    dossier = _live_dossier(session, item)
    if dossier is None:
        return
    if dossier.overdue_at is None:
        dossier.overdue_at = dossier.due_at
    text = f"Hồ sơ {dossier.code} đã quá hạn trả kết quả ({local(dossier.due_at)})."
    _tell(session, item, now, text, unit_ids=_open_units(session, dossier),
          officers=agency_leaders(session, dossier.agency))


def handle_apology_deadline(session: Session, item: ClaimedWork, now: datetime) -> None:
    dossier = _live_dossier(session, item)
    if dossier is None or dossier.extended_at is not None:
        return
    units = _open_units(session, dossier)
    leaders = [leader for unit_id in units for leader in unit_leaders(session, session.get(Unit, unit_id))]
    text = (f"Hồ sơ {dossier.code} hết hạn lúc {local(dossier.due_at)}: nếu không kịp trả kết quả, phải ghi nhận "
            f"gia hạn và gửi Phiếu xin lỗi, hẹn lại ngày trả kết quả (Mẫu 04) ngay bây giờ — chậm nhất 01 ngày "
            f"làm việc trước hạn.")
    _tell(session, item, now, text, unit_ids=units, officers=leaders)


def covered_units(session: Session, leader: Officer) -> list[int]:
    """A leader's units: their own and every unit below them (``units.parent_id``)."""
    own = set(session.scalars(select(OfficerUnit.unit_id).where(OfficerUnit.officer_id == leader.id)))
    return sorted(descendants(unit_edges(session), own))


def handle_deadline_digest(session: Session, item: ClaimedWork, now: datetime) -> None:
    day = datetime.fromisoformat(item.payload["day"]).date()
    end_of_day = datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)
    leaders = active_leaders(session)
    for leader in leaders:
        units = covered_units(session, leader)
        if not units:
            continue
        rows = session.scalars(select(Step).join(Dossier, Dossier.id == Step.dossier_id).where(
            Step.unit_id.in_(units), Step.status.in_(OPEN_STATUSES), Step.due_at.is_not(None),
            Step.due_at < end_of_day, Dossier.status != DossierStatus.PAUSED).order_by(Step.due_at)).all()
        overdue = [row for row in rows if row.due_at <= now]
        today = [row for row in rows if row.due_at > now]
        if not rows:
            continue
        listed = "; ".join(f"{row.dossier.code} – {row.label or row.spec_id} ({local(row.due_at)})" for row in rows[:10])
        notify(session=session, now=now, kind="deadline_digest", officer_id=leader.id,
               dedupe_key=f"deadline_digest:{day.isoformat()}:{leader.id}",
               text=f"Tổng hợp ngày {day:%d/%m/%Y}: {len(overdue)} bước quá hạn, {len(today)} bước đến hạn hôm nay. "
                    f"{listed}")


def schedule_deadline_digest(session: Session, now: datetime) -> int:
    """Tick handler: today's deadline digest, once per working day (idempotent by its key)."""
    from app.calendar.service import calendar_for

    today = now.astimezone(LOCAL_TZ).date()
    if not calendar_for(session, None, now).is_working_day(today):
        return 0
    at = datetime.combine(today, DIGEST_AT, tzinfo=LOCAL_TZ)
    return int(due_work.schedule(session=session, kind="deadline_digest", due_at=at, now=now,
                                 dedupe_key=f"deadline_digest:{today.isoformat()}", payload={"day": today.isoformat()}))


def overdue_sweep_statement(now: datetime, limit: int = SWEEP_BATCH, *, skip_locked: bool = False):
    picked = (select(Step.id).where(Step.status.in_(_OPEN_LITERALS), Step.overdue_at.is_(None), Step.due_at <= now,
                                    Step.dossier_id.not_in(select(Dossier.id).where(
                                        Dossier.status == literal_column("'paused'"))))
              .order_by(Step.due_at).limit(limit))
    if skip_locked:
        picked = picked.with_for_update(skip_locked=True)
    return (update(Step).where(Step.id.in_(picked.scalar_subquery())).values(overdue_at=Step.due_at)
            .returning(Step.id))


def mark_overdue(session: Session, now: datetime, limit: int = SWEEP_BATCH) -> int:
    """Tick handler: mark up to ``limit`` newly overdue open steps (the partial index finds them)."""
    pg = session.get_bind().dialect.name == "postgresql"
    ids = session.execute(overdue_sweep_statement(now, limit, skip_locked=pg),
                          execution_options={"synchronize_session": False}).scalars().all()
    return len(ids)


due_work.register_handler("step_due_soon", handle_step_due_soon)
due_work.register_handler("step_overdue", handle_step_overdue)
due_work.register_handler("escalate_unit_leader", handle_escalate_unit_leader)
due_work.register_handler("escalate_agency_leader", handle_escalate_agency_leader)
due_work.register_handler("dossier_overdue", handle_dossier_overdue)
due_work.register_handler("apology_deadline", handle_apology_deadline)
due_work.register_handler("deadline_digest", handle_deadline_digest)
register_tick_handler("deadline_digest", schedule_deadline_digest)
register_tick_handler("overdue_sweep", mark_overdue)
