"""A dossier's documents: each upload is one version of one component, pointing at stored bytes by sha-256.

Why content-addressed: the bytes live in the store (``storage.py``) under their sha-256, so a file uploaded
twice (the same ID card scanned for two dossiers) is stored once, a version is an immutable row, and the
integrity checker re-hashes the bytes to find a file altered or lost. Neither the engine state nor the steps
table holds bytes: a step refers to documents by their rows.

A deletion is soft (``deleted_at``, who, why): the version stays for the audit trail and the control sheet;
the component's *current* document is its newest version that is not deleted.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime
from app.definitions.components import OTHER_COMPONENT
from app.extensions import db
from app.org.models import Officer

__all__ = ["OTHER_COMPONENT", "Document", "StoredFile", "TrustAnchor"]


class StoredFile(db.Model):
    """The bytes of one distinct file, known by their sha-256 (one row however many documents use them)."""

    __tablename__ = "stored_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Document(db.Model):
    """One version of one component of a dossier: who uploaded which bytes, when, at which step, and why."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("dossier_id", "component", "version"),
        UniqueConstraint("dossier_id", "form_ref"),
        Index("ix_documents_applicant", "applicant_id_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    component: Mapped[str] = mapped_column(String(64))
    #: 1, 2, … per dossier and component: a replacement is a new version, the old one stays.
    version: Mapped[int] = mapped_column(Integer)
    #: The name shown and offered on download (the uploaded name without any path; accents kept).
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(ForeignKey("stored_files.sha256", ondelete="RESTRICT"), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str] = mapped_column(String(128))
    #: The open step the officer attached it at (None: at reception or outside a step).
    step_id: Mapped[int | None] = mapped_column(ForeignKey("steps.id", ondelete="SET NULL"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)
    #: The applicant's ID number, copied from the dossier: what a later dossier's reuse searches by.
    applicant_id_number: Mapped[str | None] = mapped_column(String(12))
    #: Reused from an earlier dossier's document (its origin keeps who digitised it, and when).
    origin_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    #: Digital signatures found in a PDF (``signatures.verify_pdf`` reports), and their overall verdict:
    #: ``valid`` | ``untrusted`` | ``modified`` | ``invalid``; None when the file carries no signature.
    signatures: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    signature_status: Mapped[str | None] = mapped_column(String(16))
    #: A paper the service issued (a form's PDF, stored on its first print): ``01``, ``02:<request id>``, ``03``…;
    #: None for what was uploaded. One per dossier and form, so every print of it is the same bytes.
    form_ref: Mapped[str | None] = mapped_column(String(32))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    delete_reason: Mapped[str | None] = mapped_column(Text)

    uploaded_by: Mapped[Officer | None] = relationship(foreign_keys=[uploaded_by_id], lazy="joined")
    deleted_by: Mapped[Officer | None] = relationship(foreign_keys=[deleted_by_id])
    origin: Mapped[Document | None] = relationship(remote_side=[id])


class TrustAnchor(db.Model):
    """A CA certificate an agency trusts for digital signatures (its chain decides ``trusted``)."""

    __tablename__ = "trust_anchors"
    __table_args__ = (UniqueConstraint("agency_id", "fingerprint_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(Text)
    fingerprint_sha256: Mapped[str] = mapped_column(String(64))
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    not_after: Mapped[datetime] = mapped_column(UTCDateTime())
    pem: Mapped[str] = mapped_column(Text)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
