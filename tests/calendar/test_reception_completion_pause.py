"""The 15:00 reception rule, early / on time / late, and the pause policy."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.calendar import (
    add_working_time,
    build_calendar,
    classify_completion,
    reception_start,
    shift_for_pause,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
H = timedelta(hours=1)


def at(y, m, d, hh=0, mm=0, ss=0):
    return datetime(y, m, d, hh, mm, ss, tzinfo=VN)


@pytest.mark.parametrize(
    ("received", "counted_from"),
    [
        (at(2026, 3, 9, 14, 59), at(2026, 3, 9, 14, 59)),  # before 15:00: from the moment itself
        (at(2026, 3, 9, 15), at(2026, 3, 10, 7)),  # at the cut-off: next working day
        (at(2026, 3, 9, 16, 55), at(2026, 3, 10, 7)),
        (at(2026, 3, 9, 6, 30), at(2026, 3, 9, 7)),  # before opening: snapped to 07:00 the same day
        (at(2026, 3, 9, 12), at(2026, 3, 9, 13, 30)),  # lunch break: snapped to 13:30
        (at(2026, 3, 6, 15, 30), at(2026, 3, 9, 7)),  # Friday after 15:00 -> Monday
        (at(2026, 3, 7, 9), at(2026, 3, 9, 7)),  # Saturday (online submission) -> Monday
        (at(2026, 2, 13, 15, 5), at(2026, 2, 23, 7)),  # Friday before Tết 2026 -> after Tết
        (at(2026, 4, 30, 9), at(2026, 5, 4, 7)),  # on a holiday -> Monday after 1/5 and the weekend
        (at(2026, 8, 21, 15, 30), at(2026, 8, 22, 7)),  # -> the make-up Saturday 22/8/2026
    ],
)
def test_the_15h_rule(cal, received, counted_from):
    assert reception_start(cal, received) == counted_from


def test_16h55_reception_then_a_half_day_step(cal):
    # Received 16:55 Monday: counted from Tuesday 07:00, so 4 h ends at 11:00 (not 10:55).
    start = reception_start(cal, at(2026, 3, 9, 16, 55))
    assert add_working_time(cal, start, 4 * H) == at(2026, 3, 10, 11)


def test_cut_off_is_configurable():
    cal = build_calendar(years=2026, reception_cutoff=time(16))
    assert reception_start(cal, at(2026, 3, 9, 15, 30)) == at(2026, 3, 9, 15, 30)
    assert reception_start(cal, at(2026, 3, 9, 16)) == at(2026, 3, 10, 7)


def test_reception_refuses_naive(cal):
    with pytest.raises(ValueError):
        reception_start(cal, datetime(2026, 3, 9, 9))


# Deadline Tue 10/3/2026 09:00 lies in the morning session 07:00–11:30.
DUE = at(2026, 3, 10, 9)


@pytest.mark.parametrize(
    ("completed", "result"),
    [
        (at(2026, 3, 9, 16), "early"),  # the afternoon before
        (at(2026, 3, 10, 6, 59), "early"),  # before the deadline's session opens
        (at(2026, 3, 10, 7), "on_time"),  # the session that holds the deadline
        (at(2026, 3, 10, 9), "on_time"),  # at the deadline
        (at(2026, 3, 10, 9, 0, 1), "late"),
        (at(2026, 3, 10, 11), "late"),
    ],
)
def test_session_rule(cal, completed, result):
    assert cal.completion_rule == "session"
    assert classify_completion(cal, DUE, completed) == result


def test_session_rule_with_a_deadline_at_the_session_end(cal):
    # Due Tue 28/4/2026 17:00 (session end): the afternoon session 13:30–17:00 is "on time".
    due = at(2026, 4, 28, 17)
    assert classify_completion(cal, due, at(2026, 4, 28, 13, 30)) == "on_time"
    assert classify_completion(cal, due, at(2026, 4, 28, 11, 30)) == "early"
    assert classify_completion(cal, due, at(2026, 4, 28, 17, 1)) == "late"
    # A deadline set by hand in the lunch break belongs to the morning session.
    assert classify_completion(cal, at(2026, 3, 10, 12), at(2026, 3, 10, 8)) == "on_time"
    assert classify_completion(cal, at(2026, 3, 10, 12), at(2026, 3, 10, 6)) == "early"


@pytest.mark.parametrize(
    ("completed", "result"),
    [
        (at(2026, 3, 9, 9), "early"),  # exactly one working day (8 h) ahead
        (at(2026, 3, 9, 9, 1), "on_time"),  # 7 h 59 min ahead
        (at(2026, 3, 10, 6, 59), "on_time"),
        (at(2026, 3, 10, 9), "on_time"),
        (at(2026, 3, 10, 9, 1), "late"),
    ],
)
def test_strict_rule(cal, completed, result):
    strict = replace(cal, completion_rule="strict")
    assert classify_completion(strict, DUE, completed) == result


def test_strict_rule_counts_working_days_not_calendar_days(cal):
    strict = replace(cal, completion_rule="strict")
    # Due Mon 9/3/2026 09:00; finished Fri 6/3 09:00 = Friday 09:00–17:00 (6 h) + Monday 2 h = 8 h.
    assert classify_completion(strict, at(2026, 3, 9, 9), at(2026, 3, 6, 9)) == "early"
    # Finished Saturday 7/3: only Monday 07:00–09:00 (2 h) remains -> on time.
    assert classify_completion(strict, at(2026, 3, 9, 9), at(2026, 3, 7, 9)) == "on_time"


def test_pause_spanning_tet_2025_moves_only_by_working_time(cal):
    # Due Wed 5/2/2025 10:00. Paused Fri 24/1 16:00 (request to supplement), resumed Tue 4/2 09:00.
    # Working time paused: Friday 16:00–17:00 1 h; Tết Mon 27/1–Fri 31/1 and the weekend count
    # nothing; Mon 3/2 8 h; Tue 4/2 07:00–09:00 2 h -> 11 h (not the 11 calendar days).
    # New due: Wed 5/2 10:00–11:30 1.5 h + 13:30–17:00 3.5 h = 5 h; Thu 6/2 needs 6 h: 4.5 h in the
    # morning, 1.5 h from 13:30 -> Thu 6/2/2025 15:00.
    due = at(2025, 2, 5, 10)
    assert shift_for_pause(cal, due, at(2025, 1, 24, 16), at(2025, 2, 4, 9)) == at(2025, 2, 6, 15)


def test_pause_edge_cases(cal):
    due = at(2026, 3, 10, 17)
    # Nothing paused, or paused only over a weekend: the due time stays where it is (even at 17:00).
    assert shift_for_pause(cal, due, at(2026, 3, 9, 9), at(2026, 3, 9, 9)) == due
    assert shift_for_pause(cal, due, at(2026, 3, 7, 8), at(2026, 3, 8, 20)) == due
    # A due time at a session end moved by 1 h: Wednesday 08:00.
    assert shift_for_pause(cal, due, at(2026, 3, 9, 9), at(2026, 3, 9, 10)) == at(2026, 3, 11, 8)
    with pytest.raises(ValueError):
        shift_for_pause(cal, due, at(2026, 3, 9, 10), at(2026, 3, 9, 9))
