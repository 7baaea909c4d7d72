"""From a decision's step table to a stored BPMN draft (``POST /process-definitions/from-steps``).

The table is read (``tabular``), checked with the organisation (agency codes), drawn (``build_bpmn``) with
each lane bound to the unit of the agency whose name matches its responsible text, and stored through
:func:`app.definitions.service.upload`, so the draft passes exactly the validation a drawn upload does.
Lanes without a matching unit stay unbound until publish. Nothing is stored when anything is wrong: every
problem is reported at once by row and column.

Keyword-only functions given the session and ``now``; they flush and never commit.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.authoring import tabular
from app.authoring.bpmn_writer import build_bpmn, default_form, lane_ids
from app.authoring.schemas import StepTableMetaIn
from app.authoring.step_table import ProcedureMeta, StepRow, TableIssue
from app.definitions import service as definitions_service
from app.definitions.forms import library_forms
from app.definitions.models import DefinitionVersion
from app.definitions.service import PayloadTooLarge
from app.errors import DomainError, Unprocessable, UnsupportedMediaType
from app.org.models import Agency, Officer, Unit
from app.org.service import descendant_agency_ids
from app.text import fold


@dataclass
class Limits:
    """Caps on what a client may send (config ``AUTHORING_MAX_ROWS`` and friends)."""

    max_rows: int = tabular.DEFAULT_MAX_ROWS
    max_bytes: int = tabular.DEFAULT_MAX_BYTES
    max_uncompressed: int = tabular.DEFAULT_MAX_UNCOMPRESSED
    bpmn_max_bytes: int = 5 * 1024 * 1024


@dataclass
class DraftFromSteps:
    """The stored draft and the table's warnings; reads through to the version for the output schema."""

    draft: DefinitionVersion  #: not ``version``: the output schema reads ``version`` (the number) through
    table_warnings: list[dict[str, Any]] = field(default_factory=list)
    unbound_lanes: list[dict[str, str]] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.draft, name)


def issues_payload(issues: Sequence[TableIssue], table: tabular.RawTable | None = None) -> list[dict[str, Any]]:
    """Issues as the API shows them (``errors`` of the problem, ``table_warnings`` of the draft)."""
    payload = []
    for issue in issues:
        item = {"row": issue.row, "column": issue.column, "code": issue.code, "severity": issue.severity,
                "message": issue.message, "message_en": issue.message_en}
        line = table.line_of(issue.row) if table is not None else None
        if line is not None:
            item["line"] = line
        payload.append(item)
    return payload


def table_refused(issues: Sequence[TableIssue], *, kind: str = "invalid",
             table: tabular.RawTable | None = None) -> DomainError:
    errors = issues_payload(issues, table)
    first = issues[0]
    count = len(issues)
    vi = f"Bảng quy trình có {count} lỗi. {first.message}"
    en = f"The step table has {count} error(s). {first.message_en}"
    if kind == "too_large":
        return PayloadTooLarge(vi, detail_en=en, errors=errors)
    if kind == "unsupported":
        return UnsupportedMediaType(vi, code="unsupported_media_type", detail_en=en, errors=errors)
    return Unprocessable(vi, code="step_table_invalid", detail_en=en, errors=errors)


# --- reading ------------------------------------------------------------------------------------------

def _meta_issues_from_schema(error: ma.ValidationError, prefix: str) -> list[TableIssue]:
    issues = []
    messages = error.messages if isinstance(error.messages, dict) else {"_": error.messages}
    for name, texts in messages.items():
        texts = texts if isinstance(texts, list) else [json.dumps(texts, ensure_ascii=False)]
        text = "; ".join(str(t) for t in texts)
        code = "unknown_field" if "Unknown field" in text else "invalid_meta"
        issues.append(TableIssue(None, f"{prefix}{name}", code, text, text))
    return issues


def load_meta(meta_in: Any, *, prefix: str = "") -> ProcedureMeta:
    """The procedure's metadata; bad fields raise 422 naming each field as a column (row null)."""
    if not isinstance(meta_in, Mapping):
        raise table_refused([TableIssue(None, prefix.rstrip(".") or "meta", "invalid_meta",
                                   "'meta' phải là một đối tượng.", "'meta' must be an object.")])
    try:
        data = StepTableMetaIn().load(dict(meta_in))
    except ma.ValidationError as exc:
        raise table_refused(_meta_issues_from_schema(exc, prefix)) from None
    return ProcedureMeta(
        key=data["key"].strip(), name=data["name"].strip(), code=data["code"].strip(),
        agency=data["agency"].strip(), kind=data["kind"], unit=data["unit"],
        declared_total=data["declared_total"], phase_totals=dict(data["phase_totals"]),
        legal_basis=tuple(data["legal_basis"]), decision_number=data["decision_number"].strip(),
        decision_date=data["decision_date"].isoformat() if data["decision_date"] else "",
        components=tuple(data["components"]))


def read_source(*, fmt: str, payload: Any, limits: Limits, filename: str | None = None,
                mimetype: str | None = None) -> tabular.RawTable:
    """The table from a JSON ``steps`` list or the bytes of a CSV/XLSX file (``fmt`` ``auto`` detects)."""
    try:
        if fmt == "json":
            return tabular.read_json_steps(payload, max_rows=limits.max_rows)
        if fmt == "auto":
            fmt = tabular.detect_format(filename, mimetype, payload)
        return tabular.read_table(payload, fmt, max_rows=limits.max_rows, max_bytes=limits.max_bytes,
                                  max_uncompressed=limits.max_uncompressed)
    except tabular.TableReadError as exc:
        raise table_refused(exc.issues, kind=exc.kind) from None


# --- the organisation ---------------------------------------------------------------------------------

def _agencies(session: Session, meta: ProcedureMeta, rows: Sequence[StepRow]) -> tuple[dict[str, Agency],
                                                                                      list[TableIssue]]:
    wanted = {meta.agency} | {row.agency for row in rows if row.agency}
    wanted.discard("")
    found = {a.code: a for a in session.scalars(select(Agency).where(Agency.code.in_(wanted)))} if wanted else {}
    issues = []
    if meta.agency and meta.agency not in found:
        issues.append(TableIssue(None, "agency", "unknown_agency", f"Không có cơ quan mã {meta.agency!r}.",
                                 f"There is no agency {meta.agency!r}."))
    for number, row in enumerate(rows, start=1):
        if row.agency and row.agency not in found:
            issues.append(TableIssue(number, "agency", "unknown_agency", f"Không có cơ quan mã {row.agency!r}.",
                                     f"There is no agency {row.agency!r}."))
    return found, issues


def match_units(*, session: Session, meta: ProcedureMeta, rows: Sequence[StepRow],
                agencies: Mapping[str, Agency]) -> dict[str, str]:
    """Responsible text -> unit code, when exactly one unit of the step's agency (or below) has that name.

    The step's own ``agency`` wins over the procedure's (interconnected procedures); no agency, no match.
    """
    units_by_agency: dict[str, dict[str, list[str]]] = {}
    codes: dict[str, str] = {}
    for row in rows:
        text = row.responsible.strip()
        if text in codes:
            continue
        agency = agencies.get(row.agency or meta.agency or "")
        if agency is None:
            continue
        if agency.code not in units_by_agency:
            ids = descendant_agency_ids(session=session, agency_id=agency.id)
            names: dict[str, list[str]] = {}
            for unit in session.scalars(select(Unit).where(Unit.agency_id.in_(ids)).order_by(Unit.code)):
                names.setdefault(fold(unit.name), []).append(unit.code)
            units_by_agency[agency.code] = names
        matches = units_by_agency[agency.code].get(fold(text), [])
        if len(matches) == 1:
            codes[text] = matches[0]
    return codes


def standard_forms(rows: Sequence[StepRow]) -> dict[str, Any]:
    """The shipped JSON Schemas of the forms the steps use (``processes/forms``), by form name."""
    return library_forms(row.form or default_form(row, index, len(rows)) for index, row in enumerate(rows))


def _legal_basis(meta: ProcedureMeta) -> list[str]:
    if meta.legal_basis:
        return list(meta.legal_basis)
    if not meta.decision_number:
        return []
    text = f"Quyết định số {meta.decision_number}"
    if meta.decision_date:
        year, month, day = meta.decision_date.split("-")
        text += f" ngày {day}/{month}/{year}"
    return [text]


# --- the draft ----------------------------------------------------------------------------------------

def draft_from_steps(*, session: Session, meta: ProcedureMeta, table: tabular.RawTable, now: datetime,
                     officer: Officer | None, limits: Limits) -> DraftFromSteps:
    """Check the table against itself and the organisation, draw it, and store it as a draft version."""
    meta, rows, issues = tabular.table_issues(meta, table)
    agencies, org_issues = _agencies(session, meta, rows)
    issues += org_issues
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        raise table_refused(errors, table=table)
    unit_codes = match_units(session=session, meta=meta, rows=rows, agencies=agencies)
    data = build_bpmn(meta, rows, unit_codes=unit_codes)
    owner = agencies.get(meta.agency)
    version = definitions_service.upload(
        session=session, data=data, now=now, officer=officer, max_bytes=limits.bpmn_max_bytes,
        process_id=meta.key, filename=f"{meta.key}.bpmn",
        meta={"code": meta.code or None, "name": meta.name, "kind": meta.kind,
              "agency_id": owner.id if owner else None, "legal_basis": _legal_basis(meta),
              "forms": standard_forms(rows), "components": list(meta.components) or None})
    unbound = [{"lane_id": lane_id, "name": text} for text, lane_id in lane_ids(rows).items()
               if text not in unit_codes]
    warnings = [i for i in issues if i.severity != "error"]
    return DraftFromSteps(draft=version, table_warnings=issues_payload(warnings, table), unbound_lanes=unbound)
