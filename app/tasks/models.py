"""A step: one activation of a user task. The engine decides what is ready; these rows are its projection
that officers query, claim and complete, and that deadlines and reports read."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime
from app.extensions import db
from app.org.models import Officer, Unit

STEP_STATUSES: tuple[str, ...] = ("ready", "claimed", "completed", "cancelled")
OPEN_STATUSES: tuple[str, ...] = ("ready", "claimed")


class Step(db.Model):
    __tablename__ = "steps"
    __table_args__ = (
        UniqueConstraint("dossier_id", "task_id"),
        Index("ix_steps_unit_status_due", "unit_id", "status", "due_at"),
        Index("ix_steps_assignee_status", "assignee_id", "status"),
        # deadlines: "open, not yet marked overdue, due before now" (the overdue sweep) reads only open rows
        Index("ix_steps_open_due", "due_at",
              postgresql_where=text("status IN ('ready', 'claimed') AND overdue_at IS NULL"),
              sqlite_where=text("status IN ('ready', 'claimed') AND overdue_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    #: The engine's task id (a UUID); a loop back makes a new activation with a new id.
    task_id: Mapped[str] = mapped_column(String(64))
    spec_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(500))
    #: The step number of the approved internal procedure (``step`` property), e.g. "3".
    label: Mapped[str | None] = mapped_column(String(32))
    form: Mapped[str | None] = mapped_column(String(128))
    lane_id: Mapped[str | None] = mapped_column(String(128))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="ready")
    #: The step whose completion activated this one (the hand-over on the control sheet).
    previous_step_id: Mapped[int | None] = mapped_column(ForeignKey("steps.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Working-time due moment; None for a step whose time is not counted (không tính thời gian).
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    #: early | on_time | late (None when not counted or not completed).
    result: Mapped[str | None] = mapped_column(String(16))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    returned_reason: Mapped[str | None] = mapped_column(Text)
    #: deadlines: when the step was found past its due time (set once by the scheduler).
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: deadlines: working minutes excluded from the step's time (pauses; all time before a restart).
    paused_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: deadlines: working minutes the step took, pauses excluded (set at completion).
    used_minutes: Mapped[int | None] = mapped_column(Integer)
    # --- reports: copies of the dossier's immutable attributes (set with the row, no join when counting steps)
    agency_id: Mapped[int | None] = mapped_column(Integer)
    procedure_key: Mapped[str | None] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(16), default="direct", server_default="direct")
    #: When the step stopped being open: its completion, or its cancellation; None while open.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    #: Why it was cancelled: ``withdrawn`` | ``stopped`` (with its dossier), ``ended`` (the process ended),
    #: ``interrupted`` (a boundary timer).
    cancel_reason: Mapped[str | None] = mapped_column(String(16))

    # Joined: every view of a step shows its unit and officers; avoids one query per step and field.
    unit: Mapped[Unit | None] = relationship(lazy="joined")
    assignee: Mapped[Officer | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    completed_by: Mapped[Officer | None] = relationship(foreign_keys=[completed_by_id], lazy="joined")
    dossier = relationship("Dossier", back_populates="steps")
