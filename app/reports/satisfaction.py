"""Satisfaction for leaders: the applicants' ratings by unit, procedure, agency or month, for a period.

Counted on ratings given in the period (``rated_at``), restricted as every dossier report is
(:func:`app.reports.queries.restrict_dossiers`). By unit, a rating counts for each unit that handled the
dossier (its desk and every unit a step of it ran in), once per unit: the unit's leader answers for it.
Figures per group: ratings, the mean of each criterion and overall (1–5), the satisfied rate (ratings whose
mean is at least 4) and the low ones (a criterion at 1 or 2).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, literal, select, union
from sqlalchemy.orm import Session

from app.dossiers.models import Dossier, Step
from app.reports import queries
from app.reports.queries import Filters
from app.reports.service import Period, _agency_labels, _month_starts, _procedure_labels, _unit_labels, rate
from app.satisfaction.criteria import CRITERIA, SATISFIED_MEAN
from app.satisfaction.models import SatisfactionRating as R

GROUPINGS = ("unit", "procedure", "agency", "month")
_N = len(CRITERIA)


def _figures_columns(key) -> list:
    return [key.label("key"), func.count().label("ratings"),
            *(func.avg(getattr(R, f"score_{c}")).label(c) for c in CRITERIA),
            func.avg(R.total).label("total"),
            func.count().filter(R.total >= SATISFIED_MEAN * _N).label("satisfied"),
            func.count().filter(R.low.is_(True)).label("low")]


def _rated(f: Filters, start, end, key) -> Select:
    stmt = (select(*_figures_columns(key)).select_from(R).join(Dossier, Dossier.id == R.dossier_id)
            .where(R.rated_at >= start, R.rated_at < end))
    return queries.restrict_dossiers(stmt, f)


def _by_unit(f: Filters, start, end) -> Select:
    handled = union(select(Step.dossier_id.label("dossier_id"), Step.unit_id.label("unit_id"))
                    .where(Step.unit_id.is_not(None)),
                    select(Dossier.id.label("dossier_id"), Dossier.receiving_unit_id.label("unit_id"))
                    .where(Dossier.receiving_unit_id.is_not(None))).subquery()
    stmt = (select(*_figures_columns(handled.c.unit_id)).select_from(R)
            .join(Dossier, Dossier.id == R.dossier_id).join(handled, handled.c.dossier_id == R.dossier_id)
            .where(R.rated_at >= start, R.rated_at < end))
    if f.unit_id is not None:
        stmt = stmt.where(handled.c.unit_id == f.unit_id)
    return queries.restrict_dossiers(stmt, f).group_by(handled.c.unit_id)


def _round(value) -> float | None:
    return round(float(value), 2) if value is not None else None


def _row(key: Any, label: str, m: Any) -> dict[str, Any]:
    return {"key": key, "label": label, "ratings": m["ratings"],
            "mean": {c: _round(m[c]) for c in CRITERIA},
            "overall": _round(m["total"] / _N) if m["total"] is not None else None,
            "satisfied_rate": rate(m["satisfied"], m["ratings"]), "low": m["low"]}


def report(*, session: Session, f: Filters, p: Period, group_by: str | None) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    if group_by == "month":
        for key, start, end in _month_starts(p):
            rows.append(_row(key, key, session.execute(_rated(f, start, end, literal(None))).one()._mapping))
    elif group_by == "unit":
        found = session.execute(_by_unit(f, p.start, p.end)).all()
        labels = _unit_labels(session, [r.key for r in found])
        rows = sorted((_row(*labels.get(r.key, (None, "Không xác định")), r._mapping) for r in found),
                      key=lambda r: (r["key"] is None, r["key"] or ""))
    elif group_by in ("procedure", "agency"):
        column = R.procedure_key if group_by == "procedure" else R.agency_id
        found = session.execute(_rated(f, p.start, p.end, column).group_by(column)).all()
        if group_by == "procedure":
            names = _procedure_labels(session, [r.key for r in found])
            rows = [_row(r.key, names.get(r.key, r.key), r._mapping) for r in found]
        else:
            labels = _agency_labels(session, [r.key for r in found])
            rows = [_row(*labels.get(r.key, (None, "Không xác định")), r._mapping) for r in found]
        rows.sort(key=lambda r: (r["key"] is None, str(r["key"] or "")))
    total = _row(None, "Tổng số", session.execute(_rated(f, p.start, p.end, literal(None))).one()._mapping)
    return {"period": p.describe(), "group_by": group_by, "criteria": {c: names[0] for c, names in CRITERIA.items()},
            "rows": rows, "total": total}


def table(report_: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The report as headings and rows (CSV, XLSX)."""
    headings = ["Mã", "Tên", "Số lượt đánh giá", *(names for names in report_["criteria"].values()),
                "Điểm trung bình", "Tỷ lệ hài lòng", "Số đánh giá chưa hài lòng"]
    rows = [[r["key"], r["label"], r["ratings"], *(r["mean"][c] for c in CRITERIA), r["overall"],
             r["satisfied_rate"], r["low"]] for r in [*report_["rows"], report_["total"]]]
    return headings, rows
