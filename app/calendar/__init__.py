"""Working time of Vietnamese agencies: pure functions, no database, no Flask, no clock.

Rules this package keeps (domain.md, "Counting time"):

- **Pure.** Every function takes the calendar and the moments it needs; none reads the clock
  (no ``datetime.now()``), the database or the network. The calendar is a frozen value built once by
  :func:`build_calendar` (holidays from the pinned ``holidays`` package, then the agency's own table of
  extra days off / extra working days, which wins over the package).
- **Aware datetimes only.** Naive datetimes raise ``ValueError``. Any timezone is accepted; results are in
  the calendar's timezone (default ``Asia/Ho_Chi_Minh``).
- **Working time.** Limits count only office sessions (default Mon–Fri 07:00–11:30 and 13:30–17:00),
  minus public holidays, plus make-up Saturdays (which work Monday's sessions). One working day is
  **8 working hours** (``P1D`` = ``PT8H``, see :mod:`.durations`). Negative durations raise ``ValueError``.
- **Snapping.** A moment outside a session counts from the start of the next session.
- **Session-end convention.** A due time that lands exactly on a session end *is* that end (11:30,
  17:00), never the next session's start. ``working_time_between(c, s, add_working_time(c, s, d)) == d``.
- **The 15:00 rule.** A dossier received at or after the reception cut-off (default 15:00), or on a day
  off, starts counting at the first session of the next working day (:func:`reception_start`).
- **Early / on time / late.** Default ``"session"`` rule (OpenCPS practice): on time within the half-day
  session that holds the deadline; ``"strict"``: early only when a full working day ahead.
- **Pause.** Waiting time moves the due time by the working time paused (:func:`shift_for_pause`).
- **Bounded years.** A calendar covers the years it was built for; going past them raises
  :class:`CalendarRangeError` rather than silently ignoring unknown holidays. Lookups are bisections over
  a precomputed index, so no search can run forever.
- **A calendar that can answer, or none.** Building refuses (:class:`CalendarSettingsError`) a week
  without any session, malformed, overlapping or unordered sessions, and a reception cut-off at or before
  the week's first session (00:00); and (:class:`NoWorkingTimeError`) a covered year whose every working
  day is declared off. All are :class:`CalendarError`, a ``ValueError``.
"""

from __future__ import annotations

from .durations import (
    HOURS_PER_WORKING_DAY,
    DurationError,
    format_working_duration,
    parse_working_duration,
    working_days,
)
from .model import (
    DEFAULT_RECEPTION_CUTOFF,
    DEFAULT_SESSIONS,
    DEFAULT_TZ,
    CalendarError,
    CalendarRangeError,
    CalendarSettingsError,
    CompletionRule,
    NoWorkingTimeError,
    WorkingCalendar,
    build_calendar,
    check_settings,
)
from .working_time import (
    Completion,
    add_working_time,
    classify_completion,
    is_working_day,
    next_working_moment,
    reception_start,
    sessions_on,
    shift_for_pause,
    working_time_between,
)

__all__ = [
    "DEFAULT_RECEPTION_CUTOFF",
    "DEFAULT_SESSIONS",
    "DEFAULT_TZ",
    "HOURS_PER_WORKING_DAY",
    "CalendarError",
    "CalendarRangeError",
    "CalendarSettingsError",
    "Completion",
    "CompletionRule",
    "DurationError",
    "NoWorkingTimeError",
    "WorkingCalendar",
    "add_working_time",
    "build_calendar",
    "check_settings",
    "classify_completion",
    "format_working_duration",
    "is_working_day",
    "next_working_moment",
    "parse_working_duration",
    "reception_start",
    "sessions_on",
    "shift_for_pause",
    "working_days",
    "working_time_between",
]
