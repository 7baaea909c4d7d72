"""Validate an uploaded BPMN file: the single entry point ``validate_bpmn(data) -> ValidationResult``.

Pure: no database, no Flask, no SpiffWorkflow. The order is fixed, cheapest and most defensive first:

1. **Intake** (``intake.py``): size cap before parsing; BOM / declared encoding (UTF-8, UTF-16,
   ISO-8859-1, windows-1252, US-ASCII) decoded strictly; any ``<!DOCTYPE``/``<!ENTITY`` refused; lxml
   with entities, DTDs and network off and ``huge_tree`` off; element depth (200) and count (100,000)
   capped while parsing; not-well-formed XML reported with line and column. Hostile or unreadable input
   raises :class:`IntakeRefused` (the only exception this module raises for any bytes). Intake also
   produces ``normalized_xml``: the document in UTF-8 with the same line numbers, for the engine.
2. **XSD** (``xsd.py``): BPMN 2.0 schema, loaded once from local files. Failures are warnings except
   wrongly typed BPMN attribute values inside an executable process (see ``xsd.py`` for why).
3. **Rules** (``rules.py``), each issue with a stable ``code``, the element id and line, a Vietnamese and
   an English message: duplicate ids; flows to unknown or missing sources/targets; no start / no end;
   unreachable nodes; unsupported elements and event definitions (``app.engine.support``); empty or
   non-ISO-8601 timers, and timers outside the ranges the engine schedules (``timer_out_of_range``:
   ``app.engine.timers.check_timer_text``, at most ten years, dates 1970–2999, at most 10,000
   repetitions); gateway conditions (non-empty, at most 1,000 characters, and the engine's safe
   evaluator ``check_syntax``, which never evaluates anything that reads data and folds a literal-only
   condition within a small fixed budget, so no condition text can hold the upload); boundary events
   without ``attachedToRef``; steps
   without a lane; lane ``unit``; step ``timeLimit`` and process ``totalTimeLimit`` as working durations
   (``app.calendar.durations``) and a warning when the declared total differs from the steps' sum.

A file with no executable process (or a chosen process with ``isExecutable`` false/unset) is valid as
documentation when it has no errors, but ``publishable`` is False and execution findings are warnings.
"""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from app.calendar.durations import format_working_duration
from app.definitions.dataflow import ConditionUse, outline_uses
from app.definitions.intake import DEFAULT_MAX_BYTES, IntakeRefused, Issue, intake
from app.definitions.rules import Lane, Step, analyse
from app.definitions.xsd import check_xsd

__all__ = ["IntakeRefused", "Issue", "Lane", "Step", "ValidationResult", "validate_bpmn"]

log = logging.getLogger(__name__)


@dataclass
class ValidationResult:
    """Outcome of validating one BPMN file; ``to_dict()`` gives the API's JSON form."""

    ok: bool
    publishable: bool
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    process_id: str | None = None
    process_name: str | None = None
    process_ids: list[str] = field(default_factory=list)
    is_executable: bool = False
    lanes: list[Lane] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    declared_total: timedelta | None = None
    computed_total: timedelta = timedelta(0)
    total_mismatch: bool = False
    called_processes: list[str] = field(default_factory=list)
    has_diagram: bool = False
    #: each condition with the steps that can run before it, and the start event's form (dataflow.py)
    conditions: list[ConditionUse] = field(default_factory=list)
    start_form: str | None = None
    normalized_xml: bytes = b""

    @property
    def issues(self) -> list[Issue]:
        """Errors then warnings."""
        return self.errors + self.warnings

    def to_dict(self, *, include_xml: bool = False) -> dict:
        """JSON-friendly: durations as ISO 8601 working hours (``PT84H``) plus working days."""

        def duration(value: timedelta | None) -> str | None:
            return None if value is None else format_working_duration(value)

        data = {
            "ok": self.ok, "publishable": self.publishable,
            "errors": [i.to_dict() for i in self.errors],
            "warnings": [i.to_dict() for i in self.warnings],
            "process_id": self.process_id, "process_name": self.process_name,
            "process_ids": list(self.process_ids), "is_executable": self.is_executable,
            "lanes": [asdict(lane) for lane in self.lanes],
            "steps": [{**asdict(step), "time_limit": duration(step.time_limit)} for step in self.steps],
            "declared_total": duration(self.declared_total),
            "computed_total": duration(self.computed_total),
            "total_mismatch": self.total_mismatch,
            "called_processes": list(self.called_processes),
            "has_diagram": self.has_diagram,
            "conditions": [use.to_dict() for use in self.conditions],
            "start_form": self.start_form,
        }
        if include_xml:
            data["normalized_xml"] = self.normalized_xml.decode("utf-8")
        return data


#: What the rules found about the process, copied onto the result as is.
_FROM_ANALYSIS = ("process_id", "process_name", "process_ids", "is_executable", "lanes", "steps", "declared_total",
                  "computed_total", "total_mismatch", "called_processes", "has_diagram")


def _internal_error(stage: str, exc: Exception) -> Issue:
    log.exception("BPMN validation failed unexpectedly in %s", stage)
    return Issue("internal_error", "error",
                 f"Lỗi nội bộ khi kiểm tra ({stage}); vui lòng báo cho quản trị hệ thống.",
                 f"Internal error while validating ({stage}): {type(exc).__name__}.")


def validate_bpmn(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES,
                  process_id: str | None = None) -> ValidationResult:
    """Validate uploaded BPMN bytes; raise only :class:`IntakeRefused` (hostile or unreadable input)."""
    accepted = intake(data, max_bytes=max_bytes)
    issues: list[Issue] = []
    analysis = None
    try:
        analysis = analyse(accepted.root, process_id=process_id)
        issues.extend(analysis.issues)
    except Exception as exc:
        issues.append(_internal_error("rules", exc))
    if analysis is not None and not any(i.code == "not_bpmn" for i in issues):
        try:
            xsd_issues = check_xsd(accepted.root)
        except Exception as exc:
            xsd_issues = [_internal_error("xsd", exc)]
        # A line a rule already explains (duplicate id, missing attachedToRef…) needs no XSD echo.
        explained = {i.line for i in issues if i.severity == "error"}
        issues.extend(i for i in xsd_issues if i.severity == "error" or i.line not in explained)

    def order(issue: Issue) -> tuple[int, str]:
        return (issue.line or 0, issue.code)

    errors = sorted((i for i in issues if i.severity == "error"), key=order)
    warnings = sorted((i for i in issues if i.severity != "error"), key=order)
    ok = not errors
    result = ValidationResult(ok=ok, publishable=False, errors=errors, warnings=warnings,
                              normalized_xml=accepted.normalized_xml)
    if analysis is not None:
        for name in _FROM_ANALYSIS:
            setattr(result, name, getattr(analysis, name))
        try:
            result.conditions, result.start_form = outline_uses(accepted.root, analysis.process_id)
        except Exception as exc:
            result.errors.append(_internal_error("data flow", exc))
            result.ok = False
    result.publishable = result.ok and result.is_executable and result.process_id is not None
    return result
