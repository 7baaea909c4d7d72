"""A pause of a dossier (tạm dừng: waiting for the applicant's supplement, form 02, or an outside verification).

One row per pause, kept for the control sheet and the audit: when, why, under which policy and how much
working time it excluded. ``status_before`` is what the dossier goes back to at resume.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime
from app.extensions import db
from app.org.models import Officer

PAUSE_KINDS: tuple[str, ...] = ("supplementation", "verification")
PAUSE_POLICIES: tuple[str, ...] = ("pause", "restart")


class DossierPause(db.Model):
    __tablename__ = "dossier_pauses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    policy: Mapped[str] = mapped_column(String(16))
    status_before: Mapped[str] = mapped_column(String(16))
    paused_at: Mapped[datetime] = mapped_column(UTCDateTime())
    paused_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resumed_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    #: Working minutes the due times moved by at resume (pause policy) or the restart's shift (restart policy).
    shifted_minutes: Mapped[int | None] = mapped_column(Integer)

    paused_by: Mapped[Officer | None] = relationship(foreign_keys=[paused_by_id])
    resumed_by: Mapped[Officer | None] = relationship(foreign_keys=[resumed_by_id])
