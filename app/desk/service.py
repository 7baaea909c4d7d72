"""Form 02: ask the applicant to supplement the dossier, and take the supplement; forms 04 and 05 as printed.

Rules:

- A request names what is missing: components of the dossier's procedure (by key, their names kept as they
  were) and/or free-text items; at least one. Asking pauses the dossier (``app.flows`` does both in one
  transaction); a closed, paused or broken dossier cannot be asked (409, nothing changed).
- The answer is the supplement: every component the request names must have a current document uploaded
  since the request (422 ``supplement_incomplete`` naming what is still missing). Answering resumes the
  dossier; the request keeps who answered, when, and a note.
- One open request per dossier: the pause is its pause, and a plain resume of it is refused (409
  ``supplement_open``) so a request never stays open on a dossier that moved on.

Keyword-only functions given the session and ``now``; they flush and never commit.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.desk.models import SupplementRequest
from app.documents import service as documents
from app.dossiers.models import Dossier, DossierStatus
from app.errors import Conflict, NotFound, Unprocessable
from app.org.models import Officer


def open_request(*, session: Session, dossier_id: int) -> SupplementRequest | None:
    return session.scalar(select(SupplementRequest).where(SupplementRequest.dossier_id == dossier_id,
                                                          SupplementRequest.answered_at.is_(None)))


def list_for(*, session: Session, dossier_id: int) -> list[SupplementRequest]:
    return list(session.scalars(select(SupplementRequest).where(SupplementRequest.dossier_id == dossier_id)
                                .order_by(SupplementRequest.id)))


def get(*, session: Session, dossier_id: int, request_id: int) -> SupplementRequest:
    """A request of this dossier (another dossier's id is the same 404 as none)."""
    found = session.get(SupplementRequest, request_id)
    if found is None or found.dossier_id != dossier_id:
        raise NotFound(f"Hồ sơ không có phiếu yêu cầu bổ sung {request_id}.",
                       detail_en=f"The dossier has no supplement request {request_id}.")
    return found


def check_no_open_request(*, session: Session, dossier: Dossier) -> None:
    """A paused dossier waiting for a supplement is resumed by the supplement, not by a plain resume."""
    found = open_request(session=session, dossier_id=dossier.id)
    if found is not None:
        raise Conflict(f"Hồ sơ đang chờ bổ sung theo phiếu số {found.number}/{found.year}; tiếp nhận phần bổ sung "
                       "để tiếp tục giải quyết.", code="supplement_open",
                       detail_en=f"The dossier waits for the supplement of request {found.number}/{found.year}; "
                                 "take the supplement to resume it.", request_id=found.id)


def missing_items(dossier: Dossier, component_keys: Sequence[str], items: Sequence[str]) -> list[dict[str, Any]]:
    """The request's components as they are declared now (422 for a key the procedure lacks, or nothing asked)."""
    if not component_keys and not [text for text in items if text.strip()]:
        raise Unprocessable("Phiếu yêu cầu bổ sung phải ghi rõ thành phần hoặc nội dung cần bổ sung.",
                            code="supplement_empty", detail_en="Say which components or items are to be supplemented.")
    return [{"key": key, "name": documents.component_of(dossier, key)["name"]} for key in dict.fromkeys(component_keys)]


def create(*, session: Session, dossier: Dossier, officer: Officer, components: list[dict[str, Any]],
           items: Sequence[str], reason: str, pause_id: int, now: datetime, year: int) -> SupplementRequest:
    """Number and record the request (the dossier is locked and paused by the caller)."""
    last = session.scalar(select(func.max(SupplementRequest.number)).where(
        SupplementRequest.agency_id == dossier.agency_id, SupplementRequest.year == year)) or 0
    request = SupplementRequest(dossier_id=dossier.id, agency_id=dossier.agency_id, year=year, number=last + 1,
                                pause_id=pause_id, components=components,
                                items=[text.strip() for text in items if text.strip()], reason=reason,
                                requested_at=now, requested_by_id=officer.id)
    session.add(request)
    session.flush()
    audit.record(session=session, actor=officer, action="dossier.supplement_request", object_type="dossier",
                 object_id=dossier.id, summary=f"{dossier.code}: phiếu yêu cầu bổ sung số {request.number}/{year}",
                 after={"request_id": request.id, "components": [c["key"] for c in components],
                        "items": request.items}, now=now)
    return request


def check_answer(*, session: Session, dossier: Dossier, request: SupplementRequest) -> None:
    """Every component the request names has a document uploaded since it was asked."""
    if request.answered_at is not None:
        raise Conflict("Phiếu yêu cầu bổ sung này đã được đáp ứng.", code="supplement_answered",
                       detail_en="This supplement request is answered already.")
    current = documents.current_of(documents.list_for(session=session, dossier_id=dossier.id))
    missing = [c for c in request.components
               if c["key"] not in current or current[c["key"]].uploaded_at < request.requested_at]
    if missing:
        raise Unprocessable("Chưa nhận đủ phần bổ sung: " + "; ".join(c["name"] for c in missing) + ".",
                            code="supplement_incomplete",
                            detail_en="Not supplemented yet: " + "; ".join(f"{c['name']} ({c['key']})" for c in missing) + ".",
                            errors={"components": [c["key"] for c in missing]})


def answer(*, session: Session, dossier: Dossier, request: SupplementRequest, officer: Officer, note: str | None,
           now: datetime) -> SupplementRequest:
    request.answered_at, request.answered_by_id, request.answer_note = now, officer.id, note
    audit.record(session=session, actor=officer, action="dossier.supplement_answer", object_type="dossier",
                 object_id=dossier.id, summary=f"{dossier.code}: nhận bổ sung theo phiếu số "
                                               f"{request.number}/{request.year}",
                 after={"request_id": request.id, "note": note}, now=now)
    session.flush()
    return request


def form_02(request: SupplementRequest, dossier: Dossier) -> dict[str, Any]:
    """Form 02 as the desk prints it: number, place and date, to whom, for which procedure, what is missing."""
    return {"request": request, "number": f"{request.number}/{request.year}", "agency": dossier.agency.name,
            "code": dossier.code, "applicant": dossier.applicant, "procedure": dossier.version.definition.name,
            "received_at": dossier.received_at, "components": request.components, "items": request.items,
            "reason": request.reason, "requested_at": request.requested_at,
            "requested_by": request.requested_by.full_name if request.requested_by else None,
            "answered_at": request.answered_at}


def _never(what: str, what_en: str) -> NotFound:
    return NotFound(f"Hồ sơ không có {what}.", code="no_such_event", detail_en=f"The dossier has no {what_en}.")


def form_04(dossier: Dossier) -> dict[str, Any]:
    """Form 04 (phiếu xin lỗi và hẹn lại ngày trả kết quả), from the dossier's one extension."""
    if dossier.extended_at is None:
        raise _never("gia hạn (phiếu xin lỗi và hẹn lại ngày trả kết quả)", "extension (form 04)")
    return {"code": dossier.code, "agency": dossier.agency.name, "applicant": dossier.applicant,
            "procedure": dossier.version.definition.name, "received_at": dossier.received_at,
            "due_before": dossier.due_before_extension, "new_due_at": dossier.extended_due_at,
            "reason": dossier.extension_reason, "apology": dossier.apology_text, "issued_at": dossier.extended_at,
            "issued_by": dossier.extended_by.full_name if dossier.extended_by else None}


def form_05(dossier: Dossier) -> dict[str, Any]:
    """Form 05 (thông báo dừng xử lý hồ sơ), from the dossier's stop."""
    if dossier.status != DossierStatus.STOPPED:
        raise _never("thông báo dừng xử lý", "stop (form 05)")
    return {"code": dossier.code, "agency": dossier.agency.name, "applicant": dossier.applicant,
            "procedure": dossier.version.definition.name, "received_at": dossier.received_at,
            "reason": dossier.close_reason, "issued_at": dossier.closed_at}


def form_03(dossier: Dossier, secret: str | None = None) -> dict[str, Any]:
    """Form 03 (phiếu từ chối tiếp nhận giải quyết hồ sơ), from a refused dossier (404 for any other)."""
    if dossier.status != DossierStatus.REFUSED:
        raise _never("phiếu từ chối tiếp nhận", "refusal (form 03)")
    definition = dossier.version.definition
    return {"id": dossier.id, "code": dossier.code, "agency": dossier.agency.name, "applicant": dossier.applicant,
            "procedure": definition.name, "procedure_code": definition.code, "documents": dossier.documents,
            "reason": dossier.close_reason, "refused_at": dossier.closed_at,
            "refused_by": dossier.received_by.full_name if dossier.received_by else None, "lookup_secret": secret}
