"""The pinned calendar (issue #15, item 6): `holidays` decides due dates, so its version is locked and what it
says is written down here. An upgrade through `make lock` that moves a day off fails these tests, which then
show exactly which due dates the new version would change.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from importlib.metadata import version
from pathlib import Path

import pytest

from app.calendar import add_working_time, build_calendar, is_working_day

CONSTRAINTS = Path(__file__).resolve().parents[2] / "constraints.txt"

#: What holidays 0.109 says for Việt Nam in 2026 (before the agencies' own table): every day off.
DAYS_OFF_2026 = [
    date(2026, 1, 1), date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18), date(2026, 2, 19),
    date(2026, 2, 20), date(2026, 4, 26), date(2026, 4, 27), date(2026, 4, 30), date(2026, 5, 1),
    date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2), date(2026, 11, 24),
]

#: A step received at 16:00 on the working day before each weekday off, given two working hours, is due on
#: the first working day after the days off (checked by hand against the list above).
DUE_AFTER = {
    date(2026, 1, 1): date(2026, 1, 2),    # Thursday off; Friday works in the package's calendar
    date(2026, 2, 16): date(2026, 2, 23),  # Tết: Monday to Friday off
    date(2026, 4, 27): date(2026, 4, 28),  # Giỗ Tổ on Sunday, observed on Monday
    date(2026, 4, 30): date(2026, 5, 4),   # Thursday and Friday off
    date(2026, 8, 31): date(2026, 9, 3),   # Monday (swapped) to Wednesday off
    date(2026, 11, 24): date(2026, 11, 25),
}


def test_the_installed_holidays_is_the_pinned_one():
    pinned = re.search(r"^holidays==(\S+)$", CONSTRAINTS.read_text(), re.MULTILINE)
    assert pinned, "constraints.txt must pin holidays"
    assert version("holidays") == pinned.group(1), "run `make install`: the venv is not the locked one"


@pytest.fixture(scope="module")
def cal_2026():
    return build_calendar(years=[2025, 2026, 2027])


def test_days_off_of_2026_are_what_the_pinned_calendar_says(cal_2026):
    weekdays_off = [d for d in (date(2026, 1, 1) + timedelta(n) for n in range(365))
                    if not is_working_day(cal_2026, d) and d.weekday() < 5]
    assert weekdays_off == [d for d in DAYS_OFF_2026 if d.weekday() < 5]
    assert sorted(d for d in cal_2026.holidays if d.year == 2026) == DAYS_OFF_2026


@pytest.mark.parametrize("first_off", sorted(DUE_AFTER))
def test_a_due_date_around_each_day_off(cal_2026, first_off):
    before = first_off - timedelta(days=1)
    while not is_working_day(cal_2026, before):
        before -= timedelta(days=1)
    start = datetime(before.year, before.month, before.day, 16, 0, tzinfo=cal_2026.tz)
    due = add_working_time(cal_2026, start, timedelta(hours=2))
    assert due.astimezone(cal_2026.tz).date() == DUE_AFTER[first_off]
