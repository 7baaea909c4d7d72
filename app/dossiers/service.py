"""Receive dossiers and move their workflows; project the engine's READY steps into :class:`Step` rows.

Rules kept here:

- A dossier runs under the version it was received under (``definition_version_id``), forever.
- Every change takes the dossier row lock first (:func:`lock`: ``UPDATE … lock_version + 1``, which is a
  row lock on PostgreSQL and the database write lock on SQLite), then re-reads the dossier and its steps,
  so two officers acting at once are serialised and the loser sees the winner's result.
- The engine state is loaded from the row and saved back in the same transaction; older serializer
  versions are upgraded through :func:`app.engine.migrate_state` on load.
- A failing gateway condition never half-advances a dossier: the engine rolls back, the dossier gets
  status ``incident`` with the message, and a leader retries it (:func:`retry`).

Keyword-only functions given the session and ``now``; they flush and never commit.
"""
from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, undefer

from app import engine
from app.audit import service as audit
from app.calendar import (
    WorkingCalendar,
    add_working_time,
    classify_completion,
    reception_start,
)
from app.calendar.service import calendar_for
from app.definitions import service as definitions
from app.definitions.components import OTHER_COMPONENT, missing_at_reception
from app.definitions.forms import data_errors, form_of_step
from app.definitions.models import DefinitionVersion
from app.dossiers.codes import format_code, hash_secret, next_sequence
from app.dossiers.lifecycle import Lifecycle
from app.dossiers.models import CLOSED_STATUSES, OPEN_STATUSES, Dossier, DossierStatus, Step, StepStatus
from app.dossiers.published import compiled_of, lane_units, time_limit_minutes, unit_for_lane
from app.errors import Conflict, NotFound, PreconditionFailed, Unprocessable
from app.org.models import Officer

# --- reading ------------------------------------------------------------------------------------------

def get(*, session: Session, dossier_id: int) -> Dossier:
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        raise NotFound(f"Không có hồ sơ {dossier_id}.", detail_en=f"No dossier {dossier_id}.")
    return dossier


def list_dossiers(*, session: Session, now: datetime, visible: tuple[set[int], set[int]] | None = None,
                  procedure: str | None = None, agency_id: int | None = None, unit_id: int | None = None,
                  status: str | None = None, overdue: bool | None = None, received_from: datetime | None = None,
                  received_to: datetime | None = None, code: str | None = None):
    """Dossiers newest first (id breaks ties); ``visible`` (agencies, units) limits what an officer sees."""
    stmt = select(Dossier).order_by(Dossier.received_at.desc(), Dossier.id.desc())
    if visible is not None:
        agencies, units = visible
        stmt = stmt.where(Dossier.agency_id.in_(agencies)
                          | Dossier.id.in_(select(Step.dossier_id).where(Step.unit_id.in_(units)))
                          | Dossier.receiving_unit_id.in_(units))
    if procedure:
        stmt = stmt.where(Dossier.procedure_key == procedure)
    if agency_id is not None:
        stmt = stmt.where(Dossier.agency_id == agency_id)
    if unit_id is not None:
        stmt = stmt.where(Dossier.id.in_(select(Step.dossier_id).where(Step.unit_id == unit_id)))
    if status:
        stmt = stmt.where(Dossier.status == status)
    if overdue is not None:
        # overdue *now*: open and past due; dossiers finished late are counted by the reports
        late = Dossier.due_at.is_not(None) & Dossier.status.not_in(CLOSED_STATUSES) & (Dossier.due_at < now)
        stmt = stmt.where(late if overdue else ~late)
    if received_from is not None:
        stmt = stmt.where(Dossier.received_at >= received_from)
    if received_to is not None:
        stmt = stmt.where(Dossier.received_at < received_to)
    if code:
        stmt = stmt.where(Dossier.code == code)
    return stmt


def steps_of(*, session: Session, dossier_id: int, fresh: bool = False) -> list[Step]:
    stmt = select(Step).where(Step.dossier_id == dossier_id).order_by(Step.id)
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    return list(session.scalars(stmt))


# --- locking and engine state -------------------------------------------------------------------------

def lock(*, session: Session, dossier_id: int, if_match: int | None = None) -> Dossier:
    """Take the dossier's row lock, bump ``lock_version`` and return the freshly read row.

    ``if_match`` is the ETag the client saw; a dossier that changed since answers 412.
    """
    new_version = session.execute(
        update(Dossier).where(Dossier.id == dossier_id).values(lock_version=Dossier.lock_version + 1)
        .returning(Dossier.lock_version)).scalar_one_or_none()
    if new_version is None:
        raise NotFound(f"Không có hồ sơ {dossier_id}.", detail_en=f"No dossier {dossier_id}.")
    if if_match is not None and if_match != new_version - 1:
        raise PreconditionFailed("Hồ sơ đã thay đổi từ lần đọc trước; hãy tải lại.", code="precondition_failed",
                                 detail_en="The dossier changed since you read it; reload it.",
                                 current_etag=str(new_version - 1))
    return session.execute(select(Dossier).where(Dossier.id == dossier_id).options(undefer(Dossier.state))
                           .execution_options(populate_existing=True)).scalar_one()


def lock_step(*, session: Session, step_id: int, if_match: int | None = None) -> tuple[Dossier, Step, list[Step]]:
    """Lock the step's dossier, then re-read the step and the dossier's other open steps in one query.

    Read inside the lock, so a step another officer completed meanwhile is seen as completed; the open steps
    spare :func:`advance` a second query. Returns the dossier, the step and the dossier's open steps.
    """
    step = session.get(Step, step_id)
    if step is None:
        raise NotFound(f"Không có bước {step_id}.", detail_en=f"No step {step_id}.")
    dossier = lock(session=session, dossier_id=step.dossier_id, if_match=if_match)
    rows = list(session.scalars(
        select(Step).where(Step.dossier_id == dossier.id, Step.status.in_(OPEN_STATUSES) | (Step.id == step_id))
        .order_by(Step.id).execution_options(populate_existing=True)))
    step = next(row for row in rows if row.id == step_id)
    return dossier, step, [row for row in rows if row.status in OPEN_STATUSES]


def step_variables(dossier: Dossier, step: Step) -> dict[str, Any]:
    """The variables an open step sees (what a worker fetches with its external task)."""
    return engine.step_data(load_workflow(dossier), step.task_id)


def load_workflow(dossier: Dossier) -> engine.Workflow:
    """The dossier's workflow; a state from an older serializer is migrated first (saved on the next write)."""
    compiled = compiled_of(dossier.version)
    text = dossier.state
    if dossier.serializer_version != engine.SERIALIZER_VERSION:
        try:
            text = json.dumps(engine.migrate_state(json.loads(text), compiled))
        except (engine.StateError, ValueError) as exc:
            raise Conflict(f"Không đọc được trạng thái hồ sơ: {exc}", code="state_unreadable",
                           detail_en=f"The dossier state cannot be read: {exc}") from None
    try:
        return engine.loads(text, compiled)
    except engine.StateError as exc:
        raise Conflict(f"Không đọc được trạng thái hồ sơ: {exc}", code="state_unreadable",
                       detail_en=f"The dossier state cannot be read: {exc}") from None


def save_workflow(dossier: Dossier, wf: engine.Workflow) -> None:
    dossier.state = engine.dumps(wf)
    dossier.serializer_version = engine.SERIALIZER_VERSION


def open_steps(session: Session, dossier_id: int) -> list[Step]:
    """The dossier's open (ready or claimed) steps, oldest first, as the database has them now."""
    return list(session.scalars(select(Step).where(Step.dossier_id == dossier_id, Step.status.in_(OPEN_STATUSES))
                                .order_by(Step.id).execution_options(populate_existing=True)))


def project_steps(*, session: Session, dossier: Dossier, wf: engine.Workflow, now: datetime, life: Lifecycle,
                  previous: Step | None = None, returned_reason: str | None = None,
                  cal: WorkingCalendar | None = None, known_open_steps: list[Step] | None = None) -> list[Step]:
    """Make the Step rows match the engine's READY steps; returns the new rows.

    Open rows the engine no longer waits on (a timer interrupted them) are cancelled. ``known_open_steps``:
    the dossier's open rows when the caller read them under the dossier lock (else they are read here).
    """
    ready = engine.ready_steps(wf)
    rows = open_steps(session, dossier.id) if known_open_steps is None else known_open_steps
    open_rows = {row.task_id: row for row in rows if row.status in OPEN_STATUSES}
    ready_ids = {view.task_id for view in ready}
    closed = []
    for task_id, row in open_rows.items():
        if task_id not in ready_ids:
            row.status, row.ended_at = "cancelled", now
            row.cancel_reason = "ended" if engine.is_completed(wf) else "interrupted"
            closed.append(row)
    units = lane_units(dossier.version)
    forms = dossier.version.forms or {}
    created = []
    for view in ready:
        if view.task_id in open_rows:
            continue
        external = view.topic is not None  # a worker's step: no unit, no inbox, no working-time limit
        minutes = None if external else time_limit_minutes(view.properties.get("timeLimit"))
        due = None
        if minutes:
            cal = cal or calendar_for(session, dossier.agency_id, now)
            due = add_working_time(cal, max(now, dossier.counting_from), timedelta(minutes=minutes))
        row = Step(dossier_id=dossier.id, task_id=view.task_id, spec_id=view.spec_id, name=view.name[:500],
                   label=view.properties.get("step"), lane_id=view.lane_id,
                   form=form_of_step(view.properties.get("form"), view.spec_id, forms),
                   unit_id=None if external else unit_for_lane(session, dossier.version, view.lane_id, units),
                   status="ready", kind="external" if external else "user", topic=view.topic,
                   agency_id=dossier.agency_id,
                   procedure_key=dossier.procedure_key, channel=dossier.channel,
                   previous_step_id=previous.id if previous else None, started_at=now, due_at=due,
                   time_limit_minutes=minutes, returned_reason=returned_reason)
        session.add(row)
        created.append(row)
    session.flush()
    life.on_steps_projected(session=session, dossier=dossier, created=created, closed=closed, wf=wf, now=now,
                                 cal=cal)
    return created


def _incident(*, session: Session, dossier: Dossier, exc: engine.ConditionError, actor: Officer | None,
              now: datetime, step: Step | None) -> None:
    before = dossier.status
    dossier.status = DossierStatus.INCIDENT
    dossier.incident = str(exc)[:2000]
    dossier.incident_step_id = step.id if step else None
    audit.record(session=session, actor=actor, action="dossier.incident", object_type="dossier",
                 object_id=dossier.id, summary=dossier.incident, before={"status": before},
                 after={"status": "incident", "step_id": dossier.incident_step_id}, now=now)
    session.flush()


def _finish(session: Session, dossier: Dossier, now: datetime, life: Lifecycle,
            cal: WorkingCalendar | None = None) -> None:
    dossier.status = DossierStatus.FINISHED
    dossier.finished_at = now
    if dossier.due_at is not None:
        cal = cal or calendar_for(session, dossier.agency_id, now)
        dossier.result = classify_completion(cal, dossier.due_at, now)
    life.on_dossier_finished(session=session, dossier=dossier, now=now, cal=cal)


# --- receiving ----------------------------------------------------------------------------------------

def total_minutes(version: DefinitionVersion, compiled: engine.CompiledProcess | None = None) -> int | None:
    """The dossier's whole time limit under ``version``: the process's ``totalTimeLimit``, else the declared or
    computed sum of its steps."""
    compiled = compiled or compiled_of(version)
    declared = time_limit_minutes(compiled.properties.get("totalTimeLimit"))
    if declared:
        return declared
    return version.declared_total_minutes or version.computed_total_minutes or None


def reception_version(*, session: Session, key: str) -> DefinitionVersion:
    """The version a new dossier of ``key`` is received under: the published one (404 / 409 otherwise)."""
    version = definitions.published_version(session=session, key=key)
    if version is None:
        definitions.get_definition(session=session, key=key)  # 404 when the key is unknown
        raise Conflict("Thủ tục chưa ban hành hoặc đã bị bãi bỏ, không tiếp nhận hồ sơ mới.",
                       code="procedure_not_available",
                       detail_en="The procedure is not published (or was abolished); no new dossiers.")
    return version


def checklist(version: DefinitionVersion, entries: list[dict[str, Any]], attached: Iterable[str] = (),
              check_required: bool = True) -> list[dict[str, Any]]:
    """The reception checklist as the receipt lists it: each paper named (a component's name filled in), the
    components ``attached`` as files added; or a 422 naming a component the procedure lacks or (unless
    ``check_required`` is false: a refusal lists what was brought, however short) a required one neither handed
    in nor attached."""
    declared = {c["key"]: c for c in version.components or []}
    lines = []
    for index, entry in enumerate(entries):
        key = entry.get("component")
        if not key and not entry.get("name"):
            raise Unprocessable("Mỗi giấy tờ tiếp nhận cần mã thành phần (component) hoặc tên (name).",
                                code="document_unnamed", detail_en="Each paper needs a component or a name.",
                                errors={f"documents.{index}": ["component | name"]})
        component = declared.get(key) if key else None
        if key and component is None and key != OTHER_COMPONENT:
            raise Unprocessable(f"Quy trình không có thành phần hồ sơ '{key}'.", code="component_unknown",
                                detail_en=f"The procedure has no component '{key}'.",
                                errors={f"documents.{index}.component": [key]})
        defaults = component or {"name": "Giấy tờ khác", "copy_kind": "ban_chinh", "copies": 1}
        lines.append({**({"component": key} if key else {}), "name": entry.get("name") or defaults["name"],
                      "copy_kind": entry.get("copy_kind") or defaults["copy_kind"],
                      "copies": entry.get("copies") or defaults["copies"]})
    listed = {line.get("component") for line in lines}
    for key in dict.fromkeys(attached):  # a file that came with the reception is a paper received too
        if key not in listed and key in declared:
            component = declared[key]
            lines.append({"component": key, "name": component["name"], "copy_kind": component["copy_kind"],
                          "copies": component["copies"]})
    missing = missing_at_reception(declared.values(), [line.get("component") for line in lines])
    if missing and check_required:
        names = "; ".join(c["name"] for c in missing)
        raise Unprocessable(f"Hồ sơ thiếu thành phần bắt buộc: {names}.", code="component_missing",
                            detail_en=f"Required components are missing: {', '.join(c['key'] for c in missing)}.",
                            errors={"documents": [c["key"] for c in missing]})
    return lines


def desk_unit(version: DefinitionVersion, officer: Officer | None) -> int | None:
    """The unit a clerk receives at: one of theirs bound to a lane of the version (the desk's lane), else their
    first unit; None for an officer without units (an integration's key)."""
    if officer is None or not officer.units:
        return None
    bound = set(lane_units(version).values())
    return next((unit.id for unit in officer.units if unit.id in bound), officer.units[0].id)


def check_reception(version: DefinitionVersion, dossier_in: dict[str, Any], attached: Iterable[str] = ()) -> list[dict[str, Any]]:
    """What refuses a reception whatever the moment: the checklist (:func:`checklist`), the data's keys and the
    start form. Returns the checklist as the receipt lists it."""
    papers = checklist(version, list(dossier_in.get("documents") or []), attached)
    data = dossier_in.get("data") or {}
    check_data_keys(data)
    _check_start_form(version, data)
    return papers


def start(*, session: Session, key: str, dossier_in: dict[str, Any], officer: Officer | None, now: datetime,
          life: Lifecycle, code_format: str | None = None, attached: Iterable[str] = (),
          version: DefinitionVersion | None = None) -> tuple[Dossier, str]:
    """Receive a dossier under the published version of ``key``; returns it and its lookup secret (shown once).

    ``attached``: the components whose files come with the reception (they count as handed in); ``version``:
    the reception version when the caller looked it up already (:func:`reception_version`).
    """
    version = version or reception_version(session=session, key=key)
    papers = check_reception(version, dossier_in, attached)
    agency = version.definition.agency
    if agency is None:
        raise Conflict("Thủ tục chưa gắn cơ quan tiếp nhận.", code="procedure_without_agency",
                       detail_en="The procedure has no receiving agency.")
    compiled = compiled_of(version)
    cal = calendar_for(session, agency.id, now)
    counting_from = reception_start(cal, now)
    total = total_minutes(version, compiled)
    due = add_working_time(cal, counting_from, timedelta(minutes=total)) if total else None
    day = now.astimezone(cal.tz).date()
    seq = next_sequence(session=session, agency_id=agency.id, day=day)
    code = format_code(code_format, agency_code=agency.code, day=day, seq=seq)
    secret = secrets.token_urlsafe(12)
    applicant, data = dossier_in["applicant"], dossier_in.get("data") or {}
    dossier = Dossier(code=code, definition_version_id=version.id, version=version, procedure_key=key,
                      agency_id=agency.id, applicant=applicant, data=data,
                      documents=papers, channel=dossier_in.get("channel", "direct"),
                      status="received", received_at=now,
                      received_by_id=officer.id if officer else None, receiving_unit_id=desk_unit(version, officer),
                      counting_from=counting_from, due_at=due,
                      lookup_secret_hash=hash_secret(secret), lock_version=1)
    session.add(dossier)
    session.flush()
    audit.record(session=session, actor=officer, action="dossier.receive", object_type="dossier",
                 object_id=dossier.id, summary=f"Tiếp nhận hồ sơ {code} ({key} v{version.version})",
                 after={"code": code, "status": "received", "due_at": due.isoformat() if due else None}, now=now)
    life.on_dossier_started(session=session, dossier=dossier, now=now)
    run_start(session=session, dossier=dossier, actor=officer, now=now, life=life)
    return dossier, secret


def refuse(*, session: Session, key: str, refusal_in: dict[str, Any], officer: Officer, now: datetime,
           code_format: str | None = None) -> tuple[Dossier, str]:
    """Refuse a dossier at reception (form 03): recorded with its code, applicant, papers and reason, closed at
    once; never received, so no engine, no steps, no clock and no due work. Returns it and its lookup secret."""
    version = reception_version(session=session, key=key)
    agency = version.definition.agency
    if agency is None:
        raise Conflict("Thủ tục chưa gắn cơ quan tiếp nhận.", code="procedure_without_agency",
                       detail_en="The procedure has no receiving agency.")
    papers = checklist(version, list(refusal_in.get("documents") or []), check_required=False)
    cal = calendar_for(session, agency.id, now)
    day = now.astimezone(cal.tz).date()
    code = format_code(code_format, agency_code=agency.code, day=day,
                       seq=next_sequence(session=session, agency_id=agency.id, day=day))
    secret = secrets.token_urlsafe(12)
    dossier = Dossier(code=code, definition_version_id=version.id, version=version, procedure_key=key,
                      agency_id=agency.id, applicant=refusal_in["applicant"], data={}, documents=papers,
                      channel=refusal_in.get("channel", "direct"), status=DossierStatus.REFUSED, received_at=now,
                      received_by_id=officer.id, receiving_unit_id=desk_unit(version, officer), counting_from=now,
                      due_at=None, closed_at=now,
                      close_reason=refusal_in["reason"], lookup_secret_hash=hash_secret(secret), lock_version=1)
    session.add(dossier)
    session.flush()
    audit.record(session=session, actor=officer, action="dossier.refuse", object_type="dossier", object_id=dossier.id,
                 summary=f"Từ chối tiếp nhận hồ sơ {code} ({key}): {refusal_in['reason']}",
                 after={"code": code, "status": DossierStatus.REFUSED}, now=now)
    return dossier, secret


#: A dossier data key is a name a gateway condition can read: a letter or ``_``, then letters, digits, ``_``.
DATA_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def check_data_keys(data: dict[str, Any]) -> None:
    """Here, not in the schema: OpenAPI 3.0 cannot state a rule on an object's keys, so a client validating
    against the document would send such a key; it gets this rule's own code, not the schema layer's."""
    bad = [key for key in data if not DATA_KEY.fullmatch(key)]
    if bad:
        raise Unprocessable("Tên trường dữ liệu hồ sơ phải bắt đầu bằng chữ cái hoặc '_', gồm chữ, số, '_', tối đa 64 ký tự.",
                            code="data_key_invalid", detail_en="Dossier data keys are names: a letter or '_', then "
                            "letters, digits or '_', at most 64 characters.",
                            errors={f"data.{key[:80]}": ["Tên trường không hợp lệ."] for key in bad[:20]})


def _check_start_form(version: DefinitionVersion, data: dict[str, Any]) -> None:
    """The reception's data meet the procedure's start form, when it has one: what the upload's data-flow
    check (app.definitions.dataflow) assumed every dossier brings."""
    name = version.validation.get("start_form")
    schema = (version.forms or {}).get(name) if name else None
    if schema:
        errors = data_errors(schema, data)
        if errors:
            raise Unprocessable("Dữ liệu hồ sơ không đúng biểu mẫu tiếp nhận.", code="form_data_invalid",
                                detail_en="The dossier data do not meet the procedure's start form.",
                                errors={f"data.{key}": value for key, value in errors.items()})


def _engine_data(dossier: Dossier) -> dict[str, Any]:
    return {**dossier.data, "applicant": dossier.applicant, "dossier_code": dossier.code}


def run_start(*, session: Session, dossier: Dossier, actor: Officer | None, now: datetime, life: Lifecycle) -> None:
    try:
        wf = engine.start(compiled_of(dossier.version), _engine_data(dossier), now=now)
    except engine.ConditionError as exc:
        _incident(session=session, dossier=dossier, exc=exc, actor=actor, now=now, step=None)
        return
    save_workflow(dossier, wf)
    cal = calendar_for(session, dossier.agency_id, now)
    # a dossier being started has no step rows yet (a start that failed into incident made none)
    project_steps(session=session, dossier=dossier, wf=wf, now=now, life=life, cal=cal, known_open_steps=[])
    if engine.is_completed(wf):
        _finish(session, dossier, now, life, cal)
    session.flush()


# --- moving the workflow ------------------------------------------------------------------------------

def advance(*, session: Session, dossier: Dossier, step: Step, data: dict[str, Any], actor: Officer,
            now: datetime, life: Lifecycle, check: Callable[[engine.Workflow], None] | None = None,
            returned_reason: str | None = None, known_open_steps: list[Step] | None = None,
            error_code: str | None = None) -> list[Step] | None:
    """Complete ``step`` in the engine with ``data`` and project the result.

    ``error_code``: a worker's BPMN error on an external step instead of a completion: the step's error
    boundary event catches it (422 ``bpmn_error_uncaught`` when none does) and the step ends ``bpmn_error``.

    Returns the dossier's open steps after the move (where it went; empty when it finished), or None when
    a condition failed and the dossier went into incident instead.
    ``check`` runs on the moved workflow before any row changes and may raise to refuse the move.
    ``known_open_steps``: the dossier's open rows, read under the lock by the caller (saves a query).
    """
    wf = load_workflow(dossier)
    try:
        if error_code is None:
            engine.complete_step(wf, step.task_id, data, now=now)
        elif not engine.catches_error(wf, step.task_id, error_code):
            raise Unprocessable(f"Không có sự kiện lỗi (error boundary event) nào trên bước {step.spec_id} bắt mã "
                                f"lỗi '{error_code}'.", code="bpmn_error_uncaught",
                                detail_en=f"No error boundary event on {step.spec_id} catches '{error_code}'.")
        else:
            engine.throw_error(wf, step.task_id, error_code, data, now=now)
    except engine.ConditionError as exc:
        step.data = data
        _incident(session=session, dossier=dossier, exc=exc, actor=actor, now=now, step=step)
        return None
    except (engine.TaskNotReady, engine.UnknownTask):
        raise Conflict("Bước này không còn chờ xử lý.", code="step_not_ready",
                       detail_en="This step is no longer waiting for an officer.") from None
    if check is not None:
        check(wf)
    cal = calendar_for(session, dossier.agency_id, now)
    step.status = StepStatus.COMPLETED if error_code is None else StepStatus.CANCELLED
    step.cancel_reason = None if error_code is None else "bpmn_error"
    step.completed_at = step.ended_at = now
    step.completed_by = actor
    step.assignee = step.assignee or actor
    step.data = data
    if step.due_at is not None:
        step.result = classify_completion(cal, step.due_at, now)
    life.on_step_completed(session=session, dossier=dossier, step=step, now=now, cal=cal)
    save_workflow(dossier, wf)
    finished = engine.is_completed(wf)
    # set before the projection flushes, so the dossier row is written once with its new state
    if not finished and dossier.status in ("received", "incident"):
        dossier.status = DossierStatus.PROCESSING
    dossier.incident = None
    dossier.incident_step_id = None
    if known_open_steps is None:
        known_open_steps = open_steps(session, dossier.id)
    created = project_steps(session=session, dossier=dossier, wf=wf, now=now, life=life, previous=step,
                            returned_reason=returned_reason, cal=cal, known_open_steps=known_open_steps)
    if finished:
        _finish(session, dossier, now, life, cal)
    session.flush()
    return [row for row in known_open_steps if row.status in OPEN_STATUSES] + created


def advance_timers(session: Session, dossier: Dossier, now: datetime, life: Lifecycle) -> list[str]:
    """Fire the dossier's due BPMN timers and project what follows (the scheduler's entry point)."""
    dossier = lock(session=session, dossier_id=dossier.id)
    if dossier.status in CLOSED_STATUSES or dossier.status == DossierStatus.INCIDENT or dossier.state is None:
        return []
    wf = load_workflow(dossier)
    try:
        fired = engine.fire_due_timers(wf, now=now)
    except engine.ConditionError as exc:
        _incident(session=session, dossier=dossier, exc=exc, actor=None, now=now, step=None)
        return []
    if not fired:
        return []
    save_workflow(dossier, wf)
    project_steps(session=session, dossier=dossier, wf=wf, now=now, life=life)
    if engine.is_completed(wf):
        _finish(session, dossier, now, life)
    audit.record(session=session, actor=None, action="dossier.timer", object_type="dossier", object_id=dossier.id,
                 summary=f"Hẹn giờ đến hạn: {len(fired)}", after={"fired": fired, "status": dossier.status}, now=now)
    session.flush()
    return fired


def next_timer_at(dossier: Dossier) -> datetime | None:
    """When the scheduler should next call :func:`advance_timers` for this dossier (None: no timer)."""
    if dossier.state is None or dossier.status in CLOSED_STATUSES:
        return None
    timers = engine.waiting_timers(load_workflow(dossier))
    return timers[0].due_at if timers else None


def retry(*, session: Session, dossier_id: int, officer: Officer, now: datetime, life: Lifecycle,
          data: dict[str, Any] | None = None, if_match: int | None = None) -> Dossier:
    """Run again what failed (a start or a step completion), optionally with corrected step data."""
    dossier = lock(session=session, dossier_id=dossier_id, if_match=if_match)
    if dossier.status != DossierStatus.INCIDENT:
        raise Conflict("Hồ sơ không có sự cố để chạy lại.", code="no_incident",
                       detail_en="The dossier has no incident to retry.")
    audit.record(session=session, actor=officer, action="dossier.retry", object_type="dossier",
                 object_id=dossier.id, summary=dossier.incident or "", before={"incident": dossier.incident},
                 now=now)
    if dossier.incident_step_id is None:
        dossier.status, dossier.incident = "received", None
        run_start(session=session, dossier=dossier, actor=officer, now=now, life=life)
        return dossier
    step = session.get(Step, dossier.incident_step_id)
    merged = {**(step.data or {}), **(data or {})}
    advance(session=session, dossier=dossier, step=step, data=merged, actor=officer, now=now, life=life)
    return dossier


def check_not_closed(dossier: Dossier) -> None:
    """A finished, withdrawn, stopped or refused dossier is moved no more (409 ``dossier_closed``)."""
    if dossier.status in CLOSED_STATUSES:
        raise Conflict(f"Hồ sơ đã kết thúc ({dossier.status}).", code="dossier_closed",
                       detail_en=f"The dossier is already {dossier.status}.")


def close(*, session: Session, dossier_id: int, officer: Officer, status: str, reason: str, now: datetime,
          life: Lifecycle, if_match: int | None = None) -> Dossier:
    """Withdraw (rút hồ sơ, the applicant asks) or stop (dừng xử lý) a dossier: its open steps are cancelled."""
    dossier = lock(session=session, dossier_id=dossier_id, if_match=if_match)
    check_not_closed(dossier)
    before = dossier.status
    if dossier.state is not None:
        wf = load_workflow(dossier)
        engine.cancel(wf)
        save_workflow(dossier, wf)
    for row in open_steps(session, dossier.id):
        row.status, row.ended_at, row.cancel_reason = "cancelled", now, status
    dossier.status, dossier.closed_at, dossier.close_reason = status, now, reason
    life.on_dossier_finished(session=session, dossier=dossier, now=now)
    audit.record(session=session, actor=officer, action=f"dossier.{'withdraw' if status == 'withdrawn' else 'stop'}",
                 object_type="dossier", object_id=dossier.id, summary=reason, before={"status": before},
                 after={"status": status}, now=now)
    session.flush()
    return dossier
