"""The applicant's consent, the notices sent to them (the outbox) and the templates administrators save."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime
from app.extensions import db

NOTICE_STATUSES: tuple[str, ...] = ("pending", "sent", "failed", "skipped")


class NoticeConsent(db.Model):
    """What the applicant agreed to at reception: the channels chosen and their addresses; opt-out ends it."""

    __tablename__ = "notice_consents"

    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True)
    channels: Mapped[list[str]] = mapped_column(JSON)
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApplicantNotice(db.Model):
    """One notice of one event over one channel: rendered when the event happens, delivered by due work.

    ``dedupe_key`` (``<dossier>:<event>[:<ref>]:<channel>``) is unique: however often an event is announced
    (a retried request, two schedulers), one notice exists; ``idempotency_key`` travels with every attempt.
    """

    __tablename__ = "applicant_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("notice_templates.id", ondelete="SET NULL"))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_ref: Mapped[str | None] = mapped_column(String(255))


class NoticeTemplate(db.Model):
    """An administrator's wording of an event's notice: for every procedure or one, every channel or one.

    ``scope_key`` (``<agency|*>|<procedure|*>|<event>|<channel|*>``) is unique: one template per scope, replaced
    by saving again. Saved only after :func:`app.applicant_notices.templating.check` passed.
    """

    __tablename__ = "notice_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope_key: Mapped[str] = mapped_column(String(300), unique=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    procedure_key: Mapped[str | None] = mapped_column(String(128))
    event: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(16))
    subject: Mapped[str | None] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
