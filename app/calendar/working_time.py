"""Pure working-time arithmetic over a :class:`~app.calendar.model.WorkingCalendar`.

Every moment is mapped to its *working position*: the working time elapsed since the calendar's first
session. Adding working time is then "position + duration, back to a moment", and the time between two
moments is "difference of positions" — which is why :func:`add_working_time` and
:func:`working_time_between` are exact inverses. Both lookups are bisections over the calendar's index.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date, datetime, time, timedelta
from typing import Literal

from .durations import HOURS_PER_WORKING_DAY
from .model import CalendarRangeError, WorkingCalendar, _Index, from_us, to_us

Completion = Literal["early", "on_time", "late"]

_ZERO = timedelta(0)
_US = timedelta(microseconds=1)
_WORKING_DAY_US = HOURS_PER_WORKING_DAY * 3600 * 1_000_000


def _moment(cal: WorkingCalendar, value: datetime) -> int:
    """Epoch microseconds of ``value``, refusing naive datetimes and moments outside the calendar."""
    t = to_us(value)
    idx = cal._index
    if t < idx.lo or t > idx.hi:
        raise CalendarRangeError(
            f"{value.isoformat()} is outside the calendar's years {cal.first_year}..{cal.last_year}"
        )
    return t


def _position(idx: _Index, t: int) -> int:
    """Working time (µs) from the calendar's start to moment ``t``."""
    i = bisect_right(idx.starts, t) - 1
    if i < 0:
        return 0
    into = t - idx.starts[i]
    length = idx.lengths[i]
    return idx.cum[i] + min(length, into)


def _at_position(cal: WorkingCalendar, w: int) -> int:
    """Earliest moment whose position is ``w`` (> 0): a due time exactly at a session end stays there."""
    idx = cal._index
    if w > idx.total:
        raise CalendarRangeError(
            f"the due time falls after the calendar's last year {cal.last_year}; build it with more years"
        )
    j = bisect_left(idx.cumend, w)
    return idx.starts[j] + (w - idx.cum[j])


def _check_duration(duration: timedelta) -> int:
    if not isinstance(duration, timedelta):
        raise TypeError(f"duration must be a timedelta, got {type(duration).__name__}")
    if duration < _ZERO:
        raise ValueError(f"negative working duration refused: {duration}")
    return duration // _US


def is_working_day(cal: WorkingCalendar, d: date) -> bool:
    """True when ``d`` (a local calendar date, not a datetime) has office sessions."""
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError("is_working_day takes a date; use .astimezone(cal.tz).date() on a datetime")
    return cal.is_working_day(d)


def sessions_on(cal: WorkingCalendar, d: date) -> tuple[tuple[datetime, datetime], ...]:
    """The office sessions of local date ``d`` as aware (start, end) pairs; empty on a day off."""
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError("sessions_on takes a date")
    tz = cal.tz
    return tuple(
        (datetime.combine(d, begin, tzinfo=tz), datetime.combine(d, end, tzinfo=tz))
        for begin, end in cal.sessions_of(d)
    )


def next_working_moment(cal: WorkingCalendar, at: datetime) -> datetime:
    """``at`` if it is inside a session, else the start of the next session (a session end is outside)."""
    t = _moment(cal, at)
    idx = cal._index
    i = bisect_right(idx.ends, t)  # first session that ends after t
    if i == len(idx.starts):
        raise CalendarRangeError(f"no working time after {at.isoformat()} in years up to {cal.last_year}")
    start = idx.starts[i]
    return from_us(max(t, start), cal.tz)


def add_working_time(cal: WorkingCalendar, start: datetime, duration: timedelta) -> datetime:
    """Due time: ``duration`` of working time after ``start`` (P1D = 8 h).

    A start outside a session counts from the next session. A due time that lands exactly on a session
    end is that end (17:00), not the next morning. Adding zero returns ``start`` itself (in ``cal.tz``).
    """
    d = _check_duration(duration)
    t = _moment(cal, start)
    if d == 0:
        return start.astimezone(cal.tz)
    return from_us(_at_position(cal, _position(cal._index, t) + d), cal.tz)


def working_time_between(cal: WorkingCalendar, a: datetime, b: datetime) -> timedelta:
    """Working time from ``a`` to ``b`` (zero when ``b <= a``); the inverse of :func:`add_working_time`."""
    ta = _moment(cal, a)
    tb = _moment(cal, b)
    if tb <= ta:
        return _ZERO
    idx = cal._index
    return timedelta(microseconds=_position(idx, tb) - _position(idx, ta))


def reception_start(cal: WorkingCalendar, received_at: datetime) -> datetime:
    """Moment a dossier's time starts counting (the 15:00 rule).

    Received on a working day before the cut-off: from the reception moment, snapped into a session
    (12:00 counts from 13:30). At or after the cut-off, or on a day off: the first session of the next
    working day, because the desk hands the dossier on only then.
    """
    _moment(cal, received_at)  # refuses naive and out-of-range moments
    local = received_at.astimezone(cal.tz)
    day = local.date()
    if cal.is_working_day(day) and local.time() < cal.reception_cutoff:
        return next_working_moment(cal, received_at)
    midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=cal.tz)
    return next_working_moment(cal, midnight)


def classify_completion(cal: WorkingCalendar, due: datetime, completed: datetime) -> Completion:
    """Early / on time / late by the calendar's ``completion_rule``; late always means after ``due``.

    ``"session"`` (OpenCPS practice, default): on time within the half-day session that holds the
    deadline, early before that session starts. ``"strict"``: early when at least one working day
    (8 h) before the deadline, otherwise on time.
    """
    td = _moment(cal, due)
    tc = to_us(completed)
    if tc > td:
        return "late"
    idx = cal._index
    if cal.completion_rule == "strict":
        tc = max(tc, idx.lo)  # long before the calendar's years is simply early
        ahead = _position(idx, td) - _position(idx, tc)
        return "early" if ahead >= _WORKING_DAY_US else "on_time"
    # The session that holds the deadline: the first one ending at or after it, if it has begun by then;
    # a deadline in a gap (lunch, night) belongs to the session that ended just before it.
    i = bisect_left(idx.ends, td)
    if i == len(idx.starts) or idx.starts[i] > td:
        i -= 1
    if i < 0:
        raise CalendarRangeError(f"no session at or before {due.isoformat()} in the calendar")
    return "early" if tc < idx.starts[i] else "on_time"


def shift_for_pause(
    cal: WorkingCalendar, due: datetime, paused_at: datetime, resumed_at: datetime
) -> datetime:
    """Due time after a pause (waiting for supplementation): moved by the *working* time paused.

    A pause that spans Tết moves the due time only by the working days inside the pause.
    """
    if to_us(resumed_at) < to_us(paused_at):
        raise ValueError("resumed_at is before paused_at")
    return add_working_time(cal, due, working_time_between(cal, paused_at, resumed_at))
