"""Due work: one row per thing that must happen at a time (a reminder, an escalation, a BPMN timer…).

The row is the truth; schedulers only claim and run it (see :mod:`app.scheduler.due_work`).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime
from app.extensions import db

DUE_WORK_STATUSES: tuple[str, ...] = ("pending", "done", "failed", "cancelled")


class DueWork(db.Model):
    """A piece of work due at ``due_at``; ``dedupe_key`` makes scheduling it twice a no-op.

    ``lock_owner``/``locked_until`` are the lease of the scheduler that claimed it: past ``locked_until`` any
    scheduler may claim it again (its owner died). ``dossier_id``/``step_id`` are plain integers on purpose:
    the work outlives nothing and must not block deleting test data.
    """

    __tablename__ = "due_work"
    __table_args__ = (
        # "pending and due_at <= now order by due_at": a partial index holds only the pending rows.
        Index("ix_due_work_pending_due_at", "due_at",
              postgresql_where=text("status = 'pending'"), sqlite_where=text("status = 'pending'")),
        # Cancelling a step's or a dossier's pending work (every completion does): without these the planner
        # ANDs the pending-by-due_at index, whose dead entries pile up between vacuums (13 ms a cancel after
        # 20,000 dossiers with autovacuum off, 0.05 ms with them).
        Index("ix_due_work_pending_step_id", "step_id",
              postgresql_where=text("status = 'pending'"), sqlite_where=text("status = 'pending'")),
        Index("ix_due_work_pending_dossier_id", "dossier_id",
              postgresql_where=text("status = 'pending'"), sqlite_where=text("status = 'pending'")),
        # The admin's incident list (status=failed) stays cheap however many rows are done.
        Index("ix_due_work_failed_id", "id",
              postgresql_where=text("status = 'failed'"), sqlite_where=text("status = 'failed'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    dossier_id: Mapped[int | None] = mapped_column(Integer, index=True)
    step_id: Mapped[int | None] = mapped_column(Integer, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    lock_owner: Mapped[str | None] = mapped_column(String(128))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
