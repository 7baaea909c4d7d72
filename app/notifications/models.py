"""The notification outbox: one row per notice, to an officer or to a whole unit.

``dedupe_key`` is unique, so however many schedulers fire the same reminder, one notice exists. Webhook
delivery (when ``NOTIFICATION_WEBHOOK_URL`` is set) is tracked on the row and driven by due work of kind
``webhook_delivery``; the receiver gets the row's ``webhook_idempotency_key`` in an ``Idempotency-Key`` header.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime
from app.extensions import db

WEBHOOK_STATUSES: tuple[str, ...] = ("pending", "delivered", "failed")


class Notification(db.Model):
    """A notice (thông báo) for an officer or a unit, about a dossier or step when it has one."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("(recipient_officer_id IS NOT NULL) OR (recipient_unit_id IS NOT NULL)", name="recipient"),
        Index("ix_notifications_officer_created", "recipient_officer_id", "created_at"),
        Index("ix_notifications_unit_created", "recipient_unit_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient_officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"))
    recipient_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    dossier_id: Mapped[int | None] = mapped_column(Integer, index=True)
    step_id: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    webhook_status: Mapped[str | None] = mapped_column(String(16))
    webhook_attempts: Mapped[int] = mapped_column(Integer, default=0)
    webhook_idempotency_key: Mapped[str | None] = mapped_column(String(64))
    webhook_delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
