"""Upload, review, publish, amend, replace and abolish process definitions.

Lifecycle of a version: ``draft → in_review → published → superseded | abolished``. Uploading to an
existing key *amends* it (a new version); uploading with ``replaces`` creates a new key that *replaces*
another: publishing it supersedes the replaced procedure. Publishing binds every lane to a unit, compiles
the BPMN with the engine (called procedures included) and makes the version immutable.

Until a version is published nothing of it shows outside the designers' pages: an upload's name, code, kind
and agency are kept on the version (``validation["definition"]``) and reach the definition — which the
catalog, the public lookup and dossiers read — when that version is published. Only a definition no
dossier ever ran on (no version published, superseded or abolished) takes them at once.

Who designs where is :func:`design_agency_ids` (the designers paragraph of :mod:`app.auth.scope`): a
limited designer lists and uploads only within their agency's tree, and an upload whose process id is
the key of a procedure outside it is refused as a taken key, saying nothing of that procedure.

Keyword-only functions given the session and ``now``; they flush and never commit.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.calendar.durations import parse_working_duration
from app.definitions import dataflow
from app.definitions.components import ISSUE_CODES as COMPONENT_ISSUE_CODES
from app.definitions.components import ComponentError, check_components, component_issues
from app.definitions.forms import FormError, check_form, check_forms, library_forms
from app.definitions.models import (
    DEFAULT_LANE,
    RUN_STATUSES,
    DefinitionVersion,
    LaneBinding,
    ProcessDefinition,
    ReviewComment,
)
from app.definitions.validation import IntakeRefused, ValidationResult, validate_bpmn
from app.engine import CompileError, ReceptionError, compile_process, dry_run
from app.errors import Conflict, DomainError, NotFound, Unprocessable
from app.org.models import Agency, Officer, Unit
from app.org.service import descendant_agency_ids
from app.text import fold

#: What an upload says about the procedure itself; it reaches the definition when the version is published.
IDENTITY_FIELDS: tuple[str, ...] = ("name", "code", "kind", "agency_id")


class PayloadTooLarge(DomainError):
    status, code = 413, "too_large"


def _issues_payload(issues: list) -> list[dict[str, Any]]:
    return [issue.to_dict() for issue in issues]


def _minutes(value) -> int | None:
    return None if value is None else round(value.total_seconds() / 60)


# --- who designs where --------------------------------------------------------------------------------

def design_agency_ids(*, session: Session, officer: Officer | None, changing: bool) -> set[int] | None:
    """Agencies whose procedures ``officer`` may read (or, ``changing``, change); None: every agency.

    A designer or an admin with a home agency (``officers.agency_id``) changes only procedures of that
    agency's tree; such a designer also reads only those, unless a role reads them all (admin, auditor,
    leader). Procedures with no agency are everyone's (callers let them through).
    """
    if officer is None or officer.agency_id is None:
        return None
    if changing:
        limited = officer.has_role("admin", "designer")
    else:
        limited = officer.has_role("designer") and not officer.has_role("admin", "auditor", "leader")
    return descendant_agency_ids(session=session, agency_id=officer.agency_id) if limited else None


def _within(agencies: set[int] | None, agency_id: int | None) -> bool:
    return agencies is None or agency_id is None or agency_id in agencies


# --- reading ------------------------------------------------------------------------------------------

def _no_definition(key: str) -> NotFound:
    return NotFound(f"Không có quy trình '{key}'.", detail_en=f"No process definition '{key}'.")


def get_definition(*, session: Session, key: str) -> ProcessDefinition:
    definition = session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key))
    if definition is None:
        raise _no_definition(key)
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


def list_definitions(*, session: Session, officer: Officer | None = None, agency_id: int | None = None,
                     q: str | None = None):
    """Definitions by key; a limited designer's list holds only their agency's tree (and agency-less ones)."""
    stmt = select(ProcessDefinition).order_by(ProcessDefinition.key)
    readable = design_agency_ids(session=session, officer=officer, changing=False)
    if readable is not None:
        stmt = stmt.where(ProcessDefinition.agency_id.in_(readable) | ProcessDefinition.agency_id.is_(None))
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


def identity_of(version: DefinitionVersion) -> dict[str, Any]:
    """The name, code, kind and agency ``version`` brings (its definition's for versions stored without them)."""
    kept = version.validation.get("definition")
    if kept:
        return dict(kept)
    return {field: getattr(version.definition, field) for field in IDENTITY_FIELDS}


def _take_identity(definition: ProcessDefinition, identity: dict[str, Any]) -> None:
    for field in IDENTITY_FIELDS:
        setattr(definition, field, identity[field])
    definition.search_text = _search_text(definition)


def _has_run(session: Session, definition: ProcessDefinition) -> bool:
    """Whether a version of ``definition`` was ever published (so the catalog or a dossier shows it)."""
    return session.scalar(select(DefinitionVersion.id).where(
        DefinitionVersion.definition_id == definition.id, DefinitionVersion.status.in_(RUN_STATUSES)).limit(1)) is not None


def _check_agency(session: Session, agency_id: int | None, designs: set[int] | None) -> None:
    """An agency outside the officer's tree is refused exactly as one that does not exist."""
    if agency_id is None:
        return
    if not _within(designs, agency_id) or session.get(Agency, agency_id) is None:
        raise Unprocessable(code="unknown_reference", errors={"agency_id": ["Không có cơ quan này."]})


def _key_taken(key: str) -> Conflict:
    """Another agency's procedure: the key cannot be used, and nothing else is said about it."""
    return Conflict(f"Mã quy trình (process id) '{key}' đã được dùng; hãy đặt mã khác.", code="key_taken",
                    detail_en=f"The process id '{key}' is taken: choose another one.")


def upload(*, session: Session, data: bytes, now: datetime, officer: Officer | None, max_bytes: int,
           process_id: str | None = None, filename: str | None = None,
           meta: dict[str, Any] | None = None) -> DefinitionVersion:
    """Store a new draft version of the process found in ``data`` (a new key creates the definition).

    ``officer`` decides where it may go (:func:`design_agency_ids`): a limited designer's new procedure
    belongs to their home agency unless they name another agency of their tree.
    """
    meta = meta or {}
    result = validate_upload(data, max_bytes=max_bytes, process_id=process_id)
    key = result.process_id
    designs = design_agency_ids(session=session, officer=officer, changing=True)
    definition = session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key).with_for_update())
    if definition is not None and not _within(designs, definition.agency_id):
        raise _key_taken(key)
    replaces = meta.get("replaces_key")
    latest = None
    if definition is None:
        if replaces:
            replaced = get_definition(session=session, key=replaces)  # must exist, and be theirs to replace
            if not _within(designs, replaced.agency_id):
                raise _no_definition(replaces)
            if replaces == key:
                raise Unprocessable(errors={"replaces": ["Quy trình thay thế phải có mã (process id) mới."]})
        base = {"name": key, "code": None, "kind": "internal",
                "agency_id": officer.agency_id if designs is not None else None}
    else:
        if replaces and replaces != definition.replaces_key:
            raise Conflict(f"Quy trình '{key}' đã tồn tại; sửa đổi thì tải lên không kèm 'replaces'.",
                           detail_en=f"'{key}' exists already: upload without 'replaces' to amend it.")
        latest = session.scalar(select(DefinitionVersion).where(DefinitionVersion.definition_id == definition.id)
                                .order_by(DefinitionVersion.version.desc()).limit(1))
        # an amendment brings what the version it amends brought, unless it says otherwise
        base = identity_of(latest) if latest else {field: getattr(definition, field) for field in IDENTITY_FIELDS}
    identity = {**base, **{field: meta[field] for field in ("code", "kind", "agency_id") if meta.get(field) is not None}}
    identity["name"] = meta.get("name") or result.process_name or base["name"]
    _check_agency(session, identity["agency_id"], designs)
    if definition is None:
        definition = ProcessDefinition(key=key, replaces_key=replaces, created_at=now, **identity)
        definition.search_text = _search_text(definition)
        session.add(definition)
        session.flush()
    elif not _has_run(session, definition):
        _take_identity(definition, identity)  # nothing shows it yet: the designers' list follows the upload
    next_number = (latest.version if latest else 0) + 1
    # An amendment keeps the catalog data (forms, legal basis) of the version it amends unless it brings its own.
    forms = meta.get("forms") if meta.get("forms") is not None else (latest.forms if latest else {})
    forms = _checked_forms(forms or {})
    named = [step.form for step in result.steps if step.form] + ([result.start_form] if result.start_form else [])
    forms = {**library_forms(name for name in named if name not in forms), **forms}
    legal_basis = meta.get("legal_basis") if meta.get("legal_basis") is not None else (latest.legal_basis if latest else [])
    components = meta.get("components") if meta.get("components") is not None else (latest.components if latest else [])
    components = _checked_components(components or [])
    validation = with_checks({**result.to_dict(), "bpmn_publishable": result.publishable, "definition": identity},
                             forms, components)
    if validation["publishable"]:  # "publishable" only once the engine received a dossier on it (publish checks again)
        compile_bpmn(session=session, process_id=key, bpmn=data, called_processes=result.called_processes,
                     process_ids=result.process_ids, forms=forms, now=now, partial=True)
    version = DefinitionVersion(
        definition_id=definition.id, version=next_number, status="draft", bpmn=data,
        bpmn_sha256=hashlib.sha256(data).hexdigest(), filename=filename, process_id=key,
        process_name=result.process_name, is_executable=result.is_executable,
        publishable=validation["publishable"], has_diagram=result.has_diagram, validation=validation,
        declared_total_minutes=_minutes(result.declared_total),
        computed_total_minutes=_minutes(result.computed_total) or 0, total_mismatch=result.total_mismatch,
        legal_basis=list(legal_basis or []), forms=forms, components=components,
        created_by_id=officer.id if officer else None, created_at=now)
    session.add(version)
    session.flush()
    return version


# --- forms and the data flow -----------------------------------------------------------------------

def _form_refused(exc: FormError, field: str) -> Unprocessable:
    return Unprocessable(f"Biểu mẫu '{exc.name}' không dùng được: {exc.message}", code="form_invalid",
                         detail_en=f"Form '{exc.name}' cannot be used: {exc.message}", errors={field: [exc.message]})


def _checked_forms(forms: Any) -> dict[str, Any]:
    try:
        return check_forms(forms)
    except FormError as exc:
        raise _form_refused(exc, f"forms.{exc.name}") from None


def _components_refused(exc: ComponentError) -> Unprocessable:
    return Unprocessable(f"Danh sách thành phần hồ sơ không dùng được: {exc.field} {exc.message}",
                         code="components_invalid", detail_en=f"The components cannot be used: {exc.field} {exc.message_en}",
                         errors={exc.field: [exc.message]})


def _checked_components(components: Any) -> list[dict[str, Any]]:
    try:
        return check_components(components)
    except ComponentError as exc:
        raise _components_refused(exc) from None


def with_checks(validation: dict[str, Any], forms: dict[str, Any], components: list[dict[str, Any]]) -> dict[str, Any]:
    """``validation`` with the issues of the catalog data — the data flow of ``forms`` (dataflow.py) and the
    steps' ``produces`` against ``components`` — in place of any earlier ones, and ``publishable``
    recomputed: the diagram's own verdict (``bpmn_publishable``) and no such error."""
    codes = dataflow.ISSUE_CODES | COMPONENT_ISSUE_CODES
    steps = validation.get("steps", [])
    issues = dataflow.data_flow_issues(
        steps=steps, uses=[dataflow.ConditionUse.from_dict(u) for u in validation.get("conditions", [])],
        start_form=validation.get("start_form"), forms=forms, strict=bool(validation.get("is_executable")))
    issues += component_issues(steps=steps, components=components)
    errors = [i for i in validation.get("errors", []) if i.get("code") not in codes]
    warnings = [i for i in validation.get("warnings", []) if i.get("code") not in codes]
    errors += [i.to_dict() for i in issues if i.severity == "error"]
    warnings += [i.to_dict() for i in issues if i.severity != "error"]
    bpmn_ok = validation.get("bpmn_publishable", validation.get("publishable", False))
    return {**validation, "errors": errors, "warnings": warnings, "bpmn_publishable": bpmn_ok,
            "publishable": bool(bpmn_ok) and not errors}


def set_form(*, session: Session, key: str, version: int, name: str, schema: dict[str, Any] | None,
             now: datetime) -> DefinitionVersion:
    """Add, replace or (``schema`` None) remove one form of a draft; the data flow is checked again.

    Only a draft changes: a version under review is what the reviewer reads, a published one is frozen.
    """
    found = get_version(session=session, key=key, version=version, for_update=True)
    _require_status(found, "draft")
    forms = dict(found.forms or {})
    if schema is None:
        if name not in forms:
            raise NotFound(f"Phiên bản không có biểu mẫu '{name}'.", detail_en=f"The version has no form '{name}'.")
        forms.pop(name)
    else:
        try:
            forms[name] = check_form(name, schema)
        except FormError as exc:
            raise _form_refused(exc, "_schema") from None
        _checked_forms(forms)  # the count, too
    validation = with_checks(dict(found.validation), forms, found.components or [])
    if validation["publishable"]:
        compile_bpmn(session=session, process_id=found.process_id, bpmn=found.bpmn,
                     called_processes=validation.get("called_processes", []),
                     process_ids=_process_ids_of(found), forms=forms, now=now, partial=True)
    found.forms, found.validation, found.publishable = forms, validation, validation["publishable"]
    session.flush()
    return found


def set_components(*, session: Session, key: str, version: int, components: Any, now: datetime) -> DefinitionVersion:
    """Replace a draft's components (thành phần hồ sơ); the steps' ``produces`` are checked again.

    Only a draft changes, as with forms: what a reviewer read and what dossiers run on stay as they were.
    """
    found = get_version(session=session, key=key, version=version, for_update=True)
    _require_status(found, "draft")
    checked = _checked_components(components)
    validation = with_checks(dict(found.validation), found.forms or {}, checked)
    found.components, found.validation, found.publishable = checked, validation, validation["publishable"]
    session.flush()
    return found


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
        errors = found.validation.get("errors") or []
        if errors:
            raise Conflict(f"Phiên bản còn {len(errors)} lỗi, chưa thể trình duyệt. {errors[0]['message']}",
                           code="not_publishable", errors=errors,
                           detail_en=f"The version has {len(errors)} error(s) to fix first. {errors[0]['message_en']}")
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


#: What reception adds to every dossier's data (``dossiers.service._engine_data``), for the dry run.
RECEPTION_SAMPLE: dict[str, Any] = {"applicant": {"name": "Người nộp thử"}, "dossier_code": "THU-TIEP-NHAN"}


def compile_version(*, session: Session, version: DefinitionVersion, now: datetime | None = None) -> str:
    """Compile with the engine, called procedures taken from their published versions; returns the JSON.

    Given ``now``, one dossier is then received on it in memory (:func:`compile_bpmn`).
    """
    return compile_bpmn(session=session, process_id=version.process_id, bpmn=version.bpmn,
                        called_processes=version.validation.get("called_processes", []),
                        process_ids=_process_ids_of(version), forms=version.forms, now=now)


def compile_bpmn(*, session: Session, process_id: str, bpmn: bytes, called_processes: list[str],
                 process_ids: list[str], forms: dict[str, Any] | None = None, now: datetime | None = None,
                 partial: bool = False) -> str | None:
    """Compile ``process_id`` and, given ``now``, receive one dossier on it in memory (``engine.dry_run``).

    So "publishable" means a clerk can receive a dossier: any failure is a 422 naming the element and line.
    ``partial`` (an upload): a called procedure not published yet skips the check (None), publish makes it.
    """
    files = {f"{process_id}.bpmn": bpmn}
    for called in called_processes:
        if called == process_id:
            continue
        target = published_version(session=session, key=called)
        if target is None and called not in process_ids:
            if partial:
                return None
            raise Unprocessable(f"Quy trình được gọi '{called}' chưa được ban hành.", code="call_target_missing",
                                detail_en=f"The called procedure '{called}' is not published.")
        if target is not None:
            files[f"{called}.bpmn"] = target.bpmn
    try:
        compiled = compile_process(files, process_id)
    except CompileError as exc:
        raise Unprocessable(f"Bộ máy quy trình không nạp được sơ đồ: {exc.message}", code="bpmn_not_executable",
                            detail_en=f"The engine cannot load the diagram: {exc.message}",
                            errors=[{"element_id": exc.element_id, "message": exc.message}]) from None
    if now is not None:
        try:
            dry_run(compiled, now=now, data=RECEPTION_SAMPLE, forms=forms, documents=files)
        except ReceptionError as exc:
            raise Unprocessable(f"Thử tiếp nhận một hồ sơ theo sơ đồ này không thành công: {exc.message}",
                                code="reception_failed",
                                detail_en=f"Receiving a dossier on this diagram fails: {exc.message}",
                                errors=[{"code": "reception_failed", "severity": "error",
                                         "element_id": exc.element_id, "line": exc.line, "message": exc.message,
                                         "message_en": exc.message}]) from None
    return compiled.to_json()


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
    identity = identity_of(found)
    # the publisher, too, stays in their tree: an agency admin does not hand a procedure to another agency
    _check_agency(session, identity["agency_id"], design_agency_ids(session=session, officer=officer, changing=True))
    if identity["agency_id"] is None:  # reception files a dossier under the procedure's agency
        raise Conflict("Thủ tục chưa gắn cơ quan tiếp nhận; tải lên phiên bản mới kèm agency_id rồi ban hành.",
                       code="procedure_without_agency",
                       detail_en="The procedure has no receiving agency: upload a version with agency_id, "
                                 "then publish it.", errors={"agency_id": ["Chưa có cơ quan tiếp nhận."]})
    bindings = _resolve_bindings(session, found, lane_bindings or {})
    found.compiled = compile_version(session=session, version=found, now=now)
    for previous in session.scalars(select(DefinitionVersion).where(
            DefinitionVersion.definition_id == found.definition_id, DefinitionVersion.status == "published",
            DefinitionVersion.id != found.id).with_for_update(of=DefinitionVersion)):
        previous.status, previous.superseded_at = "superseded", now
    replaced_key = found.definition.replaces_key
    if replaced_key:
        replaced = published_version(session=session, key=replaced_key)
        if replaced is not None:
            replaced.status, replaced.superseded_at = "superseded", now
    _take_identity(found.definition, identity)  # from now on the catalog, lookups and dossiers show this version's
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
