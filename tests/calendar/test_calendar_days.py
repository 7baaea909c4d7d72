"""Which days are working days: the ``holidays`` package, make-up Saturdays, and the agency's table."""

from __future__ import annotations

import ast
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.calendar import WorkingCalendar, build_calendar, is_working_day, sessions_on

VN = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICE = ((time(7), time(11, 30)), (time(13, 30), time(17)))


def local_sessions(cal, d):
    return tuple(
        (s.timetz().replace(tzinfo=None), e.timetz().replace(tzinfo=None)) for s, e in sessions_on(cal, d)
    )


@pytest.mark.parametrize(
    ("day", "working"),
    [
        # Tết Ất Tỵ 2025: officials were off Sat 25/1 to Sun 2/2; the weekdays off are Mon 27/1–Fri 31/1
        # (the package agrees). They were back on Monday 3/2/2025.
        (date(2025, 1, 24), True),
        (date(2025, 1, 27), False),
        (date(2025, 1, 28), False),
        (date(2025, 1, 31), False),
        (date(2025, 2, 3), True),
        # Hùng Kings 10/3 lunar = Monday 7/4/2025.
        (date(2025, 4, 7), False),
        # 30/4 (Wed) and 1/5 (Thu) 2025, Friday 2/5 off in exchange for Saturday 26/4 worked.
        (date(2025, 4, 26), True),
        (date(2025, 4, 30), False),
        (date(2025, 5, 1), False),
        (date(2025, 5, 2), False),
        (date(2025, 5, 3), False),
        # 2/9/2025 (Tue) plus the adjacent Monday 1/9.
        (date(2025, 9, 1), False),
        (date(2025, 9, 2), False),
        # Tết Bính Ngọ 2026: Mon 16/2 to Fri 20/2 off; Fri 13/2 and Mon 23/2 are working days.
        (date(2026, 2, 13), True),
        (date(2026, 2, 16), False),
        (date(2026, 2, 20), False),
        (date(2026, 2, 23), True),
        # Hùng Kings 2026 falls on Sunday 26/4, observed Monday 27/4.
        (date(2026, 4, 27), False),
        # 2/9/2026 (Wed) + 1/9; Monday 31/8 off in exchange for Saturday 22/8 worked.
        (date(2026, 8, 22), True),
        (date(2026, 8, 31), False),
        (date(2026, 9, 1), False),
        (date(2026, 9, 2), False),
        (date(2026, 9, 3), True),
        # An ordinary weekend.
        (date(2026, 3, 7), False),
        (date(2026, 3, 8), False),
    ],
)
def test_package_days(cal, day, working):
    assert is_working_day(cal, day) is working


def test_make_up_saturday_works_monday_sessions(cal):
    assert local_sessions(cal, date(2026, 8, 22)) == OFFICE
    assert local_sessions(cal, date(2025, 4, 26)) == OFFICE
    assert local_sessions(cal, date(2026, 8, 31)) == ()


def test_agency_table_adds_the_late_new_year_2026_swap(cal, package_cal):
    # Announced 25/12/2025, after the package was released: off Fri 2/1/2026, worked Sat 10/1/2026.
    assert is_working_day(package_cal, date(2026, 1, 2)) is True
    assert is_working_day(cal, date(2026, 1, 2)) is False
    assert is_working_day(package_cal, date(2026, 1, 10)) is False
    assert is_working_day(cal, date(2026, 1, 10)) is True
    assert local_sessions(cal, date(2026, 1, 10)) == OFFICE


def test_agency_override_wins_over_the_package_both_ways():
    cal = build_calendar(
        years=2026,
        extra_days_off=[date(2026, 8, 22)],  # the package's make-up Saturday, cancelled locally
        extra_working_days=[date(2026, 11, 24)],  # a package holiday, worked locally
    )
    assert is_working_day(cal, date(2026, 8, 22)) is False
    assert is_working_day(cal, date(2026, 11, 24)) is True
    assert local_sessions(cal, date(2026, 11, 24)) == OFFICE


def test_sessions_per_weekday_are_configurable():
    # A one-stop desk that also opens Saturday mornings and closes Friday at 16:00.
    cal = build_calendar(
        years=2026,
        sessions={
            0: [("07:00", "11:30"), ("13:30", "17:00")],
            1: [("07:00", "11:30"), ("13:30", "17:00")],
            2: [("07:00", "11:30"), ("13:30", "17:00")],
            3: [("07:00", "11:30"), ("13:30", "17:00")],
            4: [("07:00", "11:30"), ("13:30", "16:00")],
            5: [("07:30", "11:30")],
        },
    )
    assert local_sessions(cal, date(2026, 3, 7)) == ((time(7, 30), time(11, 30)),)  # Saturday
    assert local_sessions(cal, date(2026, 3, 6))[-1] == (time(13, 30), time(16))  # Friday
    assert is_working_day(cal, date(2026, 3, 8)) is False  # Sunday
    # A make-up Saturday keeps that weekday's own sessions when it has some.
    assert local_sessions(cal, date(2026, 8, 22)) == ((time(7, 30), time(11, 30)),)


def test_calendar_spans_several_years_and_is_a_value(cal):
    assert (cal.first_year, cal.last_year) == (2024, 2027)
    again = build_calendar(
        years=[2027, 2024], extra_days_off=[date(2026, 1, 2)], extra_working_days=[date(2026, 1, 10)]
    )
    assert again == cal and hash(again) == hash(cal)
    assert cal.tz == VN
    with pytest.raises(AttributeError):
        cal.reception_cutoff = time(16)  # type: ignore[misc]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"extra_days_off": [date(2026, 3, 2)], "extra_working_days": [date(2026, 3, 2)]},
        {"sessions": {0: [("11:30", "07:00")]}},
        {"sessions": {0: [("07:00", "11:30"), ("11:00", "17:00")]}},
        {"sessions": {7: [("07:00", "11:30")]}},
        {"completion_rule": "lenient"},
        {"years": []},
    ],
)
def test_bad_configuration_is_refused(kwargs):
    kwargs.setdefault("years", 2026)
    with pytest.raises(ValueError):
        build_calendar(**kwargs)


def test_is_working_day_wants_a_date(cal):
    with pytest.raises(TypeError):
        is_working_day(cal, datetime(2026, 3, 9, 9, tzinfo=VN))


def test_calendar_can_be_built_directly_with_iterables():
    cal = WorkingCalendar(
        first_year=2026, last_year=2026, tz="Asia/Ho_Chi_Minh", extra_days_off=[date(2026, 3, 9)]
    )
    assert cal.extra_days_off == frozenset({date(2026, 3, 9)})
    assert is_working_day(cal, date(2026, 3, 9)) is False


def test_the_package_stays_pure():
    """No clock, no Flask, no database, no I/O in the working-time arithmetic (the rules of its docstring).

    The persistence and HTTP side of calendars (``models``, ``service``, ``schemas``, ``routes``) sits beside
    it and may use the database; the arithmetic modules below never do.
    """
    package = Path(__file__).resolve().parents[2] / "app" / "calendar"
    banned_modules = {"flask", "sqlalchemy", "requests", "os", "time", "socket"}
    pure = ("__init__.py", "model.py", "working_time.py", "durations.py")
    for source in (package / name for name in pure):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                assert node.attr not in {"now", "utcnow", "today"}, f"{source.name} reads the clock"
            if isinstance(node, ast.Name):
                assert node.id != "open", f"{source.name} does I/O"
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                for name in names:
                    assert name.split(".")[0] not in banned_modules, f"{source.name} imports {name}"
