"""The one extension with apology a dossier may get (form 04), at the latest a working day before its deadline.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.audit import service as audit
from app.calendar import (
    working_time_between,
)
from app.calendar.service import calendar_for
from app.deadlines.planning import ONE_WORKING_DAY, local, moment_left, schedule_dossier
from app.deadlines.recipients import deciding_unit_ids, reception_unit
from app.dossiers.models import CLOSED_STATUSES, Dossier, DossierStatus
from app.errors import Conflict, Forbidden, Unprocessable
from app.notifications.service import notify
from app.org.models import Officer
from app.scheduler import due_work


def apology_text(dossier: Dossier, reason: str, new_due: datetime) -> str:
    return (f"{dossier.agency.name} xin lỗi Ông/Bà {dossier.applicant.get('name', '')} vì hồ sơ {dossier.code} "
            f"chưa giải quyết được đúng hạn ({local(dossier.due_at)}). Lý do: {reason}. "
            f"Thời hạn trả kết quả được hẹn lại vào {local(new_due)}. Mong Ông/Bà thông cảm.")


def extend(*, session: Session, dossier: Dossier, officer: Officer, reason: str, new_due_at: datetime,
           now: datetime) -> Dossier:
    """Record the one extension of a dossier with its apology (Mẫu 04) and tell the one-stop desk.

    ``dossier`` is locked by the caller (:func:`app.flows.extend`).
    """
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
    if dossier.status != DossierStatus.PAUSED:
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
