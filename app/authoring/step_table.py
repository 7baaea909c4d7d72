"""A decision's step table (quy trình nội bộ) and its validation, before any BPMN is drawn.

A table is a :class:`ProcedureMeta` plus ordered :class:`StepRow` s. :func:`validate_table` reports every
problem at once, by row (1-based position in the table) and column, in Vietnamese and English, so a
designer can fix the table in one pass. Errors stop :func:`step_limits` (and so the BPMN writer);
warnings, such as a declared total that differs from the steps, never do: real decisions contain them
and the draft must show them, not hide them.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from app.authoring.time_text import TimeTextError, TimeUnit, parse_time_text
from app.calendar.durations import working_days

__all__ = [
    "KINDS",
    "ProcedureMeta",
    "StepRow",
    "StepTableError",
    "TableIssue",
    "meta_from_case",
    "parse_decision_ref",
    "rows_from_case",
    "step_limits",
    "validate_table",
]

KINDS = ("internal", "interconnected_same_level", "interconnected_cross_level")
Severity = Literal["error", "warning"]
_KEY = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_NATIONAL_CODE = re.compile(r"\b\d\.\d{6}(?:\.[A-Z0-9]+)?\b")
_DECISION = re.compile(r"^\s*(?P<number>\S+)\s+ngày\s+(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})")


@dataclass(frozen=True)
class ProcedureMeta:
    """What the decision says about the procedure as a whole."""

    key: str  #: BPMN process id, ASCII snake_case, stable across versions
    name: str  #: Vietnamese name of the procedure
    code: str = ""  #: national procedure code, e.g. ``1.012994``
    agency: str = ""  #: agency code that owns the procedure
    kind: str = "internal"  #: one of :data:`KINDS`
    unit: TimeUnit | None = None  #: unit of plain numbers in the time column
    declared_total: str | float | int | None = None
    phase_totals: Mapping[str, str | float | int] = field(default_factory=dict)
    legal_basis: tuple[str, ...] = ()
    decision_number: str = ""  #: e.g. ``3857/QĐ-UBND``
    decision_date: str = ""  #: ISO date, e.g. ``2025-11-26``
    case_id: str = ""
    #: the dossier's components (thành phần hồ sơ) and results, as the version stores them (JSON tables only)
    components: tuple[dict, ...] = ()


@dataclass(frozen=True)
class StepRow:
    """One step (bước) of the table; ``return_to`` lets the step's reviewer send the dossier back there."""

    label: str | int
    responsible: str
    content: str
    time: str | float | int | None
    phase: str | None = None
    agency: str | None = None
    return_to: str | int | None = None
    form: str | None = None  #: form name; the writer picks one from the step's wording when absent

    @property
    def step(self) -> str:
        """The step label as text (``1``, ``I.1``)."""
        return str(self.label).strip()


@dataclass(frozen=True)
class TableIssue:
    """One problem of a table; ``row`` is 1-based (``None`` for the procedure itself)."""

    row: int | None
    column: str | None
    code: str
    message: str
    message_en: str
    severity: Severity = "error"


class StepTableError(ValueError):
    """The table has errors; ``issues`` lists all of them."""

    def __init__(self, issues: Sequence[TableIssue]) -> None:
        self.issues = list(issues)
        super().__init__("; ".join(f"{i.code} (row {i.row}, {i.column}): {i.message_en}" for i in self.issues))


def _days(value: timedelta) -> str:
    return f"{working_days(value):g}"


def _check_total(declared: Any, unit: TimeUnit | None, steps: list[timedelta | None], *,
                 column: str, what_vi: str, what_en: str) -> list[TableIssue]:
    try:
        total = parse_time_text(declared, unit=unit)
    except TimeTextError as exc:
        return [TableIssue(None, column, "bad_total", f"Không đọc được tổng thời gian {what_vi}: {declared!r}.",
                           f"Cannot read the declared total {what_en}: {exc.reason}.")]
    counted = sum((s for s in steps if s is not None), timedelta())
    if total is not None and counted != total:
        return [TableIssue(
            None, column, "total_mismatch",
            f"Tổng thời gian các bước{what_vi} là {_days(counted)} ngày làm việc, khác tổng công bố "
            f"{_days(total)} ngày.",
            f"The steps{what_en} add up to {_days(counted)} working days, not the declared {_days(total)}.",
            "warning")]
    return []


def validate_table(meta: ProcedureMeta, rows: Sequence[StepRow]) -> list[TableIssue]:
    """Every problem of the table: errors block drawing, warnings are shown with the draft."""
    issues: list[TableIssue] = []

    def error(row: int | None, column: str | None, code: str, vi: str, en: str) -> None:
        issues.append(TableIssue(row, column, code, vi, en))

    if not _KEY.match(meta.key or ""):
        error(None, "key", "bad_key", f"Mã quy trình {meta.key!r} phải là chữ thường không dấu, số và '_'.",
              f"Process key {meta.key!r} must be ASCII snake_case.")
    if not (meta.name or "").strip():
        error(None, "name", "empty_name", "Thiếu tên thủ tục.", "The procedure has no name.")
    if meta.kind not in KINDS:
        error(None, "kind", "bad_kind", f"Loại quy trình {meta.kind!r} không hợp lệ.",
              f"Kind {meta.kind!r} is not one of {', '.join(KINDS)}.")
    if not rows:
        error(None, None, "empty_table", "Bảng quy trình không có bước nào.", "The step table has no steps.")
        return issues

    seen: dict[str, int] = {}
    limits: list[timedelta | None] = []
    for number, row in enumerate(rows, start=1):
        label = row.step
        if not label:
            error(number, "step", "empty_step", "Thiếu số thứ tự bước.", "The step has no number.")
        elif label in seen:
            error(number, "step", "duplicate_step", f"Bước {label} trùng với dòng {seen[label]}.",
                  f"Step {label} already appears in row {seen[label]}.")
        else:
            seen[label] = number
        if not (row.responsible or "").strip():
            error(number, "responsible", "empty_responsible", "Thiếu đơn vị/người thực hiện.",
                  "The responsible unit is empty.")
        if not (row.content or "").strip():
            error(number, "content", "empty_content", "Thiếu nội dung công việc.", "The step content is empty.")
        try:
            limits.append(parse_time_text(row.time, unit=meta.unit))
        except TimeTextError as exc:
            limits.append(None)
            error(number, "time", "bad_time", f"Không đọc được thời gian {row.time!r}.",
                  f"Cannot read the time {row.time!r}: {exc.reason}.")
        if row.return_to is not None:
            target = str(row.return_to).strip()
            if target not in seen or target == label:
                later = any(r.step == target for r in rows)
                error(number, "return_to", "return_to_not_earlier" if later else "unknown_return_to",
                      f"Bước trả lại {target!r} không phải là bước trước đó." if later
                      else f"Không có bước {target!r} để trả lại.",
                      f"Return step {target!r} is not an earlier step." if later
                      else f"There is no step {target!r} to return to.")
        if row.phase is not None and meta.phase_totals and row.phase not in meta.phase_totals:
            error(number, "phase", "unknown_phase", f"Giai đoạn {row.phase!r} không có tổng thời gian công bố.",
                  f"Phase {row.phase!r} has no declared total.")

    if any(i.column == "time" for i in issues):
        return issues  # totals cannot be compared while a step's time is unreadable
    if meta.declared_total is not None:
        issues += _check_total(meta.declared_total, meta.unit, limits, column="declared_total",
                               what_vi="", what_en="")
    for phase, declared in meta.phase_totals.items():
        steps = [lim for lim, row in zip(limits, rows, strict=False) if row.phase == phase]
        issues += _check_total(declared, meta.unit, steps, column=f"phase_totals.{phase}",
                               what_vi=f" của giai đoạn {phase}", what_en=f" of phase {phase}")
    return issues


def step_limits(meta: ProcedureMeta, rows: Sequence[StepRow]) -> list[timedelta | None]:
    """Each step's working time (``None`` = not counted); raises :class:`StepTableError` on any error."""
    errors = [i for i in validate_table(meta, rows) if i.severity == "error"]
    if errors:
        raise StepTableError(errors)
    return [parse_time_text(row.time, unit=meta.unit) for row in rows]


def parse_decision_ref(text: str) -> tuple[str, str]:
    """``"3857/QĐ-UBND ngày 26/11/2025 (...)"`` -> ``("3857/QĐ-UBND", "2025-11-26")``."""
    match = _DECISION.match(text or "")
    if not match:
        raise ValueError(f"not a decision reference: {text!r}")
    return match["number"], f"{int(match['y']):04d}-{int(match['m']):02d}-{int(match['d']):02d}"


def meta_from_case(case: Mapping[str, Any], *, key: str, agency: str = "", kind: str = "internal",
                   legal_basis: Sequence[str] = ()) -> ProcedureMeta:
    """Metadata of one case of ``procedures/cases.json`` (name and code are read from its ``tthc``)."""
    tthc = case["tthc"]
    codes = _NATIONAL_CODE.findall(tthc)
    number, date = parse_decision_ref(case["decision"])
    return ProcedureMeta(
        key=key, name=tthc.split(" (")[0].strip(), code=codes[-1] if codes else "", agency=agency, kind=kind,
        unit=case.get("unit"), declared_total=case.get("declared_total"),
        phase_totals=dict(case.get("declared_phase_totals") or {}), legal_basis=tuple(legal_basis),
        decision_number=number, decision_date=date, case_id=case.get("id", ""),
    )


def rows_from_case(case: Mapping[str, Any], *, return_to: Mapping[str, str] | None = None,
                   agencies: Mapping[str, str] | None = None) -> list[StepRow]:
    """Steps of one case; ``return_to`` and ``agencies`` add by step label what the decision leaves implicit."""
    return_to = return_to or {}
    agencies = agencies or {}
    rows = []
    for step in case["steps"]:
        label = str(step["step"]).strip()
        rows.append(StepRow(
            label=label, responsible=step.get("responsible", ""), content=step.get("content", ""),
            time=step.get("time"), phase=step.get("phase"),
            agency=step.get("agency", agencies.get(label)),
            return_to=step.get("return_to", return_to.get(label)),
        ))
    return rows
