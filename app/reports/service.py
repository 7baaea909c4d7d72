"""Build the reports: period, scope, SQL aggregates (:mod:`app.reports.queries`) and working-time figures.

Keyword-only functions given the session and ``now``; they only read.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import scope as access
from app.calendar import working_time_between
from app.calendar.service import calendar_for
from app.definitions.models import ProcessDefinition
from app.errors import NotFound, Unprocessable
from app.org.models import Agency, Officer, Unit
from app.org.service import descendant_agency_ids, get_agency_by_code, get_unit_by_code
from app.reports import queries, rollup
from app.reports.queries import Filters, Scope

GROUPINGS = ("procedure", "agency", "receiving_desk", "unit", "officer", "month")
FORMATS = ("json", "csv", "xlsx")
EARLIEST_YEAR = 2000
COUNTS = ("received", "received_online", "received_direct_or_postal", "carried_over", "resolved",
          "resolved_early", "resolved_on_time", "resolved_late", "in_progress", "in_progress_within_deadline",
          "in_progress_overdue", "paused", "withdrawn", "stopped")
#: Counted on dossiers only: refused at reception (form 03) — no step ever ran for them.
DOSSIER_COUNTS = (*COUNTS, "refused")


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in UTC from local dates; ``as_of`` = min(end, now): "the end of the period"."""

    first: date
    last: date
    start: datetime
    end: datetime
    as_of: datetime
    tz: ZoneInfo

    def describe(self) -> dict[str, Any]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat(), "as_of": self.as_of}


def period(*, first: date | None, last: date | None, now: datetime, tz: str, max_days: int) -> Period:
    """The asked period; refuses inverted, absurd or too long ones (422 problem+json)."""
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    last = last or today
    first = first or date(last.year, 1, 1)
    if first > last:
        raise Unprocessable("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.", code="invalid_period",
                            detail_en="'from' must be on or before 'to'.")
    if first.year < EARLIEST_YEAR or last > today + timedelta(days=366):
        raise Unprocessable(f"Kỳ báo cáo phải từ năm {EARLIEST_YEAR} đến không quá một năm sau hôm nay.",
                            code="invalid_period",
                            detail_en=f"The period must lie between {EARLIEST_YEAR} and one year from today.")
    days = (last - first).days + 1
    if days > max_days:
        raise Unprocessable(f"Kỳ báo cáo dài {days} ngày, vượt quá tối đa {max_days} ngày.", code="period_too_long",
                            detail_en=f"The period is {days} days long; at most {max_days} are allowed.",
                            max_days=max_days)
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    return Period(first, last, start, end, min(end, now), zone)


def scope_for(*, session: Session, officer: Officer) -> Scope | None:
    """What ``officer`` may report on; None: everything (admins, auditors).

    The one place report scoping is decided, with :mod:`app.auth.scope`'s rules: a leader sees the dossiers
    of their agencies (and those below) and the steps of their units (and the units below them).
    """
    if access.reads_all(officer):
        return None
    return Scope(frozenset(access.agency_ids(session=session, officer=officer)),
                 frozenset(access.unit_ids(session=session, officer=officer)))


def filters(*, session: Session, scope: Scope | None, agency: str | None = None, unit: str | None = None,
            procedure: str | None = None) -> Filters:
    agencies = unit_id = None
    if agency:
        found = get_agency_by_code(session=session, code=agency)
        if found is None:
            raise NotFound(f"Không có cơ quan mã '{agency}'.", detail_en=f"No agency '{agency}'.")
        agencies = frozenset(descendant_agency_ids(session=session, agency_id=found.id))
    if unit:
        found_unit = get_unit_by_code(session=session, code=unit)
        if found_unit is None:
            raise NotFound(f"Không có đơn vị mã '{unit}'.", detail_en=f"No unit '{unit}'.")
        unit_id = found_unit.id
    return Filters(agencies=agencies, unit_id=unit_id, procedure=procedure or None, scope=scope)


# --- small helpers ----------------------------------------------------------------------------------------

def rate(good: int, total: int) -> float | None:
    return None if not total else round(good / total, 4)


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def hours(value: timedelta) -> float:
    return value.total_seconds() / 3600


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


class Calendars:
    """The working calendar of each agency around a moment, fetched once per (agency, year)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._cache: dict[tuple[int, int], Any] = {}

    def used(self, row: Any) -> float:
        """Working hours a completed step took: the deadlines' figure (pauses excluded) when recorded."""
        used = getattr(row, "used_minutes", None)
        if used is not None:
            return used / 60
        return hours(self.between(row.agency_id, row.started_at, row.completed_at))

    def between(self, agency_id: int, a: datetime, b: datetime) -> timedelta:
        key = (agency_id, a.year)
        cal = self._cache.get(key)
        if cal is None:
            cal = self._cache[key] = calendar_for(self.session, agency_id, a)
        return working_time_between(cal, a, b)


def _unit_labels(session: Session, ids) -> dict[int, tuple[str, str]]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.id: (u.code, u.name) for u in session.execute(select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(ids)))}


def _officer_labels(session: Session, ids) -> dict[int, tuple[str, str]]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {o.id: (o.username, o.full_name)
            for o in session.execute(select(Officer.id, Officer.username, Officer.full_name).where(Officer.id.in_(ids)))}


def _procedure_labels(session: Session, keys) -> dict[str, str]:
    keys = {k for k in keys if k}
    if not keys:
        return {}
    return dict(session.execute(select(ProcessDefinition.key, ProcessDefinition.name)
                                .where(ProcessDefinition.key.in_(keys))).all())


def _agency_labels(session: Session, ids) -> dict[int, tuple[str, str]]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {a.id: (a.code, a.name) for a in session.execute(select(Agency.id, Agency.code, Agency.name)
                                                            .where(Agency.id.in_(ids)))}


def _dossier_group_rows(session: Session, group_by: str, found: list[Any]) -> list[dict[str, Any]]:
    """Rows keyed by procedure key, or by the agency's / desk's code (a dossier with no desk: key None)."""
    if group_by == "procedure":
        names = _procedure_labels(session, [r.key for r in found])
        return [{"key": r.key, "label": names.get(r.key, r.key), **_figures(r)} for r in found]
    labels = (_agency_labels if group_by == "agency" else _unit_labels)(session, [r.key for r in found])
    rows = [{"key": labels.get(r.key, (None,))[0], "label": labels.get(r.key, (None, "Không xác định"))[1],
             **_figures(r)} for r in found]
    return sorted(rows, key=lambda r: (r["key"] is None, r["key"] or ""))


def _figures(row: Any, *, per_step: bool = False) -> dict[str, Any]:
    """Nested figures of one row (or mapping); the on-time rate of steps leaves out steps whose time is not counted."""
    m = row._mapping if hasattr(row, "_mapping") else row
    resolved = m["resolved"]
    judged = m["resolved_early"] + m["resolved_on_time"] + m["resolved_late"]
    figures = {
        "received": {"total": m["received"], "online": m["received_online"],
                     "direct_or_postal": m["received_direct_or_postal"], "carried_over": m["carried_over"]},
        "resolved": {"total": resolved, "early": m["resolved_early"], "on_time": m["resolved_on_time"],
                     "late": m["resolved_late"]},
        "in_progress": {"total": m["in_progress"], "within_deadline": m["in_progress_within_deadline"],
                        "overdue": m["in_progress_overdue"]},
        "paused": m["paused"], "withdrawn": m["withdrawn"], "stopped": m["stopped"],
        "on_time_rate": rate(m["resolved_early"] + m["resolved_on_time"], judged if per_step else resolved),
    }
    if not per_step:  # refused at reception (form 03): a dossier's figure, no step ever ran
        figures["refused"] = m.get("refused", 0)
    return figures


def _month_starts(p: Period) -> Iterator[tuple[str, datetime, datetime]]:
    day = p.first.replace(day=1)
    while day <= p.last:
        following = (day + timedelta(days=32)).replace(day=1)
        start = max(p.start, datetime.combine(day, time(0), tzinfo=p.tz))
        end = min(p.end, datetime.combine(following, time(0), tzinfo=p.tz))
        yield day.strftime("%Y-%m"), start, end
        day = following


# --- the reports ------------------------------------------------------------------------------------------

def summary(*, session: Session, f: Filters, p: Period, group_by: str | None, now: datetime) -> dict[str, Any]:
    """Received / resolved / in progress (form II.06a) per group, and the dossier total of the whole filter."""
    rows: list[dict[str, Any]] = []
    if group_by not in queries.DOSSIER_GROUP_KEYS:
        total_row = session.execute(queries.dossier_summary(f=f, start=p.start, end=p.end, as_of=p.as_of,
                                                            group=None)).one()
    if group_by == "month":
        for key, start, end in _month_starts(p):
            row = session.execute(queries.dossier_summary(f=f, start=start, end=end, as_of=min(end, now),
                                                          group=None)).one()
            rows.append({"key": key, "label": key, **_figures(row)})
    elif group_by in queries.DOSSIER_GROUP_KEYS:
        found = session.execute(queries.dossier_summary(f=f, start=p.start, end=p.end, as_of=p.as_of,
                                                        group=group_by)).all()
        rows = _dossier_group_rows(session, group_by, found)
        # every dossier is in exactly one procedure's row: the total is their sum (no second pass over dossiers)
        total_row = {name: sum(r._mapping[name] for r in found) for name in DOSSIER_COUNTS}
    elif group_by in ("unit", "officer"):
        found = step_counts(session=session, f=f, p=p, group_by=group_by)
        labels = (_unit_labels if group_by == "unit" else _officer_labels)(session, [r["key"] for r in found])
        for r in found:
            code, name = labels.get(r["key"], (None, "Chưa phân công" if group_by == "officer" else "Không xác định"))
            rows.append({"key": code, "label": name, **_figures(r, per_step=True)})
        rows.sort(key=lambda r: (r["key"] is None, r["key"] or ""))
    total = _figures(total_row)
    # handed to the competent agency (counted as received there, not here): a figure of the whole filter
    total["transferred"] = session.scalar(queries.transfers_out(f=f, start=p.start, end=p.end))
    return {"period": p.describe(), "group_by": group_by, "counts": "steps" if group_by in ("unit", "officer")
            else "dossiers", "rows": rows, "total": total}


_FLOWS = ("received", "received_online", "received_direct_or_postal", "resolved", "resolved_early",
          "resolved_on_time", "resolved_late", "withdrawn", "stopped")
_END_STOCKS = ("in_progress", "in_progress_within_deadline", "in_progress_overdue", "paused")


def step_counts(*, session: Session, f: Filters, p: Period, group_by: str) -> list[dict[str, Any]]:
    """Step figures (:data:`COUNTS`) per unit or officer (``key``: its id).

    By unit without a procedure filter, the days the daily rollup has built are added up from it
    (:mod:`app.reports.rollup`) and only the days after them are counted from ``steps``; otherwise everything is
    counted from ``steps``. Both give the same figures.
    """
    def live(start: datetime) -> list[dict[str, Any]]:
        stmt = queries.step_summary(f=f, start=start, end=p.end, as_of=p.as_of, group=group_by)
        return [dict(r._mapping) for r in session.execute(stmt)]

    extent = rollup.usable(session=session, tz=p.tz) if group_by == "unit" and not f.procedure else None
    if extent is None or p.first > extent.through:
        return live(p.start)
    through = min(p.last, extent.through)
    found: dict[Any, dict[str, Any]] = {}
    for r in session.execute(queries.rollup_summary(f=f, first=p.first, through=through)):
        m = r._mapping
        found[m["key"]] = {
            "key": m["key"], "received": m["received_online"] + m["received_other"],
            "received_online": m["received_online"], "received_direct_or_postal": m["received_other"],
            "carried_over": m["carried_over"],
            "resolved": m["resolved_early"] + m["resolved_on_time"] + m["resolved_late"] + m["resolved_other"],
            "resolved_early": m["resolved_early"], "resolved_on_time": m["resolved_on_time"],
            "resolved_late": m["resolved_late"], "withdrawn": m["withdrawn"], "stopped": m["stopped"],
            "in_progress": m["in_progress"], "in_progress_overdue": m["in_progress_overdue"], "paused": m["paused"],
            "in_progress_within_deadline": m["in_progress"] - m["in_progress_overdue"] - m["paused"]}
    if through < p.last:
        # the days after the rollup: their flows are added, the open steps are those at the period's end
        for row in found.values():
            row.update(dict.fromkeys(_END_STOCKS, 0))
        for tail in live(rollup.midnight(through + timedelta(days=1), p.tz)):
            row = found.setdefault(tail["key"], {"key": tail["key"], **dict.fromkeys(COUNTS, 0)})
            for name in _FLOWS:
                row[name] += tail[name]
            for name in _END_STOCKS:
                row[name] = tail[name]
    return [row for row in found.values() if any(row[name] for name in COUNTS)]


def _step_order(label: str | None, spec_id: str) -> tuple:
    return (0, int(label), spec_id) if label and label.isdigit() else (1, 0, spec_id)


def steps(*, session: Session, f: Filters, p: Period) -> dict[str, Any]:
    """Per step of a procedure: count, median and p90 of working hours against the limit, late rate, bottleneck."""
    cals = Calendars(session)
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for r in session.execute(queries.completed_steps(f=f, start=p.start, end=p.end)):
        g = groups.get((r.procedure_key, r.spec_id))
        if g is None:
            g = groups[(r.procedure_key, r.spec_id)] = {
                "procedure": r.procedure_key, "spec_id": r.spec_id, "label": r.label, "name": r.name,
                "limit_minutes": r.time_limit_minutes, "used": [], "results": defaultdict(int)}
        g["used"].append(cals.used(r))
        if r.time_limit_minutes is not None:
            g["limit_minutes"] = r.time_limit_minutes
        if r.result:
            g["results"][r.result] += 1
    late_dossiers = {(k, s): n for k, s, n in session.execute(queries.late_dossier_steps(f=f, start=p.start, end=p.end))}
    rows = []
    for (key, spec_id), g in sorted(groups.items(), key=lambda kv: (kv[0][0], _step_order(kv[1]["label"], kv[0][1]))):
        limit = None if g["limit_minutes"] is None else g["limit_minutes"] / 60
        median, p90 = percentile(g["used"], 0.5), percentile(g["used"], 0.9)
        res = g["results"]
        judged = res["early"] + res["on_time"] + res["late"]
        rows.append({
            "procedure": key, "step": g["label"], "spec_id": spec_id, "name": g["name"], "count": len(g["used"]),
            "limit_hours": _round(limit), "median_hours": _round(median), "p90_hours": _round(p90),
            "median_of_limit": _round(median / limit, 4) if limit else None,
            "p90_of_limit": _round(p90 / limit, 4) if limit else None,
            "early": res["early"], "on_time": res["on_time"], "late": res["late"], "late_rate": rate(res["late"], judged),
            "late_dossiers": late_dossiers.get((key, spec_id), 0),
        })
    bottlenecks: dict[str, dict[str, Any]] = {}
    for row in rows:
        best = bottlenecks.get(row["procedure"])
        if row["late_dossiers"] and (best is None or row["late_dossiers"] > best["late_dossiers"]):
            bottlenecks[row["procedure"]] = row
    return {"period": p.describe(), "procedure": f.procedure, "steps": rows,
            "bottlenecks": [{"procedure": k, "step": b["step"], "spec_id": b["spec_id"], "name": b["name"],
                             "late_dossiers": b["late_dossiers"]} for k, b in sorted(bottlenecks.items())]}


def officers(*, session: Session, f: Filters, p: Period, now: datetime) -> dict[str, Any]:
    """Per officer: steps handled in the period by result, working hours used against limits, open and overdue now."""
    cals = Calendars(session)
    acc: dict[int, dict[str, Any]] = defaultdict(lambda: {"handled": 0, "early": 0, "on_time": 0, "late": 0,
                                                          "used": 0.0, "limit": 0.0, "open": 0, "overdue": 0})
    for r in session.execute(queries.completed_steps(f=f, start=p.start, end=p.end)):
        if r.completed_by_id is None:
            continue
        a = acc[r.completed_by_id]
        a["handled"] += 1
        if r.result:
            a[r.result] += 1
        if r.time_limit_minutes is not None:
            a["used"] += cals.used(r)
            a["limit"] += r.time_limit_minutes / 60
    for officer_id, open_count, overdue in session.execute(queries.open_tasks(f=f, now=now)):
        acc[officer_id]["open"] = open_count
        acc[officer_id]["overdue"] = overdue
    labels = _officer_labels(session, acc)
    rows = []
    for officer_id, a in acc.items():
        username, name = labels.get(officer_id, (None, None))
        judged = a["early"] + a["on_time"] + a["late"]
        rows.append({"officer": username, "full_name": name, "handled": a["handled"], "early": a["early"],
                     "on_time": a["on_time"], "late": a["late"], "on_time_rate": rate(a["early"] + a["on_time"], judged),
                     "working_hours": _round(a["used"]), "limit_hours": _round(a["limit"]),
                     "used_of_limit": _round(a["used"] / a["limit"], 4) if a["limit"] else None,
                     "open_tasks": a["open"], "open_overdue": a["overdue"]})
    rows.sort(key=lambda r: r["officer"] or "")
    return {"period": p.describe(), "as_of": now, "officers": rows}


def overdue(*, session: Session, f: Filters, now: datetime) -> dict[str, Any]:
    """Steps and dossiers overdue now, with how late in working hours; totals by unit and by officer."""
    cals = Calendars(session)
    found = session.execute(queries.overdue_steps(f=f, now=now)).all()
    units = _unit_labels(session, [r.unit_id for r in found])
    people = _officer_labels(session, [r.assignee_id for r in found])
    step_rows, by_unit, by_officer = [], {}, {}
    for r in found:
        late = round(hours(cals.between(r.agency_id, r.due_at, now)), 2)
        unit = units.get(r.unit_id, (None, None))
        person = people.get(r.assignee_id, (None, None))
        step_rows.append({"dossier": r.code, "procedure": r.procedure_key, "step": r.label, "name": r.name,
                          "unit": unit[0], "unit_name": unit[1], "officer": person[0], "officer_name": person[1],
                          "due_at": r.due_at, "late_hours": late})
        for table, key, label in ((by_unit, unit[0], unit[1]), (by_officer, person[0], person[1])):
            t = table.setdefault(key, {"key": key, "label": label or "Chưa phân công", "steps": 0,
                                       "late_hours": 0.0, "max_late_hours": 0.0})
            t["steps"] += 1
            t["late_hours"] = round(t["late_hours"] + late, 2)
            t["max_late_hours"] = max(t["max_late_hours"], late)
    dossier_rows = [{"dossier": r.code, "procedure": r.procedure_key, "status": r.status, "received_at": r.received_at,
                     "due_at": r.due_at, "late_hours": round(hours(cals.between(r.agency_id, r.due_at, now)), 2)}
                    for r in session.execute(queries.overdue_dossiers(f=f, now=now))]

    def ordered(table: dict) -> list:
        return sorted(table.values(), key=lambda t: (t["key"] is None, t["key"] or ""))

    return {"as_of": now, "steps": step_rows, "dossiers": dossier_rows, "by_unit": ordered(by_unit),
            "by_officer": ordered(by_officer)}


def step_rows(*, session: Session, f: Filters, p: Period, batch: int = 5000) -> Iterator[tuple]:
    """Every step started in the period as a flat tuple, read ``batch`` rows at a time (server-side cursor)."""
    units = {u.id: u.code for u in session.execute(select(Unit.id, Unit.code))}
    people = {o.id: o.username for o in session.execute(select(Officer.id, Officer.username))}
    # Core rows through the session's connection (no ORM row processing); a server-side cursor on PostgreSQL
    result = session.connection().execute(
        queries.step_rows(f=f, start=p.start, end=p.end).execution_options(stream_results=True, max_row_buffer=batch))
    for part in result.partitions(batch):
        for (code, key, label, name, unit_id, officer_id, status, started, due, completed, limit, res) in part:
            yield (code, key, label, name, units.get(unit_id), people.get(officer_id), status, started, due,
                   completed, None if limit is None else limit / 60, res)
