"""Public lookup of a dossier's progress by code and lookup secret (or the token of a notice's link).

Rules: an unknown code and a wrong secret give the same 404 problem, and take the same work (the secret's
hash is always compared, against a dummy when the code is unknown, with :func:`hmac.compare_digest`);
the answer carries the state, the current unit names, the appointment and any new date with its reason,
what to supplement, the steps done with their dates and the results — never an officer's name nor the
applicant's own data. What the applicant does (stop the notices, rate) is :mod:`app.flows`' (it locks the dossier).
"""
from __future__ import annotations

import hmac
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.applicant_notices import service as notices
from app.desk import service as desk
from app.documents import service as documents
from app.documents.models import Document
from app.dossiers.codes import hash_secret, link_token_matches
from app.dossiers.models import OPEN_STATUSES, Dossier, StepStatus
from app.errors import NotFound
from app.satisfaction import service as satisfaction

_DUMMY_HASH = hash_secret("no such dossier")


def not_found() -> NotFound:
    return NotFound("Không tìm thấy hồ sơ với mã và mã tra cứu này.", code="not_found",
                    detail_en="No dossier with this code and lookup secret.")


def found(session: Session, code: str, *, secret: str | None = None, token: str | None = None,
          secret_key: str = "") -> Dossier:
    """The dossier this code and secret (or link token) open; the same 404 for every other case."""
    dossier = session.scalar(select(Dossier).where(Dossier.code == code[:64]))
    if not secret and not token:
        raise not_found()
    if token and not secret:
        if dossier is None or not link_token_matches(dossier.code, token, secret_key):
            raise not_found()
        return dossier
    expected = dossier.lookup_secret_hash if dossier is not None else _DUMMY_HASH
    matches = hmac.compare_digest(expected.encode("ascii"), hash_secret(secret or "").encode("ascii"))
    if dossier is None or not matches:
        raise not_found()
    return dossier


def results(*, session: Session, dossier: Dossier) -> list[Document]:
    """The dossier's results (kết quả) and nothing else of its papers: what the applicant downloads."""
    return documents.results_of(session=session, dossier=dossier, released=True)


def result(*, session: Session, dossier: Dossier, document_id: int) -> Document:
    """One result; any other document of the dossier is the same 404 as none."""
    for document in results(session=session, dossier=dossier):
        if document.id == document_id:
            return document
    raise NotFound("Không có kết quả này.", code="not_found", detail_en="No such result.")


def _supplement(session: Session, dossier: Dossier) -> dict[str, Any] | None:
    request = desk.open_request(session=session, dossier_id=dossier.id)
    if request is None:
        return None
    names = [c.get("name") or c.get("key") for c in request.components or []] + list(request.items or [])
    return {"items": names, "reason": request.reason, "requested_at": request.requested_at}


def lookup(*, session: Session, dossier: Dossier) -> dict[str, Any]:
    steps = dossier.steps  # ordered by id (the relationship's order)
    current = sorted({row.unit.name for row in steps if row.status in OPEN_STATUSES and row.unit is not None})
    done = [{"step": row.label, "name": row.name, "unit": row.unit.name if row.unit else None,
             "started_at": row.started_at, "completed_at": row.completed_at, "result": row.result}
            for row in steps if row.status == StepStatus.COMPLETED]
    consent = notices.consent_of(session, dossier.id)
    rating = satisfaction.rating_of(session, dossier.id)
    return {"code": dossier.code, "procedure": dossier.version.definition.name, "agency": dossier.agency.name,
            "status": dossier.status, "received_at": dossier.received_at,
            "due_at": dossier.due_before_extension or dossier.due_at, "new_due_at": dossier.extended_due_at,
            "extension_reason": dossier.extension_reason, "apology": dossier.apology_text,
            "supplement": _supplement(session, dossier),
            "close_reason": dossier.close_reason if dossier.status in ("refused", "stopped") else None,
            "finished_at": dossier.finished_at, "result": dossier.result, "current_units": current,
            "steps_done": done,
            "results": [{"id": d.id, "name": d.filename, "size": d.size, "signed": d.signature_status == "valid"}
                        for d in results(session=session, dossier=dossier)],
            "notices": {"channels": list(consent.channels), "stopped": consent.opted_out_at is not None}
            if consent else None,
            "rating": {"open": rating is None and satisfaction.can_rate(session, dossier),
                       "rated_at": rating.rated_at if rating else None}}


