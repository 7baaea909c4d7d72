"""The daily step rollup behind the summary by unit: built by the scheduler, read for finished days.

Counting a year of steps (6,000,000 of them over two years) takes seconds however they are stored; the summary
by unit instead adds up :class:`~app.reports.models.ReportStepDay` rows — per local day, unit and agency: the
steps received, resolved (by result), withdrawn and stopped that day, and those open, overdue and paused at its
end — and counts only the days after the rollup from ``steps``. The figures are the same either way: a test
compares them for every period boundary and every rollup extent.

- **Built** by the scheduler (:func:`tick`, registered by :mod:`app.reports.routes`) once a day is over (plus
  :data:`GRACE` for requests still in flight): :func:`build` reads the steps open or ended since the first day to
  build — a day's worth of rows — and replaces those days. The first build reads every step once.
- **Finished days do not change**: a step's start, end, unit, agency, channel and result are written once, at
  the moment they happen. Its due time is the exception (resuming a pause moves it): setting ``Step.due_at`` on
  a stored step records a :class:`~app.reports.models.ReportRollupStale` mark (an ORM attribute event, below);
  the reports treat the days from that step's start as not built, and the next build rebuilds them.
- Days are local days of the service timezone (``TIMEZONE``); another timezone rebuilds everything.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, delete, event, func, insert, inspect, or_, select, type_coerce
from sqlalchemy.orm import Session, object_session

from app.deadlines.models import DossierPause
from app.dossiers.models import Step
from app.reports.models import DAY_COUNTS, ReportRollup, ReportRollupStale, ReportStepDay

NAME = "step_days"
#: A day is built this long after it ended: a request that read the clock before midnight may still commit.
GRACE = timedelta(minutes=10)
#: Stale days (a due time moved) are rebuilt at most this often by the scheduler; until then they are counted
#: from ``steps``, so the figures are right meanwhile.
STALE_REBUILD_EVERY = timedelta(minutes=10)
_BATCH = 10_000

(RECEIVED_ONLINE, RECEIVED_OTHER, RESOLVED_EARLY, RESOLVED_ON_TIME, RESOLVED_LATE, RESOLVED_OTHER, WITHDRAWN, STOPPED,
 OPEN_AT_END, OVERDUE_AT_END, PAUSED_AT_END) = range(len(DAY_COUNTS))
_RESOLVED = {"early": RESOLVED_EARLY, "on_time": RESOLVED_ON_TIME, "late": RESOLVED_LATE}
_CLOSED = {"withdrawn": WITHDRAWN, "stopped": STOPPED}


def midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


@dataclass(frozen=True)
class Extent:
    """Days the reports may read from the rollup: none before ``start`` had a step; built through ``through``."""

    start: date
    through: date


def usable(*, session: Session, tz: ZoneInfo) -> Extent | None:
    """The built days, less those made stale since; None when nothing usable is built (count from ``steps``)."""
    state = session.get(ReportRollup, NAME)
    if state is None or state.built_through is None or state.built_from is None or state.timezone != tz.key:
        return None
    through = state.built_through
    stale = session.scalar(select(func.min(ReportRollupStale.since)))
    if stale is not None:
        through = min(through, local_day(stale, tz) - timedelta(days=1))
    return Extent(state.built_from, through)


# --- building --------------------------------------------------------------------------------------------

def _state(session: Session, tz: ZoneInfo) -> ReportRollup:
    """The state row, locked (PostgreSQL) so that two schedulers never build at once."""
    stmt = (select(ReportRollup).where(ReportRollup.name == NAME).with_for_update()
            .execution_options(populate_existing=True))
    state = session.execute(stmt).scalar_one_or_none()
    if state is None:
        dialect = session.get_bind().dialect.name
        values = {"name": NAME, "timezone": tz.key}
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        session.execute(dialect_insert(ReportRollup).values(**values).on_conflict_do_nothing())
        state = session.execute(stmt).scalar_one()
    return state


def last_buildable_day(now: datetime, tz: ZoneInfo) -> date:
    today = local_day(now, tz)
    return today - timedelta(days=1 if now >= midnight(today, tz) + GRACE else 2)


def build(*, session: Session, now: datetime, tz: ZoneInfo) -> int:
    """Build (or rebuild) every day not yet built, or stale, up to the last finished day; returns the days built.

    Flushes, never commits (the scheduler commits the tick; a CLI or the benchmark commits itself).
    """
    state = _state(session, tz)
    if state.timezone != tz.key:
        session.execute(delete(ReportStepDay))
        state.timezone, state.built_from, state.built_through = tz.key, None, None
    last = last_buildable_day(now, tz)
    stale = session.execute(select(ReportRollupStale.id, ReportRollupStale.since)).all()
    if state.built_through is None:
        first_start = session.scalar(select(func.min(Step.started_at)))
        state.built_from = local_day(first_start, tz) if first_start is not None else last + timedelta(days=1)
        first = state.built_from
    else:
        first = state.built_through + timedelta(days=1)
        if stale:
            first = min(first, max(state.built_from, local_day(min(s.since for s in stale), tz)))
    built = 0
    if first <= last:
        session.execute(delete(ReportStepDay).where(ReportStepDay.day >= first))
        _write(session, list(_day_rows(session=session, first=first, last=last, tz=tz)))  # read, then write
        built = (last - first).days + 1
    if built or state.built_through is None:
        state.built_through = max(last, state.built_from - timedelta(days=1))
    if stale:
        session.execute(delete(ReportRollupStale).where(ReportRollupStale.id.in_([s.id for s in stale])))
    state.built_at = now
    session.flush()
    return built


_COLUMNS = ("day", "unit_id", "agency_id", *DAY_COUNTS)


def _write(session: Session, rows: list[tuple]) -> None:
    """Insert day rows: COPY on PostgreSQL (a first build writes ~100,000s of them), batched inserts elsewhere."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(
                f"COPY {ReportStepDay.__tablename__} ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(dict(zip(_COLUMNS, row, strict=True)))
        if len(batch) == _BATCH:
            connection.execute(insert(ReportStepDay.__table__), batch)
            batch = []
    if batch:
        connection.execute(insert(ReportStepDay.__table__), batch)


_INSTANT_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def _instant(column, dialect: str):
    """A timestamp as UTC text ``YYYY-MM-DD HH:MM:SS.ffffff`` (how SQLite stores it): it sorts as the instant, and
    millions of them compare in Python far faster than aware datetimes (no conversion, no timezone)."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24:MI:SS.US")
    return type_coerce(column, String)


def _text(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime(_INSTANT_FORMAT)


def _day_rows(*, session: Session, first: date, last: date, tz: ZoneInfo) -> Iterable[tuple]:
    """Rows of days ``first`` … ``last``, from the steps open or ended since ``first`` began (nothing else counts).

    Per (unit, agency): counts per day, and difference arrays for the stocks (open, overdue) — a step open for
    a year costs two additions, not 365. Steps of dossiers paused during those days are counted day by day.
    """
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    n = len(days)
    # ends[i]: the end of day i (24:00 local), when its stock is counted; day i holds [ends[i-1], ends[i])
    ends = [_text(midnight(d + timedelta(days=1), tz)) for d in days]
    begin, finish = _text(midnight(first, tz)), ends[-1]
    dialect = session.get_bind().dialect.name

    pauses: dict[int, list[tuple[str, str | None]]] = {}
    for dossier_id, paused, resumed in session.connection().execute(
            select(DossierPause.dossier_id, _instant(DossierPause.paused_at, dialect),
                   _instant(DossierPause.resumed_at, dialect)).where(
                DossierPause.paused_at < midnight(last + timedelta(days=1), tz),
                DossierPause.resumed_at.is_(None) | (DossierPause.resumed_at >= midnight(first, tz)))):
        pauses.setdefault(dossier_id, []).append((paused, resumed))

    counts: dict[tuple, list[list[int]]] = {}
    width = len(DAY_COUNTS)
    open_diff, overdue_diff = width, width + 1
    stmt = select(Step.dossier_id, Step.unit_id, Step.agency_id, Step.channel, Step.status, Step.result,
                  Step.cancel_reason, *[_instant(c, dialect) for c in (Step.started_at, Step.completed_at,
                                                                      Step.ended_at, Step.due_at)]).where(
        Step.started_at < midnight(last + timedelta(days=1), tz), Step.kind == "user",
        or_(Step.ended_at.is_(None), Step.ended_at >= midnight(first, tz)))
    result = session.connection().execute(stmt.execution_options(stream_results=True, max_row_buffer=_BATCH))
    for part in result.partitions(_BATCH):
        for (dossier_id, unit_id, agency_id, channel, status, res, reason, started, completed, ended,
             due) in part:
            c = counts.get((unit_id, agency_id))
            if c is None:
                c = counts[(unit_id, agency_id)] = [[0] * (n + 1) for _ in range(width + 2)]
            if started >= begin:  # started < finish: the query
                c[RECEIVED_ONLINE if channel == "online" else RECEIVED_OTHER][bisect_right(ends, started)] += 1
            if status == "completed" and completed is not None and begin <= completed < finish:
                c[_RESOLVED.get(res, RESOLVED_OTHER)][bisect_right(ends, completed)] += 1
            if reason in _CLOSED and ended is not None and begin <= ended < finish:
                c[_CLOSED[reason]][bisect_right(ends, ended)] += 1
            # open at the end of day i: started before it and not ended before it (the reports: ended >= end)
            lo = bisect_right(ends, started)
            hi = n if ended is None else bisect_right(ends, ended)
            if lo >= hi:
                continue
            due_from = n if due is None else max(lo, bisect_right(ends, due))  # due before the end of day i
            c[open_diff][lo] += 1
            c[open_diff][hi] -= 1
            if dossier_id in pauses:
                spans = pauses[dossier_id]
                for i in range(lo, hi):
                    if any(p < ends[i] and (r is None or r >= ends[i]) for p, r in spans):
                        c[PAUSED_AT_END][i] += 1
                    elif i >= due_from:
                        c[OVERDUE_AT_END][i] += 1
            elif due_from < hi:
                c[overdue_diff][due_from] += 1
                c[overdue_diff][hi] -= 1
    for (unit_id, agency_id), c in counts.items():
        open_now = overdue_now = 0
        for i in range(n):
            open_now += c[open_diff][i]
            overdue_now += c[overdue_diff][i]
            c[OPEN_AT_END][i] = open_now
            c[OVERDUE_AT_END][i] += overdue_now
            values = [c[k][i] for k in range(width)]
            if any(values):
                yield (days[i], unit_id, agency_id, *values)


def tick(session: Session, now: datetime) -> int:
    """Scheduler entry point: build finished days, and stale ones at most every :data:`STALE_REBUILD_EVERY`."""
    from flask import current_app

    tz = ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Ho_Chi_Minh"))
    state = session.get(ReportRollup, NAME)
    if state is not None and state.timezone == tz.key and state.built_through is not None:
        behind = state.built_through < last_buildable_day(now, tz)
        stale = session.scalar(select(func.count()).select_from(ReportRollupStale))
        due = stale and (state.built_at is None or now - state.built_at >= STALE_REBUILD_EVERY)
        if not behind and not due:
            return 0
    return build(session=session, now=now, tz=tz)


# --- stale marks -------------------------------------------------------------------------------------------

@event.listens_for(Step.due_at, "set")
def _due_moved(target: Step, value: Any, oldvalue: Any, initiator: Any) -> None:
    """A stored step's due time changed (a resume): the days since it started are stale. New steps: nothing."""
    if value == oldvalue or inspect(target).key is None:
        return
    session = object_session(target)
    if session is not None:
        session.add(ReportRollupStale(since=target.started_at))


__all__ = ["Extent", "usable", "build", "tick", "midnight", "local_day", "GRACE"]
