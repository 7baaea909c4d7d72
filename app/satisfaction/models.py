"""One rating per dossier: a score per criterion (a column each, so reports average them in SQL)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime
from app.extensions import db
from app.satisfaction.criteria import CRITERIA


class SatisfactionRating(db.Model):
    __tablename__ = "satisfaction_ratings"
    __table_args__ = (
        *(CheckConstraint(f"score_{key} BETWEEN 1 AND 5", name=f"score_{key}_range") for key in CRITERIA),
        Index("ix_satisfaction_agency_rated", "agency_id", "rated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"))
    procedure_key: Mapped[str] = mapped_column(String(128), index=True)
    score_access: Mapped[int] = mapped_column(Integer)
    score_papers: Mapped[int] = mapped_column(Integer)
    score_officers: Mapped[int] = mapped_column(Integer)
    score_timeliness: Mapped[int] = mapped_column(Integer)
    score_result: Mapped[int] = mapped_column(Integer)
    #: The sum of the scores (the mean is ``total / len(CRITERIA)``): sorted and averaged without a formula.
    total: Mapped[int] = mapped_column(Integer)
    low: Mapped[bool] = mapped_column(default=False)
    comment: Mapped[str | None] = mapped_column(Text)
    #: lookup (the page, by code and secret) | link (from a notice) | api
    via: Mapped[str] = mapped_column(String(16))
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def scores(self) -> dict[str, int]:
        return {key: getattr(self, f"score_{key}") for key in CRITERIA}
