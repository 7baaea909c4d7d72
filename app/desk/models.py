"""A request to supplement (phiếu yêu cầu bổ sung, hoàn thiện hồ sơ, form 02): what is missing, and its answer.

Why a row of its own: the request is a numbered paper handed to the applicant. It lists exactly what is
missing (components of the procedure and free-text items), starts the dossier's pause (``dossier_pauses``,
kind ``supplementation``) and is answered by the supplement — the missing components uploaded — which resumes it.
Numbers run per agency and year (``12/2026``).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime
from app.extensions import db
from app.org.models import Officer


class SupplementRequest(db.Model):
    __tablename__ = "supplement_requests"
    __table_args__ = (UniqueConstraint("agency_id", "year", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    #: The pause this request started (resumed when the request is answered).
    pause_id: Mapped[int | None] = mapped_column(ForeignKey("dossier_pauses.id", ondelete="SET NULL"))
    #: Missing components: ``[{"key", "name"}]`` as the version declared them when asked.
    components: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: Other things to supplement or correct, in the officer's words.
    items: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    answer_note: Mapped[str | None] = mapped_column(Text)

    requested_by: Mapped[Officer | None] = relationship(foreign_keys=[requested_by_id])
    answered_by: Mapped[Officer | None] = relationship(foreign_keys=[answered_by_id])
