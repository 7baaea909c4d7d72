"""The CA certificates each agency trusts for digital signatures (its chain decides ``trusted``).

An agency's anchors count for the agencies below it too (:func:`app.documents.service.anchors_for`). A
document keeps the verdict of its upload: removing an anchor changes what later uploads are told, not the
record of what was verified.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.documents import signatures
from app.documents.models import TrustAnchor
from app.errors import Conflict, NotFound, Unprocessable
from app.org.models import Agency, Officer


def add(*, session: Session, agency_id: int, pem: bytes, officer: Officer, now: datetime) -> TrustAnchor:
    """Trust a CA certificate for the agency's signatures (409 if it is there already)."""
    if session.get(Agency, agency_id) is None:
        raise NotFound(f"Không có cơ quan {agency_id}.", detail_en=f"No agency {agency_id}.")
    try:
        anchor = signatures.parse_anchor(pem)
    except signatures.AnchorRefused as exc:
        raise Unprocessable(exc.detail, code=exc.code, detail_en=exc.code) from None
    exists = session.scalar(select(TrustAnchor).where(TrustAnchor.agency_id == agency_id,
                                                      TrustAnchor.fingerprint_sha256 == anchor.fingerprint_sha256))
    if exists is not None:
        raise Conflict("Cơ quan đã tin cậy chứng thư này.", code="anchor_exists", detail_en="The agency trusts it already.")
    row = TrustAnchor(agency_id=agency_id, subject=anchor.subject, fingerprint_sha256=anchor.fingerprint_sha256,
                      not_before=anchor.not_before, not_after=anchor.not_after, pem=anchor.pem.decode("ascii"),
                      added_by_id=officer.id, added_at=now)
    session.add(row)
    session.flush()
    audit.record(session=session, actor=officer, action="trust_anchor.add", object_type="agency", object_id=agency_id,
                 summary=anchor.subject, after={"fingerprint_sha256": anchor.fingerprint_sha256}, now=now)
    return row


def remove(*, session: Session, agency_id: int, anchor_id: int, officer: Officer, now: datetime) -> None:
    row = session.get(TrustAnchor, anchor_id)
    if row is None or row.agency_id != agency_id:
        raise NotFound(f"Không có chứng thư {anchor_id}.", detail_en=f"No trust anchor {anchor_id}.")
    audit.record(session=session, actor=officer, action="trust_anchor.remove", object_type="agency",
                 object_id=agency_id, summary=row.subject, before={"fingerprint_sha256": row.fingerprint_sha256},
                 now=now)
    session.delete(row)
    session.flush()


def list_for(*, session: Session, agency_id: int) -> list[TrustAnchor]:
    return list(session.scalars(select(TrustAnchor).where(TrustAnchor.agency_id == agency_id).order_by(TrustAnchor.id)))
