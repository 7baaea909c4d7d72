"""Agency-editable working calendars: overrides of the ``holidays`` package, settings, and a version counter.

- ``CalendarOverride``: one day an agency (or, with ``agency_id`` NULL, the whole country) declares off or
  worked, with the decision that says so. An override on a province applies to every agency below it; the
  nearest agency's own override wins. National rows sit under every agency's.
- ``CalendarSettings``: optional per-agency office sessions, reception cut-off and completion rule; an
  agency without a row inherits its parent's, and the root falls back to the defaults of
  :mod:`app.calendar.model` (Mon–Fri 07:00–11:30, 13:30–17:00; 15:00; ``"session"``).
Every change bumps the calendar token of :mod:`app.cache_versions`, so each process's calendar cache is
checked with one cheap read per request (see :mod:`app.calendar.service`).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime
from app.extensions import db

OVERRIDE_KINDS: tuple[str, ...] = ("day_off", "working_day")


class CalendarOverride(db.Model):
    """A day off or an extra working day (ngày nghỉ / ngày làm bù) set by a decision (quyết định).

    ``agency_id`` NULL means national (loaded from ``national_overrides.json``); SQL treats NULLs as distinct
    in the unique constraint, so the service checks national duplicates itself.
    """

    __tablename__ = "calendar_overrides"
    __table_args__ = (UniqueConstraint("agency_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    decision: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CalendarSettings(db.Model):
    """Per-agency working-time settings; any NULL field inherits from the parent agency, then the default."""

    __tablename__ = "calendar_settings"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True)
    #: ``{"0": [["07:00", "11:30"], ["13:30", "17:00"]], ...}`` weekday 0 = Monday; a missing weekday has none.
    sessions: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: ``"HH:MM"``: a dossier received at or after it starts counting on the next working day.
    reception_cutoff: Mapped[str | None] = mapped_column(String(5))
    completion_rule: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
