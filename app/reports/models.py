"""The daily step rollup: what the summary by unit needs, per local day, unit and agency (:mod:`app.reports.rollup`).

A finished day never changes except through a step's due time (a pause's resume moves it): such a change marks
the days from the step's start as stale (``ReportRollupStale``) and the reports count them from ``steps``
until the scheduler has rebuilt them.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime
from app.extensions import db

#: The counts of a day: flows during the day, then the state of the steps open at its end (24:00 local).
DAY_COUNTS: tuple[str, ...] = (
    "received_online", "received_other", "resolved_early", "resolved_on_time", "resolved_late", "resolved_other",
    "withdrawn", "stopped", "open_at_end", "overdue_at_end", "paused_at_end")


class ReportStepDay(db.Model):
    """One local day × unit × agency of the step's dossier (the keys the summary groups and filters on)."""

    __tablename__ = "report_step_days"
    __table_args__ = (Index("ix_report_step_days_day_unit", "day", "unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    unit_id: Mapped[int | None] = mapped_column(Integer)
    agency_id: Mapped[int | None] = mapped_column(Integer)
    #: steps started that day (received), by the dossier's channel: online, or direct/postal
    received_online: Mapped[int] = mapped_column(Integer, default=0)
    received_other: Mapped[int] = mapped_column(Integer, default=0)
    #: steps completed that day, by result (other: time not counted)
    resolved_early: Mapped[int] = mapped_column(Integer, default=0)
    resolved_on_time: Mapped[int] = mapped_column(Integer, default=0)
    resolved_late: Mapped[int] = mapped_column(Integer, default=0)
    resolved_other: Mapped[int] = mapped_column(Integer, default=0)
    #: steps cancelled that day with their dossier withdrawn / stopped
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    stopped: Mapped[int] = mapped_column(Integer, default=0)
    #: steps open at the end of the day; of them, past their due time and not paused; paused
    open_at_end: Mapped[int] = mapped_column(Integer, default=0)
    overdue_at_end: Mapped[int] = mapped_column(Integer, default=0)
    paused_at_end: Mapped[int] = mapped_column(Integer, default=0)


class ReportRollup(db.Model):
    """How far the rollup is built: days ``built_from`` … ``built_through`` in ``timezone`` (one row)."""

    __tablename__ = "report_rollups"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    #: no step started before this day (earlier days count nothing)
    built_from: Mapped[date | None] = mapped_column(Date)
    built_through: Mapped[date | None] = mapped_column(Date)
    built_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReportRollupStale(db.Model):
    """Days from ``since`` (a step's start) are stale: a step's due time changed after they were built."""

    __tablename__ = "report_rollup_stale"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime())
