"""Yearly review of the catalog (rà soát danh mục): published procedures whose last publication is too old.

A procedure's *last publication* is the effective date of its published version (else the decision date,
else the day it was published). The review period is ``CATALOG_REVIEW_MONTHS``: a number of months for
every agency (default 12), or a mapping ``{agency code: months, "default": months}``; an agency without an
entry takes its nearest ancestor's, then the default. Pure given the session and ``as_of``.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import Session

from app.definitions.catalog import catalog_query
from app.definitions.models import DefinitionVersion
from app.errors import NotFound
from app.org.models import Agency
from app.org.service import get_agency_by_code

DEFAULT_REVIEW_MONTHS = 12


def review_months(setting: int | Mapping[str, int] | None, agency: Agency | None) -> int:
    """The review period (months) of ``agency`` under the ``CATALOG_REVIEW_MONTHS`` setting."""
    if setting is None:
        return DEFAULT_REVIEW_MONTHS
    if not isinstance(setting, Mapping):
        return int(setting)
    seen: set[int] = set()
    while agency is not None and agency.id not in seen:
        if agency.code in setting:
            return int(setting[agency.code])
        seen.add(agency.id)
        agency = agency.parent
    return int(setting.get("default", DEFAULT_REVIEW_MONTHS))


def last_publication(version: DefinitionVersion) -> date:
    if version.effective_date:
        return version.effective_date
    if version.decision_date:
        return version.decision_date
    return version.published_at.date()


def list_review_due(*, session: Session, as_of: date, agency: str | None = None,
                    setting: int | Mapping[str, int] | None = None) -> list[dict[str, Any]]:
    """Published procedures past their review date on ``as_of``, most overdue first."""
    if agency is not None and get_agency_by_code(session=session, code=agency) is None:
        raise NotFound(f"Không có cơ quan mã '{agency}'.", detail_en=f"No agency '{agency}'.")
    due = []
    for version in session.scalars(catalog_query(session=session, agency=agency)):
        definition = version.definition
        months = review_months(setting, definition.agency)
        published = last_publication(version)
        review_date = published + relativedelta(months=months)
        if review_date >= as_of:
            continue
        late = relativedelta(as_of, review_date)
        due.append({
            "key": definition.key, "code": definition.code, "name": definition.name, "kind": definition.kind,
            "agency": definition.agency, "version": version.version,
            "decision_number": version.decision_number, "decision_date": version.decision_date,
            "effective_date": version.effective_date, "last_published": published, "review_months": months,
            "review_due_date": review_date, "days_overdue": (as_of - review_date).days,
            "months_overdue": late.years * 12 + late.months,
        })
    due.sort(key=lambda item: (-item["days_overdue"], item["key"]))
    return due
