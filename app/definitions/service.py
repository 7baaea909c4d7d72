"""Upload, review, publish, amend, replace and abolish process definitions.

Lifecycle of a version: ``draft → in_review → published → superseded | abolished``. Uploading to an
existing key *amends* it (a new version); uploading with ``replaces`` creates a new key that *replaces*
another: publishing it supersedes the replaced procedure. Publishing binds every lane to a unit, compiles
the BPMN with the engine (called procedures included) and makes the version immutable.

Keyword-only functions given the session and ``now``; they flush and never commit.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.calendar.durations import parse_working_duration
from app.definitions.models import DEFAULT_LANE, DefinitionVersion, LaneBinding, ProcessDefinition, ReviewComment
from app.definitions.validation import IntakeRefused, ValidationResult, validate_bpmn
from app.errors import Conflict, DomainError, NotFound, Unprocessable
from app.org.models import Officer, Unit
from app.text import fold


class PayloadTooLarge(DomainError):
    status, code = 413, "too_large"


def _issues_payload(issues: list) -> list[dict[str, Any]]:
    return [issue.to_dict() for issue in issues]


def _minutes(value) -> int | None:
    return None if value is None else round(value.total_seconds() / 60)


# --- reading ------------------------------------------------------------------------------------------

def get_definition(*, session: Session, key: str) -> ProcessDefinition:
    definition = session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key))
    if definition is None:
        raise NotFound(f"Không có quy trình '{key}'.", detail_en=f"No process definition '{key}'.")
    return definition


def get_version(*, session: Session, key: str, version: int, for_update: bool = False) -> DefinitionVersion:
    stmt = (select(DefinitionVersion).join(ProcessDefinition)
            .where(ProcessDefinition.key == key, DefinitionVersion.version == version))
    if for_update:
        # ``of``: the version's eagerly joined definition is an outer join, which FOR UPDATE cannot lock
        stmt = stmt.with_for_update(of=(DefinitionVersion, ProcessDefinition))
    found = session.scalar(stmt)
    if found is None:
        raise NotFound(f"Không có phiên bản {version} của quy trình '{key}'.",
                       detail_en=f"No version {version} of '{key}'.")
    return found


def published_version(*, session: Session, key: str) -> DefinitionVersion | None:
    """The version new dossiers of ``key`` start under (None when unpublished, superseded or abolished)."""
    return session.scalar(select(DefinitionVersion).join(ProcessDefinition)
                          .where(ProcessDefinition.key == key, DefinitionVersion.status == "published"))


def list_definitions(*, session: Session, agency_id: int | None = None, q: str | None = None):
    stmt = select(ProcessDefinition).order_by(ProcessDefinition.key)
    if agency_id is not None:
        stmt = stmt.where(ProcessDefinition.agency_id == agency_id)
    if q:
        stmt = stmt.where(ProcessDefinition.search_text.contains(fold(q)))
    return stmt


# --- upload -------------------------------------------------------------------------------------------

def validate_upload(data: bytes, *, max_bytes: int, process_id: str | None) -> ValidationResult:
    """Validate uploaded bytes; hostile or invalid input becomes a 4xx with each issue's element and line."""
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"Tệp BPMN lớn hơn giới hạn {max_bytes} byte.",
                              detail_en=f"The BPMN file is larger than {max_bytes} bytes.")
    try:
        result = validate_bpmn(data, max_bytes=max_bytes, process_id=process_id)
    except IntakeRefused as refused:
        issue = refused.issue
        raise Unprocessable(issue.message, code="bpmn_refused", detail_en=issue.message_en,
                            errors=_issues_payload([issue])) from None
    if not result.ok:
        first = result.errors[0]
        raise Unprocessable(f"Sơ đồ BPMN không hợp lệ: {len(result.errors)} lỗi. {first.message}",
                            code="bpmn_invalid",
                            detail_en=f"The BPMN diagram is not valid: {len(result.errors)} error(s). {first.message_en}",
                            errors=_issues_payload(result.errors), warnings=_issues_payload(result.warnings))
    if result.process_id is None:
        raise Unprocessable("Tệp không có quy trình (process) nào.", code="bpmn_invalid",
                            detail_en="The file contains no process.")
    return result


def _search_text(definition: ProcessDefinition) -> str:
    return fold(" ".join(filter(None, [definition.key, definition.code, definition.name])))


def upload(*, session: Session, data: bytes, now: datetime, officer: Officer | None, max_bytes: int,
           process_id: str | None = None, filename: str | None = None,
           meta: dict[str, Any] | None = None) -> DefinitionVersion:
    """Store a new draft version of the process found in ``data`` (a new key creates the definition)."""
    meta = meta or {}
    result = validate_upload(data, max_bytes=max_bytes, process_id=process_id)
    key = result.process_id
    definition = session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key).with_for_update())
    replaces = meta.get("replaces_key")
    if definition is None:
        if replaces:
            get_definition(session=session, key=replaces)  # must exist
            if replaces == key:
                raise Unprocessable(errors={"replaces": ["Quy trình thay thế phải có mã (process id) mới."]})
        definition = ProcessDefinition(key=key, name=meta.get("name") or result.process_name or key,
                                       code=meta.get("code"), kind=meta.get("kind") or "internal",
                                       agency_id=meta.get("agency_id"), replaces_key=replaces, created_at=now)
        session.add(definition)
    else:
        if replaces and replaces != definition.replaces_key:
            raise Conflict(f"Quy trình '{key}' đã tồn tại; sửa đổi thì tải lên không kèm 'replaces'.",
                           detail_en=f"'{key}' exists already: upload without 'replaces' to amend it.")
        for field in ("code", "kind", "agency_id"):
            if meta.get(field) is not None:
                setattr(definition, field, meta[field])
        if meta.get("name") or result.process_name:
            definition.name = meta.get("name") or result.process_name
    definition.search_text = _search_text(definition)
    session.flush()
    latest = session.scalar(select(DefinitionVersion).where(DefinitionVersion.definition_id == definition.id)
                             .order_by(DefinitionVersion.version.desc()).limit(1))
    next_number = (latest.version if latest else 0) + 1
    # An amendment keeps the catalog data (forms, legal basis) of the version it amends unless it brings its own.
    forms = meta.get("forms") if meta.get("forms") is not None else (latest.forms if latest else {})
    legal_basis = meta.get("legal_basis") if meta.get("legal_basis") is not None else (latest.legal_basis if latest else [])
    version = DefinitionVersion(
        definition_id=definition.id, version=next_number, status="draft", bpmn=data,
        bpmn_sha256=hashlib.sha256(data).hexdigest(), filename=filename, process_id=key,
        process_name=result.process_name, is_executable=result.is_executable, publishable=result.publishable,
        has_diagram=result.has_diagram, validation=result.to_dict(),
        declared_total_minutes=_minutes(result.declared_total),
        computed_total_minutes=_minutes(result.computed_total) or 0, total_mismatch=result.total_mismatch,
        legal_basis=list(legal_basis or []), forms=dict(forms or {}),
        created_by_id=officer.id if officer else None, created_at=now)
    session.add(version)
    session.flush()
    return version


# --- review -------------------------------------------------------------------------------------------

def _require_status(version: DefinitionVersion, *allowed: str) -> None:
    if version.status not in allowed:
        raise Conflict(f"Phiên bản đang ở trạng thái '{version.status}', cần: {', '.join(allowed)}.",
                       code="invalid_state",
                       detail_en=f"The version is '{version.status}'; this needs: {', '.join(allowed)}.")


def submit(*, session: Session, key: str, version: int, now: datetime) -> DefinitionVersion:
    found = get_version(session=session, key=key, version=version, for_update=True)
    _require_status(found, "draft")
    if not found.publishable:
        raise Conflict("Sơ đồ chỉ là tài liệu (không thực thi được), không thể trình duyệt để ban hành.",
                       code="not_publishable",
                       detail_en="This diagram is documentation only (not executable) and cannot be submitted.")
    found.status = "in_review"
    found.submitted_at = now
    session.flush()
    return found


def add_comment(*, session: Session, key: str, version: int, author: Officer, text: str,
                now: datetime) -> ReviewComment:
    found = get_version(session=session, key=key, version=version)
    comment = ReviewComment(version_id=found.id, author_id=author.id, text=text, created_at=now)
    session.add(comment)
    session.flush()
    return comment


def return_to_draft(*, session: Session, key: str, version: int) -> DefinitionVersion:
    """A reviewer sends the version back to its designer (in review → draft)."""
    found = get_version(session=session, key=key, version=version, for_update=True)
    _require_status(found, "in_review")
    found.status = "draft"
    session.flush()
    return found


# --- publish ------------------------------------------------------------------------------------------

def _resolve_bindings(session: Session, version: DefinitionVersion,
                      given: dict[str, int | str]) -> list[LaneBinding]:
    """Every lane needs a unit: from the request (id or code) or the lane's own ``unit`` property."""
    lanes = list(version.validation.get("lanes", []))
    if any(not step.get("lane_id") for step in version.validation.get("steps", [])):
        # Steps outside every lane are served by the default binding, given as lane "*".
        lanes.append({"id": DEFAULT_LANE, "name": "(bước ngoài làn / steps outside lanes)", "unit": None})
    known_lanes = {lane["id"] for lane in lanes}
    unknown = sorted(set(given) - known_lanes)
    if unknown:
        raise Unprocessable(errors={"lane_bindings": [f"Không có làn (lane): {', '.join(unknown)}"]})
    bindings, missing = [], []
    for lane in lanes:
        wanted = given.get(lane["id"], lane.get("unit"))
        unit = None
        if isinstance(wanted, int):
            unit = session.get(Unit, wanted)
        elif isinstance(wanted, str) and wanted:
            unit = session.scalar(select(Unit).where(Unit.code == wanted))
        if unit is None:
            missing.append(f"{lane['id']} ({lane.get('name') or ''}): {wanted or 'chưa gán đơn vị'}")
            continue
        bindings.append(LaneBinding(lane_id=lane["id"], lane_name=lane.get("name"), unit_id=unit.id))
    if missing:
        raise Unprocessable("Mọi làn phải được gán cho một đơn vị có thật trước khi ban hành.",
                            code="unbound_lanes", detail_en="Every lane must be bound to an existing unit.",
                            errors={"lane_bindings": missing})
    return bindings


def compile_version(*, session: Session, version: DefinitionVersion) -> str:
    """Compile with the engine, called procedures taken from their published versions; returns the JSON."""
    from app.engine import CompileError, compile_process

    files = {f"{version.process_id}.bpmn": version.bpmn}
    for called in version.validation.get("called_processes", []):
        if called == version.process_id:
            continue
        target = published_version(session=session, key=called)
        if target is None and called not in _process_ids_of(version):
            raise Unprocessable(f"Quy trình được gọi '{called}' chưa được ban hành.", code="call_target_missing",
                                detail_en=f"The called procedure '{called}' is not published.")
        if target is not None:
            files[f"{called}.bpmn"] = target.bpmn
    try:
        return compile_process(files, version.process_id).to_json()
    except CompileError as exc:
        raise Unprocessable(f"Bộ máy quy trình không nạp được sơ đồ: {exc.message}", code="bpmn_not_executable",
                            detail_en=f"The engine cannot load the diagram: {exc.message}",
                            errors=[{"element_id": exc.element_id, "message": exc.message}]) from None


def _process_ids_of(version: DefinitionVersion) -> list[str]:
    return list(version.validation.get("process_ids", []))


def publish(*, session: Session, key: str, version: int, officer: Officer, now: datetime,
            decision_number: str, decision_date: date, effective_date: date | None,
            lane_bindings: dict[str, int | str] | None = None) -> DefinitionVersion:
    found = get_version(session=session, key=key, version=version, for_update=True)
    _require_status(found, "in_review")
    if not found.publishable:
        raise Conflict("Sơ đồ không thực thi được, không thể ban hành.", code="not_publishable",
                       detail_en="This diagram is not executable and cannot be published.")
    bindings = _resolve_bindings(session, found, lane_bindings or {})
    found.compiled = compile_version(session=session, version=found)
    for previous in session.scalars(select(DefinitionVersion).where(
            DefinitionVersion.definition_id == found.definition_id, DefinitionVersion.status == "published",
            DefinitionVersion.id != found.id).with_for_update(of=DefinitionVersion)):
        previous.status, previous.superseded_at = "superseded", now
    replaced_key = found.definition.replaces_key
    if replaced_key:
        replaced = published_version(session=session, key=replaced_key)
        if replaced is not None:
            replaced.status, replaced.superseded_at = "superseded", now
    found.lane_bindings = bindings
    found.status = "published"
    found.published_at, found.published_by_id = now, officer.id
    found.decision_number, found.decision_date = decision_number, decision_date
    found.effective_date = effective_date or decision_date
    session.flush()
    return found


def abolish(*, session: Session, key: str, version: int, reason: str, now: datetime) -> DefinitionVersion:
    """Stop new dossiers under this procedure (bãi bỏ); running dossiers finish under their version."""
    found = get_version(session=session, key=key, version=version, for_update=True)
    _require_status(found, "published")
    found.status, found.abolished_at, found.abolish_reason = "abolished", now, reason
    session.flush()
    return found


def step_time_limit_minutes(text: str | None) -> int | None:
    return None if not text else round(parse_working_duration(text).total_seconds() / 60)
