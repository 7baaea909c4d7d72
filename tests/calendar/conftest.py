"""Calendars shared by the calendar tests (built once per session: they are frozen values)."""

from __future__ import annotations

from datetime import date

import pytest

from app.calendar import WorkingCalendar, build_calendar

#: The Government's swap announced on 25/12/2025 (Bộ Nội vụ): Friday 2/1/2026 off, Saturday 10/1/2026
#: worked. ``holidays`` 0.109 does not know it, which is exactly why agencies keep their own table.
NEW_YEAR_2026_SWAP = {"extra_days_off": [date(2026, 1, 2)], "extra_working_days": [date(2026, 1, 10)]}


@pytest.fixture(scope="session")
def cal() -> WorkingCalendar:
    """A real calendar 2024–2027: package holidays plus the late New Year 2026 swap."""
    return build_calendar(years=range(2024, 2028), **NEW_YEAR_2026_SWAP)


@pytest.fixture(scope="session")
def package_cal() -> WorkingCalendar:
    """The same years with the package's data only (no agency table)."""
    return build_calendar(years=range(2024, 2028))
