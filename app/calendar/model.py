"""One agency's working calendar (``WorkingCalendar``) and how to build it (``build_calendar``).

The calendar is a frozen value: it is built once (holidays from the pinned ``holidays`` package, then the
agency's own overrides on top) and precomputes an index of every office session in the years it covers,
so that the functions in :mod:`app.calendar.working_time` answer with two bisections instead of a loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import holidays as holidays_pkg

DEFAULT_TZ = "Asia/Ho_Chi_Minh"

#: Which rule decides early / on time / late (domain.md: no legal definition, OpenCPS practice is "session").
CompletionRule = Literal["session", "strict"]
COMPLETION_RULES: tuple[str, ...] = ("session", "strict")

Session = tuple[time, time]
DaySessions = tuple[Session, ...]
WeekSessions = tuple[DaySessions, ...]  # seven entries, Monday = 0 … Sunday = 6

_OFFICE_DAY: DaySessions = ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))
#: Mon–Fri 07:00–11:30 and 13:30–17:00 (8 h a day), no sessions on Saturday and Sunday.
DEFAULT_SESSIONS: WeekSessions = (_OFFICE_DAY,) * 5 + ((), ())
DEFAULT_RECEPTION_CUTOFF = time(15, 0)

_EPOCH = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))
_US = timedelta(microseconds=1)

#: ``{weekday: [(start, end), ...]}`` or seven rows Monday first; bounds are ``time`` or ``"HH:MM"``.
#: Years the API accepts (the ``holidays`` package and the decisions we know of cover these).
MIN_YEAR, MAX_YEAR = 2000, 2100
SessionsIn = Mapping[int, Sequence[Sequence[time | str]]] | Sequence[Sequence[Sequence[time | str]]]


class CalendarError(ValueError):
    """The calendar cannot answer; the subclass says why. A ``ValueError``, so callers that knew only that
    keep working; the service turns each kind into a problem a client can act on (never a 500)."""


class CalendarRangeError(CalendarError):
    """A computation needs days outside the years the calendar was built for.

    Raised rather than guessing: holidays of an unbuilt year are unknown, so a due time would be wrong.
    """


class CalendarSettingsError(CalendarError):
    """Office sessions, reception cut-off or completion rule that cannot make a working week.

    ``field`` names the setting at fault (``sessions``, ``reception_cutoff``, ``completion_rule``,
    ``make_up_weekday``), so the service can point at it.
    """

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class NoWorkingTimeError(CalendarError):
    """A year of the calendar has no working time at all (every working day declared off).

    Refused when the calendar is built: every due time in or across that year would be unreachable.
    """

    def __init__(self, message: str, *, years: Iterable[int]) -> None:
        super().__init__(message)
        self.years = tuple(sorted(years))


def to_us(value: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime; exact integer arithmetic, no floats."""
    if not isinstance(value, datetime):
        raise TypeError(f"expected an aware datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime refused (give it a timezone): {value!r}")
    return (value - _EPOCH) // _US


def from_us(value: int, tz: ZoneInfo) -> datetime:
    """Inverse of :func:`to_us`, in ``tz``."""
    return (_EPOCH + timedelta(microseconds=value)).astimezone(tz)


class _Index:
    """Every session of the covered years as epoch microseconds, with cumulative working time.

    ``cum[i]`` is the working time before session ``i``; ``cumend[i] = cum[i] + length of session i``.
    """

    __slots__ = ("cum", "cumend", "ends", "hi", "lengths", "lo", "per_year", "starts", "total")

    def __init__(self, cal: WorkingCalendar) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.lengths: list[int] = []
        self.cum: list[int] = []
        self.cumend: list[int] = []
        tz = cal.tz
        first = date(cal.first_year, 1, 1)
        last = date(cal.last_year, 12, 31)
        self.lo = to_us(datetime.combine(first, time(0), tzinfo=tz))
        self.hi = to_us(datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz))
        total = 0
        #: working time (µs) of each covered year, to refuse a year without any
        self.per_year: dict[int, int] = dict.fromkeys(range(cal.first_year, cal.last_year + 1), 0)
        day = first
        one_day = timedelta(days=1)
        while day <= last:  # bounded: at most 21 years of days
            for begin, end in cal.sessions_of(day):
                s = to_us(datetime.combine(day, begin, tzinfo=tz))
                e = to_us(datetime.combine(day, end, tzinfo=tz))
                if e <= s or (self.ends and s < self.ends[-1]):
                    # Only possible around a daylight-saving jump in an exotic zone; refuse, don't guess.
                    raise CalendarSettingsError(f"sessions of {day} overlap or run backwards in {tz.key}",
                                                field="sessions")
                self.starts.append(s)
                self.ends.append(e)
                self.lengths.append(e - s)
                self.cum.append(total)
                total += e - s
                self.per_year[day.year] += e - s
                self.cumend.append(total)
            day += one_day
        self.total = total


@dataclass(frozen=True)
class WorkingCalendar:
    """One agency's working time for the years ``first_year``..``last_year`` (inclusive).

    ``holidays`` and ``weekend_workdays`` come from the ``holidays`` package (days off, and Saturdays
    worked to bridge a holiday); ``extra_days_off`` / ``extra_working_days`` are the agency's table, which
    wins over the package because announcements come late. A make-up working day works the sessions of
    ``make_up_weekday`` (None: Monday, or the first weekday with sessions when Monday has none). Iterables of
    dates given to the constructor are frozen into frozensets.

    Refused at construction (:class:`CalendarSettingsError`, :class:`NoWorkingTimeError`): a week without
    any session, a reception cut-off at or before the first session of the week (00:00 would hand every
    dossier on to the next day), and a covered year without any working time.
    """

    first_year: int
    last_year: int
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TZ))
    sessions: WeekSessions = DEFAULT_SESSIONS
    holidays: frozenset[date] = frozenset()
    weekend_workdays: frozenset[date] = frozenset()
    extra_days_off: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    make_up_weekday: int | None = None
    reception_cutoff: time = DEFAULT_RECEPTION_CUTOFF
    completion_rule: CompletionRule = "session"
    _index: _Index = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise inputs once, here
        if isinstance(self.tz, str):
            set_(self, "tz", ZoneInfo(self.tz))
        if not isinstance(self.tz, ZoneInfo):
            raise TypeError("tz must be a zoneinfo.ZoneInfo or an IANA name")
        if not (1900 <= self.first_year <= self.last_year <= 2200):
            raise ValueError(f"bad year range {self.first_year}..{self.last_year}")
        if self.last_year - self.first_year > 20:
            raise ValueError("a calendar covers at most 21 years; build another one")
        set_(self, "sessions", normalize_sessions(self.sessions))
        for name in ("holidays", "weekend_workdays", "extra_days_off", "extra_working_days"):
            days = frozenset(getattr(self, name))
            if any(isinstance(d, datetime) or not isinstance(d, date) for d in days):
                raise TypeError(f"{name} must hold dates")
            set_(self, name, days)
        both = self.extra_days_off & self.extra_working_days
        if both:
            raise ValueError(f"dates both extra day off and extra working day: {sorted(both)}")
        if not isinstance(self.reception_cutoff, time) or self.reception_cutoff.tzinfo is not None:
            raise TypeError("reception_cutoff must be a naive local time, e.g. time(15)")
        check_settings(self.sessions, self.reception_cutoff)
        if self.make_up_weekday is None:
            set_(self, "make_up_weekday", 0 if self.sessions[0] else
                 next(i for i, day in enumerate(self.sessions) if day))
        if (not isinstance(self.make_up_weekday, int) or not 0 <= self.make_up_weekday <= 6
                or not self.sessions[self.make_up_weekday]):
            raise CalendarSettingsError("make_up_weekday must be a weekday that has sessions",
                                        field="make_up_weekday")
        if self.completion_rule not in COMPLETION_RULES:
            raise CalendarSettingsError(f"completion_rule must be one of {COMPLETION_RULES}",
                                        field="completion_rule")
        index = _Index(self)
        dead = [year for year, working in index.per_year.items() if working == 0]
        if dead:
            raise NoWorkingTimeError(
                f"no working time in {', '.join(map(str, dead))}: every working day is declared off", years=dead)
        set_(self, "_index", index)

    def is_working_day(self, day: date) -> bool:
        """Agency table first, then the package's days off and make-up days, then the weekly sessions."""
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False
        if day in self.holidays:
            return False
        if day in self.weekend_workdays:
            return True
        return bool(self.sessions[day.weekday()])

    def sessions_of(self, day: date) -> DaySessions:
        """Local office sessions of ``day``; a make-up day that normally has none works Monday's."""
        if not self.is_working_day(day):
            return ()
        own = self.sessions[day.weekday()]
        made_up = day in self.extra_working_days or day in self.weekend_workdays
        if made_up and not own:
            return self.sessions[self.make_up_weekday]
        return own


def _parse_time(value: time | str) -> time:
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise CalendarSettingsError("session times are local wall-clock times without tzinfo", field="sessions")
        return value
    if isinstance(value, str):
        try:
            return _parse_time(time.fromisoformat(value.strip()))
        except ValueError:
            raise CalendarSettingsError(f"session bound {value!r} is not a time of day 00:00..23:59",
                                        field="sessions") from None
    raise CalendarSettingsError(f"session bound must be a time or 'HH:MM', got {value!r}", field="sessions")


def normalize_sessions(sessions: SessionsIn | None) -> WeekSessions:
    """Accept ``{weekday: [("07:00", "11:30"), ...]}`` or a 7-tuple; check order, return the 7-tuple.

    Anything malformed (a wrong shape, a bound that is not a time, a session ending before it starts,
    sessions overlapping or out of order) raises :class:`CalendarSettingsError`. An empty week passes
    here; :func:`check_settings` refuses it.
    """
    if sessions is None:
        return DEFAULT_SESSIONS
    if isinstance(sessions, Mapping):
        if any(isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= 6 for k in sessions):
            raise CalendarSettingsError("session weekdays are 0 (Monday) .. 6 (Sunday)", field="sessions")
        rows = [sessions.get(k, ()) for k in range(7)]
    elif isinstance(sessions, Sequence) and not isinstance(sessions, str):
        rows = list(sessions)
        if len(rows) != 7:
            raise CalendarSettingsError("sessions need seven entries, Monday first", field="sessions")
    else:
        raise CalendarSettingsError("sessions must map weekdays to lists of (start, end)", field="sessions")
    week: list[DaySessions] = []
    for weekday, row in enumerate(rows):
        if row is None:
            row = ()
        if isinstance(row, (str, bytes)) or not isinstance(row, Sequence):
            raise CalendarSettingsError(f"sessions of weekday {weekday} must be a list of (start, end)",
                                        field="sessions")
        day: list[Session] = []
        for pair in row:
            if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
                raise CalendarSettingsError(f"a session of weekday {weekday} must be a (start, end) pair",
                                            field="sessions")
            begin, end = (_parse_time(v) for v in pair)
            if begin >= end:
                raise CalendarSettingsError(f"session {begin}-{end} on weekday {weekday} ends before it starts",
                                            field="sessions")
            if day and begin < day[-1][1]:
                raise CalendarSettingsError(f"sessions on weekday {weekday} overlap or are out of order",
                                            field="sessions")
            day.append((begin, end))
        week.append(tuple(day))
    return tuple(week)


def check_settings(sessions: WeekSessions, reception_cutoff: time) -> None:
    """Refuse settings that leave no working time: a week without sessions, a cut-off before the office day.

    The cut-off must fall after the start of the week's earliest session: at or before it (00:00, 06:00)
    no dossier would ever count from the day it is received. A cut-off after the last session is allowed
    (it simply never applies).
    """
    starts = [day[0][0] for day in sessions if day]
    if not starts:
        raise CalendarSettingsError("at least one office session a week is needed", field="sessions")
    if not isinstance(reception_cutoff, time) or reception_cutoff.tzinfo is not None:
        raise CalendarSettingsError("the reception cut-off must be a local time of day", field="reception_cutoff")
    first = min(starts)
    if reception_cutoff <= first:
        raise CalendarSettingsError(
            f"the reception cut-off {reception_cutoff.strftime('%H:%M')} must be after the first session of the "
            f"week starts ({first.strftime('%H:%M')})", field="reception_cutoff")


def _as_dates(values: Iterable[date]) -> frozenset[date]:
    out = frozenset(values)
    if any(isinstance(d, datetime) or not isinstance(d, date) for d in out):
        raise TypeError("expected dates")
    return out


def build_calendar(
    *,
    years: int | Iterable[int],
    extra_days_off: Iterable[date] = (),
    extra_working_days: Iterable[date] = (),
    sessions: SessionsIn | None = None,
    tz: ZoneInfo | str = DEFAULT_TZ,
    reception_cutoff: time = DEFAULT_RECEPTION_CUTOFF,
    completion_rule: CompletionRule = "session",
    make_up_weekday: int | None = None,
) -> WorkingCalendar:
    """Build a Vietnamese agency calendar: ``holidays.VN`` days off and make-up days, then the overrides.

    ``years`` may be one year or several; the calendar covers the whole span from the smallest to the
    largest, so a dossier received in December can finish in January (pass both years).
    """
    wanted = [years] if isinstance(years, int) else sorted(set(years))
    if not wanted:
        raise ValueError("years must not be empty")
    first, last = wanted[0], wanted[-1]
    span = range(first, last + 1)
    vn = holidays_pkg.country_holidays("VN", years=span)
    days_off = frozenset(d for d in vn if first <= d.year <= last)
    # ``weekend_workdays`` holds the swapped Saturdays the package knows, whatever years were asked.
    make_up = frozenset(d for d in getattr(vn, "weekend_workdays", ()) if first <= d.year <= last)
    return WorkingCalendar(
        first_year=first,
        last_year=last,
        tz=ZoneInfo(tz) if isinstance(tz, str) else tz,
        sessions=normalize_sessions(sessions),
        holidays=days_off,
        weekend_workdays=make_up,
        extra_days_off=_as_dates(extra_days_off),
        extra_working_days=_as_dates(extra_working_days),
        make_up_weekday=make_up_weekday,
        reception_cutoff=reception_cutoff,
        completion_rule=completion_rule,
    )
