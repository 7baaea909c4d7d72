"""The one place a dossier gets its working calendar, so per-agency calendars can be swapped in here alone.

Until agencies have their own tables (``app.calendar.service``), every agency uses the national calendar
(``holidays.VN``) for the years around ``now``; it is built once per process per year range.
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy.orm import Session

from app.calendar import WorkingCalendar, build_calendar


@lru_cache(maxsize=8)
def _national(first_year: int, last_year: int) -> WorkingCalendar:
    return build_calendar(years=range(first_year, last_year + 1))


@lru_cache(maxsize=1)
def _agency_provider():
    try:
        from app.calendar.service import (
            calendar_for_agency,  # the per-agency calendar work, when present
        )
    except ImportError:
        return None
    return calendar_for_agency


def calendar_for(session: Session, agency_id: int | None, now: datetime) -> WorkingCalendar:
    """The working calendar of ``agency_id`` covering the year before ``now`` to two years after."""
    provider = _agency_provider()
    if provider is None:
        return _national(now.year - 1, now.year + 2)
    return provider(session=session, agency_id=agency_id, around=now)
