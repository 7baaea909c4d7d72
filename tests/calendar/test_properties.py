"""Properties that must hold for every start and duration, checked with hypothesis."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from app.calendar import (
    add_working_time,
    build_calendar,
    classify_completion,
    is_working_day,
    next_working_moment,
    reception_start,
    sessions_on,
    working_time_between,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Built once at import: hypothesis cannot take function-scoped fixtures, and the calendar is a value.
CAL = build_calendar(years=range(2025, 2028))

# Moments in 2025–2026 in several zones (Paris has daylight saving; results must still be Hanoi time).
moments = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2026, 12, 31, 23, 59),
    timezones=st.sampled_from([VN, ZoneInfo("UTC"), ZoneInfo("Europe/Paris")]),
)
# Working durations up to 25 working days (200 h), to the microsecond.
durations = st.integers(min_value=0, max_value=200 * 3600 * 10**6).map(lambda us: timedelta(microseconds=us))
positive = st.integers(min_value=1, max_value=200 * 3600 * 10**6).map(lambda us: timedelta(microseconds=us))

fast = settings(max_examples=150, deadline=None)


def inside_or_at_end(moment: datetime) -> bool:
    return any(s < moment <= e for s, e in sessions_on(CAL, moment.date()))


@fast
@given(moments, durations)
def test_between_inverts_add(start, d):
    assert working_time_between(CAL, start, add_working_time(CAL, start, d)) == d


@fast
@given(moments, positive)
def test_due_time_is_inside_or_at_the_end_of_a_session(start, d):
    due = add_working_time(CAL, start, d)
    assert due.tzinfo == VN
    assert due > start
    assert is_working_day(CAL, due.date())
    assert inside_or_at_end(due)


@fast
@given(moments, durations, durations)
def test_monotone_in_duration(start, d1, d2):
    lo, hi = sorted((d1, d2))
    assert add_working_time(CAL, start, lo) <= add_working_time(CAL, start, hi)


@fast
@given(moments, moments, positive)
def test_monotone_in_start(a, b, d):
    a, b = sorted((a, b))
    assert add_working_time(CAL, a, d) <= add_working_time(CAL, b, d)


@fast
@given(moments, positive, positive)
def test_steps_chain_like_one_limit(start, d1, d2):
    # Chaining steps (each starting at the previous due time) equals adding their sum at once,
    # thanks to the session-end convention.
    assert add_working_time(CAL, add_working_time(CAL, start, d1), d2) == add_working_time(
        CAL, start, d1 + d2
    )


@fast
@given(moments, moments, moments)
def test_between_is_additive_and_bounded(a, b, c):
    a, b, c = sorted((a, b, c))
    ab, bc = working_time_between(CAL, a, b), working_time_between(CAL, b, c)
    assert working_time_between(CAL, a, c) == ab + bc
    assert timedelta(0) <= ab <= b - a


@fast
@given(moments, positive)
def test_snapping(start, d):
    snapped = next_working_moment(CAL, start)
    assert snapped >= start
    assert any(s <= snapped < e for s, e in sessions_on(CAL, snapped.date()))
    assert working_time_between(CAL, start, snapped) == timedelta(0)
    assert add_working_time(CAL, snapped, d) == add_working_time(CAL, start, d)
    counted_from = reception_start(CAL, start)
    assert counted_from >= snapped


@fast
@given(moments, positive, st.integers(min_value=-(10**12), max_value=10**12))
def test_classification_agrees_with_the_deadline(start, d, offset_us):
    due = add_working_time(CAL, start, d)
    done = due + timedelta(microseconds=offset_us)
    result = classify_completion(CAL, due, done)
    assert (result == "late") == (done > due)
    assert classify_completion(CAL, due, due) == "on_time"
