"""Public lookup of a dossier's progress by code and lookup secret.

Rules: an unknown code and a wrong secret give the same 404 problem, and take the same work (the secret's
hash is always compared, against a dummy when the code is unknown, with :func:`hmac.compare_digest`);
the answer carries the state, the current unit names, the due date and the steps done with their dates —
never an officer's name nor the applicant's data.
"""
from __future__ import annotations

import hmac
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.documents import service as documents
from app.documents.models import Document
from app.dossiers.codes import hash_secret
from app.dossiers.models import OPEN_STATUSES, Dossier, StepStatus
from app.errors import NotFound

_DUMMY_HASH = hash_secret("no such dossier")


def not_found() -> NotFound:
    return NotFound("Không tìm thấy hồ sơ với mã và mã tra cứu này.", code="not_found",
                    detail_en="No dossier with this code and lookup secret.")


def _found(session: Session, code: str, secret: str) -> Dossier:
    dossier = session.scalar(select(Dossier).where(Dossier.code == code[:64]))
    expected = dossier.lookup_secret_hash if dossier is not None else _DUMMY_HASH
    matches = hmac.compare_digest(expected.encode("ascii"), hash_secret(secret).encode("ascii"))
    if dossier is None or not matches:
        raise not_found()
    return dossier


def results(*, session: Session, code: str, secret: str) -> list[Document]:
    """The dossier's results (kết quả) and nothing else of its papers: what the applicant downloads."""
    return documents.results_of(session=session, dossier=_found(session, code, secret), released=True)


def result(*, session: Session, code: str, secret: str, document_id: int) -> Document:
    """One result; any other document of the dossier is the same 404 as none."""
    for document in results(session=session, code=code, secret=secret):
        if document.id == document_id:
            return document
    raise NotFound("Không có kết quả này.", code="not_found", detail_en="No such result.")


def lookup(*, session: Session, code: str, secret: str) -> dict[str, Any]:
    dossier = _found(session, code, secret)
    steps = dossier.steps  # ordered by id (the relationship's order)
    current = sorted({row.unit.name for row in steps if row.status in OPEN_STATUSES and row.unit is not None})
    done = [{"step": row.label, "name": row.name, "unit": row.unit.name if row.unit else None,
             "started_at": row.started_at, "completed_at": row.completed_at, "result": row.result}
            for row in steps if row.status == StepStatus.COMPLETED]
    return {"code": dossier.code, "procedure": dossier.version.definition.name, "agency": dossier.agency.name,
            "status": dossier.status, "received_at": dossier.received_at, "due_at": dossier.due_at,
            "finished_at": dossier.finished_at, "result": dossier.result, "current_units": current,
            "steps_done": done, "results": [{"id": d.id, "name": d.filename, "size": d.size,
                                             "signed": d.signature_status == "valid"}
                                            for d in documents.results_of(session=session, dossier=dossier,
                                                                          released=True)]}
