"""Due times on real dates. Office sessions: 07:00–11:30 (4.5 h) and 13:30–17:00 (3.5 h) = 8 h a day."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.calendar import (
    CalendarRangeError,
    add_working_time,
    build_calendar,
    next_working_moment,
    parse_working_duration,
    reception_start,
    working_time_between,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = ZoneInfo("UTC")
H = timedelta(hours=1)


def at(y, m, d, hh=0, mm=0, ss=0):
    return datetime(y, m, d, hh, mm, ss, tzinfo=VN)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        # Tết 2025. Fri 24/1 16:00 + 8 h: 1 h on Friday (16:00–17:00); Mon 27/1–Fri 31/1 Tết, then the
        # weekend; Mon 3/2: 4.5 h in the morning, the last 2.5 h from 13:30 -> 16:00.
        (at(2025, 1, 24, 16), 8, at(2025, 2, 3, 16)),
        # Tết 2026. Fri 13/2 10:00 + 16 h: Friday 1.5 h + 3.5 h = 5 h; Mon 16/2–Fri 20/2 Tết;
        # Mon 23/2 a full 8 h (13 h); Tue 24/2 07:00 + 3 h -> 10:00.
        (at(2026, 2, 13, 10), 16, at(2026, 2, 24, 10)),
        # 30/4–1/5/2025 with Saturday 26/4 worked. Fri 25/4 14:00 + 16 h: Friday 3 h; Sat 26/4 is a
        # make-up day with Monday's sessions, 8 h (11 h); Mon 28/4: 4.5 h + 0.5 h from 13:30 -> 14:00.
        (at(2025, 4, 25, 14), 16, at(2025, 4, 28, 14)),
        # Tue 29/4/2025 09:00 + 16 h: Tuesday 2.5 + 3.5 = 6 h; Wed 30/4, Thu 1/5, Fri 2/5 off, weekend;
        # Mon 5/5 8 h (14 h); Tue 6/5 07:00 + 2 h -> 09:00.
        (at(2025, 4, 29, 9), 16, at(2025, 5, 6, 9)),
        # 2/9/2026 with Saturday 22/8 worked. Fri 21/8 13:30 + 8 h: Friday afternoon 3.5 h; Sat 22/8
        # morning 4.5 h makes 8 h exactly at 11:30 -> the session end, not 13:30.
        (at(2026, 8, 21, 13, 30), 8, at(2026, 8, 22, 11, 30)),
        # Fri 28/8/2026 09:00 + 8 h: Friday 6 h; Mon 31/8, Tue 1/9, Wed 2/9 off; Thu 3/9 07:00 + 2 h.
        (at(2026, 8, 28, 9), 8, at(2026, 9, 3, 9)),
        # A start at 16:55: 5 min on Monday 9/3/2026, then 3 h 55 min on Tuesday from 07:00 -> 10:55.
        (at(2026, 3, 9, 16, 55), 4, at(2026, 3, 10, 10, 55)),
        # A start on a holiday: Thu 30/4/2026 (then Fri 1/5 and the weekend) counts from Mon 4/5 07:00.
        (at(2026, 4, 30, 10), 4, at(2026, 5, 4, 11)),
        # Mon 27/4/2026 is the observed Hùng Kings day: Tue 28/4 07:00 + 8 h = 17:00 that day.
        (at(2026, 4, 27, 8), 8, at(2026, 4, 28, 17)),
        # Lunch break: 10:00 + 2 h = 1.5 h before lunch, 0.5 h after 13:30 -> 14:00.
        (at(2026, 3, 9, 10), 2, at(2026, 3, 9, 14)),
        # 10:00 + 1.5 h lands exactly on 11:30: the session end is the due time.
        (at(2026, 3, 9, 10), 1.5, at(2026, 3, 9, 11, 30)),
        # A start in the lunch break counts from 13:30: 12:15 + 1 h -> 14:30.
        (at(2026, 3, 9, 12, 15), 1, at(2026, 3, 9, 14, 30)),
        # 13:30 + 3.5 h = 17:00 the same day, not 07:00 the next morning.
        (at(2026, 3, 9, 13, 30), 3.5, at(2026, 3, 9, 17)),
        # A start at the session end counts from the next session: 11:30 + 1 h -> 14:30.
        (at(2026, 3, 9, 11, 30), 1, at(2026, 3, 9, 14, 30)),
        # Weekend start: Sat 7/3/2026 counts from Mon 9/3 07:00; 8 h -> Mon 17:00.
        (at(2026, 3, 7, 9), 8, at(2026, 3, 9, 17)),
    ],
)
def test_due_times_on_real_dates(cal, start, hours, due):
    got = add_working_time(cal, start, timedelta(hours=hours))
    assert got == due
    assert got.tzinfo == VN
    assert working_time_between(cal, start, got) == timedelta(hours=hours)


def test_year_boundary_with_the_late_new_year_swap(cal, package_cal):
    # Wed 31/12/2025 09:00 + 16 h: Wednesday 6 h; Thu 1/1/2026 holiday; Fri 2/1 off by the swap
    # announced 25/12/2025; weekend; Mon 5/1 8 h (14 h); Tue 6/1 07:00 + 2 h -> 09:00.
    assert add_working_time(cal, at(2025, 12, 31, 9), 16 * H) == at(2026, 1, 6, 9)
    # Without the agency table Friday 2/1 is worked: 6 + 8 = 14 h, Mon 5/1 07:00 + 2 h -> 09:00.
    assert add_working_time(package_cal, at(2025, 12, 31, 9), 16 * H) == at(2026, 1, 5, 9)


def test_december_dossier_finishes_in_january(cal):
    # Thu 24/12/2026 14:00 + 7 days (56 h): Thursday 3 h; Fri 25/12, Mon 28/12, Tue 29/12, Wed 30/12
    # 8 h each (35 h); Thu 31/12 8 h (43 h); Fri 1/1/2027 holiday; weekend; Mon 4/1 8 h (51 h);
    # Tue 5/1 07:00 + 5 h = 4.5 h + 0.5 h from 13:30 -> 14:00.
    assert add_working_time(cal, at(2026, 12, 24, 14), 56 * H) == at(2027, 1, 5, 14)


def test_a_calendar_refuses_to_guess_beyond_its_years():
    only_2025 = build_calendar(years=2025)
    with pytest.raises(CalendarRangeError):
        add_working_time(only_2025, at(2025, 12, 31, 9), 16 * H)
    with pytest.raises(CalendarRangeError):
        add_working_time(only_2025, at(2024, 12, 31, 9), H)
    # Still fine when it ends inside: 31/12/2025 09:00 + 6 h = 17:00 the same day.
    assert add_working_time(only_2025, at(2025, 12, 31, 9), 6 * H) == at(2025, 12, 31, 17)


def test_na_3857_2025_chained_steps(cal, shared_dir):
    """Nghệ An 3857/QĐ-UBND, procedure 1.012994: 4 + 4 + 112 + 24 + 16 + 8 = 168 h = 21 working days.

    Received Monday 2/2/2026 09:00 (before 15:00, inside a session), so counting starts at 09:00. Each
    step starts at the previous step's due time. The chain crosses Tết 2026 (Mon 16/2–Fri 20/2 off).
    """
    cases = json.loads((shared_dir / "procedures" / "cases.json").read_text(encoding="utf-8"))
    case = next(c for c in cases["cases"] if c["id"] == "NA-3857-2025")
    limits = [s["time"] for s in case["steps"] if s["time"] is not None]
    assert limits == [4, 4, 112, 24, 16, 8] and sum(limits) == case["declared_total"] == 168

    expected = [
        # 1) 4 h: 09:00–11:30 is 2.5 h, 1.5 h more from 13:30 -> Mon 2/2 15:00.
        at(2026, 2, 2, 15),
        # 2) 4 h: 15:00–17:00 is 2 h, 2 h more on Tuesday from 07:00 -> Tue 3/2 09:00.
        at(2026, 2, 3, 9),
        # 3) 112 h = 14 working days, each lands at 09:00 on the next working day: 4, 5, 6, 9, 10, 11,
        #    12, 13 February (8 days), Tết 16–20/2 skipped, 23, 24, 25, 26, 27 February (13), 2 March (14).
        at(2026, 3, 2, 9),
        # 4) 24 h = 3 days: 3, 4, 5 March -> Thu 5/3 09:00.
        at(2026, 3, 5, 9),
        # 5) 16 h = 2 days: Fri 6/3, (weekend) Mon 9/3 -> Mon 9/3 09:00.
        at(2026, 3, 9, 9),
        # 6) 8 h = 1 day -> Tue 10/3 09:00. Step 7 (returning the result) is not counted.
        at(2026, 3, 10, 9),
    ]
    start = reception_start(cal, at(2026, 2, 2, 9))
    assert start == at(2026, 2, 2, 9)
    due = start
    got = []
    for hours in limits:
        due = add_working_time(cal, due, parse_working_duration(f"PT{hours}H"))
        got.append(due)
    assert got == expected
    # The whole procedure in one go gives the same date: 21 working days.
    assert add_working_time(cal, start, parse_working_duration("P21D")) == expected[-1]
    assert working_time_between(cal, start, expected[-1]) == 168 * H


@pytest.mark.parametrize(
    ("moment", "snapped"),
    [
        (at(2026, 3, 9, 9), at(2026, 3, 9, 9)),  # inside a session: unchanged
        (at(2026, 3, 9, 7), at(2026, 3, 9, 7)),  # a session start is inside
        (at(2026, 3, 9, 6, 30), at(2026, 3, 9, 7)),  # before the office opens
        (at(2026, 3, 9, 11, 30), at(2026, 3, 9, 13, 30)),  # a session end is outside
        (at(2026, 3, 9, 17), at(2026, 3, 10, 7)),
        (at(2026, 3, 7, 10), at(2026, 3, 9, 7)),  # Saturday
        (at(2026, 2, 13, 17, 30), at(2026, 2, 23, 7)),  # Friday evening before Tết 2026
        (at(2026, 8, 21, 18), at(2026, 8, 22, 7)),  # Friday evening before the make-up Saturday
    ],
)
def test_next_working_moment(cal, moment, snapped):
    assert next_working_moment(cal, moment) == snapped


def test_any_timezone_in_calendar_timezone_out(cal):
    # 02:00 UTC = 09:00 in Hanoi; + 4 h = 2.5 h + 1.5 h from 13:30 -> 15:00 Hanoi time.
    due = add_working_time(cal, datetime(2026, 3, 9, 2, tzinfo=UTC), 4 * H)
    assert due == at(2026, 3, 9, 15)
    assert due.utcoffset() == timedelta(hours=7) and due.tzinfo == VN
    assert next_working_moment(cal, datetime(2026, 3, 9, 12, tzinfo=UTC)).tzinfo == VN  # 19:00 -> next 07:00


def test_refusals(cal):
    with pytest.raises(ValueError, match="naive"):
        add_working_time(cal, datetime(2026, 3, 9, 9), H)
    with pytest.raises(ValueError, match="naive"):
        working_time_between(cal, at(2026, 3, 9, 9), datetime(2026, 3, 10, 9))
    with pytest.raises(ValueError, match="naive"):
        next_working_moment(cal, datetime(2026, 3, 9, 9))
    with pytest.raises(ValueError, match="negative"):
        add_working_time(cal, at(2026, 3, 9, 9), -H)
    with pytest.raises(TypeError):
        add_working_time(cal, date(2026, 3, 9), H)  # type: ignore[arg-type]


def test_zero_and_backwards(cal):
    # Adding nothing returns the start itself, even outside a session (nothing was counted).
    assert add_working_time(cal, at(2026, 3, 7, 10), timedelta(0)) == at(2026, 3, 7, 10)
    assert working_time_between(cal, at(2026, 3, 10, 9), at(2026, 3, 9, 9)) == timedelta(0)
    # Fri 24/1/2025 16:00 to Tue 4/2/2025 09:00 across Tết: 1 h + Mon 3/2 8 h + 2 h = 11 h.
    assert working_time_between(cal, at(2025, 1, 24, 16), at(2025, 2, 4, 9)) == 11 * H
