"""Agency working calendars from the database: overrides, settings, and a cached ``WorkingCalendar``.

Rules:

- **One entry point for deadlines**: :func:`calendar_for_agency` returns the pure
  :class:`~app.calendar.model.WorkingCalendar` of an agency for ``around.year - 1 .. around.year + 2``.
  Every deadline computation (dossiers, steps, reports) should get its calendar here.
- **Inheritance**: overrides and settings of an agency's ancestors apply to it (a province's day off applies
  to its communes); the nearest agency wins, national rows (``agency_id`` NULL) lose to every agency.
- **Cache**: built calendars are kept in this process, keyed by the calendar and organisation tokens of
  :mod:`app.cache_versions`, the agency and the years. Every override/settings change writes a new calendar
  token and every agency change a new organisation token (an agency inherits its ancestors' days), so a
  request pays one small read of the tokens and a change is seen by every process at once.
- Services flush, never commit; time comes in as ``now``.
"""
from __future__ import annotations

import json
import threading
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import holidays as holidays_pkg
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import cache_versions
from app.calendar import durations
from app.calendar.model import (
    COMPLETION_RULES,
    DEFAULT_RECEPTION_CUTOFF,
    DEFAULT_TZ,
    MAX_YEAR,
    MIN_YEAR,
    CalendarError,
    CalendarRangeError,
    CalendarSettingsError,
    NoWorkingTimeError,
    WorkingCalendar,
    build_calendar,
    check_settings,
    normalize_sessions,
)
from app.calendar.models import (
    OVERRIDE_KINDS,
    CalendarOverride,
    CalendarSettings,
)
from app.calendar.working_time import (
    add_working_time,
    reception_start,
    working_time_between,
)
from app.errors import Conflict, NotFound, Unprocessable
from app.org.tree import agency_edges, descendants

NATIONAL_OVERRIDES_FILE = Path(__file__).with_name("national_overrides.json")
#: Longest range of days one POST may declare (Tết is at most ~9 days in a row).
MAX_OVERRIDE_RANGE_DAYS = 31
_CACHE_LIMIT = 256

_cache: dict[tuple, WorkingCalendar] = {}
_cache_lock = threading.Lock()


# --- version token ----------------------------------------------------------------------------------------

def calendar_token(*, session: Session) -> str | None:
    """The current calendar token (None before any change was ever made), read once per request."""
    return cache_versions.token_of(session, cache_versions.CALENDAR)


def bump_version(*, session: Session) -> None:
    """Invalidate every process's cached calendars: write a new token (insert-or-update, race-free)."""
    cache_versions.bump(session, cache_versions.CALENDAR)


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


# --- agencies and inheritance -----------------------------------------------------------------------------

def agency_chain(*, session: Session, agency_id: int) -> tuple[int, ...]:
    """The agency then its ancestors up to the root; :class:`NotFound` for an unknown agency."""
    parent_of = dict(agency_edges(session))
    if agency_id not in parent_of:
        raise NotFound(f"Không có cơ quan {agency_id}.", code="unknown_agency",
                       detail_en=f"No agency {agency_id}.")
    chain: list[int] = []
    current: int | None = agency_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parent_of.get(current)
    return tuple(chain)


def _effective_overrides(session: Session, chain: tuple[int, ...], first: date,
                         last: date) -> dict[date, CalendarOverride]:
    """For each day, the override of the nearest agency in ``chain`` (national rows last)."""
    rows = session.scalars(select(CalendarOverride).where(
        (CalendarOverride.agency_id.in_(chain) | CalendarOverride.agency_id.is_(None)) if chain
        else CalendarOverride.agency_id.is_(None),
        CalendarOverride.day >= first, CalendarOverride.day <= last))
    rank = {agency_id: depth for depth, agency_id in enumerate(chain)}
    national = len(chain)
    best: dict[date, CalendarOverride] = {}
    for row in rows:
        mine = rank.get(row.agency_id, national) if row.agency_id is not None else national
        current = best.get(row.day)
        if current is None or mine < (rank.get(current.agency_id, national)
                                      if current.agency_id is not None else national):
            best[row.day] = row
    return best


def _effective_settings(session: Session, chain: tuple[int, ...]) -> dict[str, Any]:
    rows = {row.agency_id: row for row in session.scalars(
        select(CalendarSettings).where(CalendarSettings.agency_id.in_(chain)))} if chain else {}
    found: dict[str, Any] = {"sessions": None, "reception_cutoff": None, "completion_rule": None}
    for agency_id in chain:
        row = rows.get(agency_id)
        if row is None:
            continue
        for key, value in found.items():
            if value is None and getattr(row, key) is not None:
                found[key] = getattr(row, key)
    return found


def _sessions_from_json(value: dict[str, Any] | None):
    if value is None:
        return None
    return normalize_sessions({int(k): v for k, v in value.items()})


# --- the calendar -----------------------------------------------------------------------------------------

def calendar_for_agency(*, session: Session, agency_id: int | None, around: datetime,
                        tz: str = DEFAULT_TZ) -> WorkingCalendar:
    """The working calendar of ``agency_id`` (None: national) covering ``around.year - 1 .. + 2``."""
    if around.tzinfo is None:
        raise ValueError("around must be an aware datetime")
    year = around.astimezone(timezone_of(tz)).year
    check_year(year, field="start")
    token = calendar_token(session=session)
    org_token = cache_versions.token_of(session, cache_versions.ORGANISATION)
    # without an organisation token the agency tree may have changed unseen: the chain is read every time
    key = (token, org_token, agency_id, year, tz) if org_token is not None else None
    with _cache_lock:
        cached = _cache.get(key) if key is not None else None
    if cached is not None:
        return cached
    chain = agency_chain(session=session, agency_id=agency_id) if agency_id is not None else ()
    try:
        cal = _build(session, chain, year - 1, year + 2, _effective_settings(session, chain), tz=tz)
    except CalendarError as exc:
        # Settings and overrides are checked when written; this is the net for rows stored before that
        # check existed (or written around the API): a clear problem naming the agency, never a 500.
        raise Conflict(f"Lịch làm việc của cơ quan {agency_id} không dùng được: {exc}", code="calendar_unusable",
                       detail_en=f"The working calendar of agency {agency_id} cannot be used: {exc}. "
                                 "Fix its calendar settings or overrides.") from None
    if key is None:
        return cal
    with _cache_lock:
        if len(_cache) >= _CACHE_LIMIT or any(k[:2] != key[:2] for k in _cache):
            _cache.clear()  # a new token makes every older entry useless
        _cache[key] = cal
    return cal


def calendar_for(session: Session, agency_id: int | None, now: datetime) -> WorkingCalendar:
    """The working calendar a dossier of ``agency_id`` counts in around ``now`` (the year before to two after)."""
    return calendar_for_agency(session=session, agency_id=agency_id, around=now)


def _build(session: Session, chain: tuple[int, ...], first: int, last: int, settings: dict[str, Any], *,
           tz: str = DEFAULT_TZ) -> WorkingCalendar:
    """The calendar of years ``first..last`` for ``chain`` with the given effective settings.

    Raises :class:`CalendarError` when the settings or the overrides leave no working week or year.
    """
    overrides = _effective_overrides(session, chain, date(first, 1, 1), date(last, 12, 31))
    return build_calendar(
        years=range(first, last + 1),
        extra_days_off=[d for d, row in overrides.items() if row.kind == "day_off"],
        extra_working_days=[d for d, row in overrides.items() if row.kind == "working_day"],
        sessions=_sessions_from_json(settings["sessions"]),
        tz=tz,
        reception_cutoff=_cutoff_from_text(settings["reception_cutoff"]),
        completion_rule=settings["completion_rule"] or "session",
    )


def _cutoff_from_text(value: str | None) -> time:
    return time.fromisoformat(value) if value else DEFAULT_RECEPTION_CUTOFF


def timezone_of(tz: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(tz)


def check_year(year: int, *, field: str = "year") -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Unprocessable(code="year_out_of_range", errors={field: [
            f"Năm phải trong khoảng {MIN_YEAR}–{MAX_YEAR}. / Year must be within {MIN_YEAR}–{MAX_YEAR}."]})


def due_date(*, session: Session, agency_id: int | None, start: datetime, duration_text: str) -> dict[str, Any]:
    """Due time of ``duration_text`` of working time for a dossier received at ``start`` (15:00 rule applied)."""
    try:
        duration = durations.parse_working_duration(duration_text)
    except durations.DurationError as exc:
        raise Unprocessable(code="invalid_duration", errors={"duration": [str(exc)]}) from None
    cal = calendar_for_agency(session=session, agency_id=agency_id, around=start)
    try:
        begins = reception_start(cal, start)
        due = add_working_time(cal, begins, duration)
    except CalendarRangeError as exc:
        raise Unprocessable(code="year_out_of_range", errors={"duration": [str(exc)]}) from None
    return {
        "agency_id": agency_id,
        "start": start,
        "reception_start": begins,
        "due_at": due,
        "duration": durations.format_working_duration(duration),
        "working_time": durations.format_working_duration(working_time_between(cal, start, due)),
        "working_days": durations.working_days(duration),
        "calendar_elapsed_hours": round((due - start).total_seconds() / 3600, 2),
    }


def days_of_year(*, session: Session, agency_id: int | None, year: int) -> dict[str, Any]:
    """The year's exceptional days with their source: package holidays and swaps, and overrides."""
    check_year(year)
    cal = calendar_for_agency(session=session, agency_id=agency_id,
                              around=datetime(year, 7, 1, tzinfo=timezone_of(DEFAULT_TZ)))
    chain = agency_chain(session=session, agency_id=agency_id) if agency_id is not None else ()
    overrides = _effective_overrides(session, chain, date(year, 1, 1), date(year, 12, 31))
    names = holidays_pkg.country_holidays("VN", years=year)
    candidates = ({d for d in cal.holidays | cal.weekend_workdays if d.year == year} | set(overrides))
    days_off, working_days = [], []
    for day in sorted(candidates):
        row = overrides.get(day)
        if row is not None:
            source: dict[str, Any] = {"source": "override", "override_id": row.id, "agency_id": row.agency_id,
                                      "decision": row.decision, "note": row.note}
        elif day in cal.holidays:
            source = {"source": "holidays_package", "name": names.get(day)}
        else:
            source = {"source": "holidays_package", "name": "Ngày làm bù (weekend workday)"}
        entry = {"day": day, "weekday": day.isoweekday(), **source}
        if cal.is_working_day(day):
            if day.weekday() >= 5 or row is not None or day in cal.weekend_workdays:
                working_days.append(entry)
        else:
            days_off.append(entry)
    return {"agency_id": agency_id, "year": year, "days_off": days_off, "extra_working_days": working_days}


# --- overrides --------------------------------------------------------------------------------------------

def list_overrides(*, session: Session, agency_id: int, year: int | None = None):
    agency_chain(session=session, agency_id=agency_id)
    stmt = select(CalendarOverride).where(CalendarOverride.agency_id == agency_id).order_by(CalendarOverride.day)
    if year is not None:
        check_year(year)
        stmt = stmt.where(CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day <= date(year, 12, 31))
    return list(session.scalars(stmt))


def _requested_days(override_in: dict[str, Any]) -> list[date]:
    first = override_in.get("day") or override_in.get("day_from")
    last = override_in.get("day_to") or first
    if first is None:
        raise Unprocessable(errors={"day": ["Cần 'day' hoặc 'day_from'/'day_to'. / Give 'day' or a range."]})
    if override_in.get("day") and (override_in.get("day_from") or override_in.get("day_to")):
        raise Unprocessable(errors={"day": ["Dùng 'day' hoặc khoảng ngày, không cả hai. / Not both."]})
    if last < first:
        raise Unprocessable(code="bad_range", errors={"day_to": ["Ngày kết thúc trước ngày bắt đầu. / End before start."]})
    if (last - first).days + 1 > MAX_OVERRIDE_RANGE_DAYS:
        raise Unprocessable(code="bad_range", errors={"day_to": [
            f"Tối đa {MAX_OVERRIDE_RANGE_DAYS} ngày một lần. / At most {MAX_OVERRIDE_RANGE_DAYS} days at once."]})
    for d in (first, last):
        check_year(d.year, field="day")
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def create_overrides(*, session: Session, agency_id: int | None, override_in: dict[str, Any],
                     created_by: int | None, now: datetime) -> list[CalendarOverride]:
    """Declare one day or a range of days off / worked. Refuses days the agency already declared (409)."""
    if agency_id is not None:
        agency_chain(session=session, agency_id=agency_id)
    if override_in["kind"] not in OVERRIDE_KINDS:
        raise Unprocessable(errors={"kind": [f"Một trong {OVERRIDE_KINDS}."]})
    days = _requested_days(override_in)
    existing = list(session.scalars(select(CalendarOverride).where(
        CalendarOverride.agency_id == agency_id if agency_id is not None else CalendarOverride.agency_id.is_(None),
        CalendarOverride.day.in_(days))))
    if existing:
        opposite = [row for row in existing if row.kind != override_in["kind"]]
        code = "override_both_kinds" if opposite else "duplicate_override"
        detail = ("Một ngày không thể vừa là ngày nghỉ vừa là ngày làm việc." if opposite
                  else "Ngày này đã được khai báo cho cơ quan.")
        raise Conflict(detail, code=code, detail_en="A day cannot be both off and working." if opposite
                       else "This day is already declared for the agency.",
                       errors={"day": [{"day": row.day.isoformat(), "override_id": row.id, "kind": row.kind}
                                       for row in existing]})
    rows = [CalendarOverride(agency_id=agency_id, day=d, kind=override_in["kind"], decision=override_in["decision"],
                             note=override_in.get("note"), created_by=created_by, created_at=now) for d in days]
    session.add_all(rows)
    session.flush()
    if override_in["kind"] == "day_off":
        _check_year_keeps_working_time(session, agency_id, {d.year for d in days})
    bump_version(session=session)
    return rows


def delete_override(*, session: Session, agency_id: int, override_id: int) -> None:
    row = session.get(CalendarOverride, override_id)
    if row is None or row.agency_id != agency_id:
        raise NotFound()
    session.delete(row)
    session.flush()
    bump_version(session=session)


# --- settings ---------------------------------------------------------------------------------------------

def get_settings(*, session: Session, agency_id: int) -> dict[str, Any]:
    """The agency's own settings row (or nulls) and the effective values after inheritance and defaults."""
    chain = agency_chain(session=session, agency_id=agency_id)
    own = session.get(CalendarSettings, agency_id)
    effective = _effective_settings(session, chain)
    sessions = _sessions_from_json(effective["sessions"]) or normalize_sessions(None)
    return {
        "agency_id": agency_id,
        "own": {"sessions": own.sessions if own else None, "reception_cutoff": own.reception_cutoff if own else None,
                "completion_rule": own.completion_rule if own else None},
        "effective": {
            "sessions": {str(i): [[b.strftime("%H:%M"), e.strftime("%H:%M")] for b, e in day]
                         for i, day in enumerate(sessions) if day},
            "reception_cutoff": effective["reception_cutoff"] or DEFAULT_RECEPTION_CUTOFF.strftime("%H:%M"),
            "completion_rule": effective["completion_rule"] or "session",
        },
    }


def update_settings(*, session: Session, agency_id: int, settings_in: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Set (or clear with null) the agency's sessions, reception cut-off and completion rule."""
    agency_chain(session=session, agency_id=agency_id)
    _check_new_settings(session, agency_id, settings_in)
    row = session.get(CalendarSettings, agency_id)
    if row is None:
        row = CalendarSettings(agency_id=agency_id, updated_at=now)
        session.add(row)
    for key in ("sessions", "reception_cutoff", "completion_rule"):
        if key in settings_in:
            setattr(row, key, settings_in[key])
    row.updated_at = now
    session.flush()
    bump_version(session=session)
    return get_settings(session=session, agency_id=agency_id)


def _check_new_settings(session: Session, agency_id: int, settings_in: dict[str, Any]) -> None:
    """Refuse (422, naming the field) settings that would leave this agency, or any agency inheriting
    from it, without a usable working week: judged on the effective values after the change, as a whole.
    """
    if "sessions" in settings_in and settings_in["sessions"] is not None:
        try:
            normalize_sessions({int(k): v for k, v in settings_in["sessions"].items()})
        except CalendarSettingsError as exc:
            raise Unprocessable(code="invalid_calendar_settings", errors={"sessions": [str(exc)]}) from None
    cutoff = settings_in.get("reception_cutoff")
    if cutoff is not None:
        try:
            time.fromisoformat(cutoff)
        except ValueError:
            raise Unprocessable(code="invalid_calendar_settings", errors={
                "reception_cutoff": [f"{cutoff!r}: giờ trong ngày HH:MM (00:00–23:59) / a time of day HH:MM"]}) from None
    if settings_in.get("completion_rule") not in (None, *COMPLETION_RULES):
        raise Unprocessable(errors={"completion_rule": [f"Một trong {COMPLETION_RULES}."]})
    own = {row.agency_id: row for row in session.scalars(select(CalendarSettings))}
    edges = agency_edges(session)
    parent_of = dict(edges)
    for affected in sorted(descendants(edges, [agency_id]) | {agency_id}):
        found: dict[str, Any] = {"sessions": None, "reception_cutoff": None, "completion_rule": None}
        current: int | None = affected
        seen: set[int] = set()
        while current is not None and current not in seen:
            seen.add(current)
            row = own.get(current)
            for key in found:
                value = (settings_in[key] if current == agency_id and key in settings_in
                         else getattr(row, key) if row is not None else None)
                if found[key] is None and value is not None:
                    found[key] = value
            current = parent_of.get(current)
        try:
            check_settings(_sessions_from_json(found["sessions"]) or normalize_sessions(None),
                           _cutoff_from_text(found["reception_cutoff"]))
        except CalendarSettingsError as exc:
            where = "" if affected == agency_id else f" (cơ quan cấp dưới {affected} kế thừa / agency {affected} inherits)"
            raise Unprocessable(code="invalid_calendar_settings", errors={exc.field: [f"{exc}{where}"]}) from None


def _check_year_keeps_working_time(session: Session, agency_id: int | None, years: set[int]) -> None:
    """Refuse (409) overrides after which a year of the agency has no working time left."""
    chain = agency_chain(session=session, agency_id=agency_id) if agency_id is not None else ()
    try:
        _build(session, chain, min(years), max(years), _effective_settings(session, chain))
    except NoWorkingTimeError as exc:
        raise Conflict(f"Sau khai báo này, năm {', '.join(map(str, exc.years))} không còn ngày làm việc nào.",
                       code="no_working_time", detail_en=f"After this, {', '.join(map(str, exc.years))} would "
                       "have no working day at all.", errors={"day": [str(exc)]}) from None
    except CalendarError:
        pass  # a settings problem is not this request's doing; calendar_for_agency reports it at use


# --- national defaults (flask bootstrap) ------------------------------------------------------------------

def load_national_overrides(*, session: Session, now: datetime, path: Path = NATIONAL_OVERRIDES_FILE) -> list[str]:
    """Load the shipped national overrides that are missing (idempotent); lines to print for ``flask bootstrap``.

    A row this loader wrote earlier (no author) whose decision text the shipped file now cites differently is
    brought up to date: a citation completed in a release reaches databases loaded before it.
    """
    data = json.loads(path.read_text("utf-8"))
    have = {row.day: row for row in session.scalars(
        select(CalendarOverride).where(CalendarOverride.agency_id.is_(None)))}
    added = updated = 0
    for item in data.get("overrides", []):
        day = date.fromisoformat(item["day"])
        row = have.get(day)
        if row is None:
            session.add(CalendarOverride(agency_id=None, day=day, kind=item["kind"], decision=item["decision"],
                                         note=item.get("note"), created_by=None, created_at=now))
            added += 1
        elif row.created_by is None and row.kind == item["kind"] and row.decision != item["decision"]:
            row.decision = item["decision"]
            updated += 1
    if not added and not updated:
        return []
    session.flush()
    bump_version(session=session)
    lines = [f"Loaded {added} national calendar override(s) from {path.name}."] if added else []
    return lines + ([f"Updated the decision of {updated} shipped override(s) from {path.name}."] if updated else [])
