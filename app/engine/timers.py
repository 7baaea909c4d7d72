"""BPMN timer events driven by the ``now`` the caller passes, never by the machine clock.

Why: SpiffWorkflow's timer event definitions read ``datetime.now()`` when they decide whether a timer has
fired, which would make deadlines untestable and tie escalations to whichever worker happens to run. Our
subclasses read the time from :data:`CLOCK`, a context variable the runner sets for the duration of each
call (``start``, ``complete_step``, ``fire_due_timers`` …). Reading it unset is a programming error.

Timer text is recognised as an ISO 8601 literal first (``PT5M`` unquoted as Camunda writes it, ``"PT5M"``
quoted as SpiffArena writes it, dates, ``R3/PT1H`` cycles); only otherwise is it evaluated, by our safe
evaluator, against the task data. Timer durations are wall-clock time (working time is the deadline
module's business, not the engine's).

Ranges (:func:`check_timer_text`, used by upload validation, and again before every computation here):
a duration at most :data:`MAX_TIMER_DURATION` (ten years), a date within :data:`TIMER_DATES`, a cycle
repeating at most :data:`MAX_TIMER_CYCLES` times after a period longer than zero. Why: past them the
arithmetic fails or never ends — ``PT99999999999999H`` overflows ``timedelta``, SpiffWorkflow adds a
duration's years month by month (``P99999999999Y`` would loop for ever, holding the GIL), ``datetime``
stops at year 9999, and ``R/PT0S`` would be due again at every tick. Nothing longer is a real deadline.
"""
from __future__ import annotations

import re
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)

from .errors import EngineError, TimerError
from .evaluator import EvaluationError, evaluate

#: The time of the current engine call; set by the runner, read by timers.
CLOCK: ContextVar[datetime | None] = ContextVar("motcua_engine_clock", default=None)

#: A date written without an offset in a diagram means Vietnamese local time, not the server's zone.
DEFAULT_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

_DURATION = re.compile(r"^P(?!$)(\d+(?:[.,]\d+)?Y)?(\d+(?:[.,]\d+)?M)?(\d+(?:[.,]\d+)?W)?(\d+(?:[.,]\d+)?D)?"
                       r"(T(?=\d)(\d+(?:[.,]\d+)?H)?(\d+(?:[.,]\d+)?M)?(\d+(?:[.,]\d+)?S)?)?$", re.IGNORECASE)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")
_CYCLE = re.compile(r"^R\d*/[^/\s]+(/[^/\s]+)?$", re.IGNORECASE)

#: Longest wall-clock time one timer waits, or one cycle repeats after (a year counted as 366 days).
MAX_TIMER_DURATION = timedelta(days=3660)
#: A ``timeDate`` (or a cycle's start or end) must fall in ``[first, last)``.
TIMER_DATES = (datetime(1970, 1, 1, tzinfo=UTC), datetime(3000, 1, 1, tzinfo=UTC))
#: Most repetitions a cycle may declare (``R5/PT1H``); ``R/PT1H`` repeats until the step is left.
MAX_TIMER_CYCLES = 10_000
_LONGEST_DAYS = {"years": 366, "months": 31, "weeks": 7, "days": 1}
_SECONDS = {"hours": 3600, "minutes": 60, "seconds": 1}


def clock_now() -> datetime:
    """The injected time of the current engine call (aware, UTC)."""
    now = CLOCK.get()
    if now is None:
        raise EngineError("engine timer read outside an engine call: pass now= to the runner")
    return now


def as_utc(value: datetime) -> datetime:
    """Aware UTC datetime; naive values are taken as UTC (the service's convention for ``now``)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1].strip()
    return text


def is_iso_literal(text: str) -> bool:
    """True when ``text`` (quoted or not) is an ISO 8601 duration, date-time or repeating interval."""
    value = _unquote(text or "")
    return bool(_DURATION.match(value) or _DATE.match(value) or _CYCLE.match(value))


def timer_text(expression: str | None, data: dict[str, Any] | None = None) -> str:
    """The ISO 8601 text of a timer: the literal itself, or the value of a safe expression over ``data``."""
    if expression is None or not expression.strip():
        raise TimerError("timer has no expression")
    if is_iso_literal(expression):
        return _unquote(expression)
    try:
        value = evaluate(expression, data or {}, now=CLOCK.get())
    except EvaluationError as exc:
        raise TimerError(f"timer expression {expression!r}: {exc}") from exc
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and is_iso_literal(value):
        return _unquote(value)
    raise TimerError(f"timer expression {expression!r} did not give an ISO 8601 value")


def parse_datetime(text: str) -> datetime:
    """ISO date-time as aware UTC; a value without an offset is Vietnamese local time. Refused outside
    :data:`TIMER_DATES`."""
    first, last = TIMER_DATES
    out_of_range = TimerError(f"timer date {text!r} is not between {first.year} and {last.year - 1}")
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise TimerError(f"invalid ISO 8601 date-time {text!r}") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=DEFAULT_TZ)
    try:
        value = value.astimezone(UTC)
    except OverflowError:  # year 1 east of UTC, or year 9999 west of it
        raise out_of_range from None
    if not first <= value < last:
        raise out_of_range
    return value


def parse_duration(text: str) -> dict[str, int | float]:
    """ISO 8601 duration as SpiffWorkflow's parts; refused when it may be longer than MAX_TIMER_DURATION.

    The bound is judged on the parts (a year as 366 days, a month as 31), before any ``timedelta`` or
    calendar arithmetic is attempted, so no text can make this overflow or loop.
    """
    try:
        parsed = TimerEventDefinition.parse_iso_duration(text)
    except Exception as exc:  # SpiffWorkflow raises bare Exception
        raise TimerError(f"invalid ISO 8601 duration {text!r}") from exc
    days = sum(parsed.get(name, 0) * factor for name, factor in _LONGEST_DAYS.items())
    seconds = days * 86_400 + sum(parsed.get(name, 0) * factor for name, factor in _SECONDS.items())
    if seconds > MAX_TIMER_DURATION.total_seconds():
        raise TimerError(f"timer duration {text!r} is longer than {MAX_TIMER_DURATION.days} days")
    return parsed


def add_duration(text: str, start: datetime) -> datetime:
    """``start`` + ISO 8601 duration, with calendar months and years."""
    parsed = parse_duration(text)
    try:
        return start + TimerEventDefinition.get_timedelta_from_start(parsed, start)
    except (OverflowError, ValueError) as exc:
        raise TimerError(f"duration {text!r} after {start.isoformat()} is out of range") from exc


def _time_or_duration(text: str) -> datetime | dict:
    if text.upper().startswith("P"):
        return parse_duration(text)
    return parse_datetime(text)


def _cycle_parts(text: str) -> tuple[int, datetime | dict, datetime | dict | None]:
    """``R[n]/a[/b]`` read and range-checked: the count and the one or two parts (dates or durations)."""
    try:
        parts = text.upper()[1:].split("/")
        if len(parts) not in (2, 3) or len(parts[0]) > 9:
            raise ValueError(text)
        cycles = int(parts[0]) if parts[0] else -1
        first = _time_or_duration(parts[1])
        second = _time_or_duration(parts[2]) if len(parts) == 3 else None
    except TimerError:
        raise
    except Exception as exc:
        raise TimerError(f"invalid ISO 8601 cycle {text!r}") from exc
    if cycles > MAX_TIMER_CYCLES:
        raise TimerError(f"cycle {text!r} repeats more than {MAX_TIMER_CYCLES} times")
    if isinstance(first, datetime) and not isinstance(second, dict):
        raise TimerError(f"invalid ISO 8601 cycle {text!r}")
    for part in (first, second):
        if isinstance(part, dict) and not any(part.values()):
            raise TimerError(f"cycle {text!r} repeats after no time at all")
    return cycles, first, second


def parse_cycle(text: str, now: datetime) -> tuple[int, datetime, timedelta]:
    """``R[n]/start/duration``, ``R[n]/duration/end`` or ``R[n]/duration`` (first due at ``now`` + duration)."""
    cycles, first, second = _cycle_parts(text)
    try:
        if isinstance(first, datetime) and isinstance(second, dict):
            return cycles, first, TimerEventDefinition.get_timedelta_from_start(second, first)
        if isinstance(first, dict) and isinstance(second, datetime):
            duration = TimerEventDefinition.get_timedelta_from_end(first, second)
            return cycles, second - duration, duration
        if isinstance(first, dict) and second is None:
            duration = TimerEventDefinition.get_timedelta_from_start(dict(first), now)
            return cycles, now + duration, duration
    except (OverflowError, ValueError) as exc:
        raise TimerError(f"cycle {text!r} is out of range") from exc
    raise TimerError(f"invalid ISO 8601 cycle {text!r}")


def check_timer_text(kind: str, text: str) -> None:
    """Raise :class:`TimerError` if an ISO 8601 timer literal is out of the ranges the engine schedules.

    ``kind`` is ``timeDuration``, ``timeDate`` or ``timeCycle``; upload validation calls this (pure: no
    clock, no data) so the designer hears about ``PT99999999999999H`` before any dossier runs it.
    """
    value = _unquote(text)
    if kind == "timeDuration":
        parse_duration(value)
    elif kind == "timeDate":
        parse_datetime(value)
    else:
        _cycle_parts(value)


def due_at_of(task: Any) -> datetime | None:
    """When a waiting timer task is due, from what its definition stored at activation."""
    value = task._get_internal_data("event_value")
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("next")
    return as_utc(datetime.fromisoformat(value))


class MotcuaTimeDate(TimeDateEventDefinition):
    """``timeDate`` timer reading the injected clock."""

    def has_fired(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = parse_datetime(timer_text(self.expression, my_task.data)).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if datetime.fromisoformat(event_value) <= clock_now():
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class MotcuaDuration(DurationTimerEventDefinition):
    """``timeDuration`` timer: due at activation time (injected) + duration."""

    def has_fired(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = add_duration(timer_text(self.expression, my_task.data), clock_now()).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if datetime.fromisoformat(event_value) <= clock_now():
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class MotcuaCycle(CycleTimerEventDefinition):
    """``timeCycle`` timer with the injected clock (same bookkeeping as SpiffWorkflow's)."""

    def cycle_complete(self, my_task: Any) -> bool:
        now = clock_now()
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            cycles, start, duration = parse_cycle(timer_text(self.expression, my_task.data), now)
            event_value = {"cycles": cycles, "next": start.isoformat(), "duration": duration.total_seconds()}
        ready = False
        if event_value["cycles"] != 0:
            next_event = datetime.fromisoformat(event_value["next"])
            if next_event <= now:
                event_value["next"] = (next_event + timedelta(seconds=event_value["duration"])).isoformat()
                event_value["cycles"] -= 1
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=event_value)
        return ready


TIMER_CLASSES = {"timeDate": MotcuaTimeDate, "timeDuration": MotcuaDuration, "timeCycle": MotcuaCycle}
