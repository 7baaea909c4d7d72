"""Officers' work on steps: list, claim, unclaim, assign, complete (with the step's form) and return.

Permissions: an officer, leader or clerk acts on the steps of the units they belong to; a leader assigns a
step of their unit to an officer of that unit; admins and auditors read everything. Every change is given
the dossier and the step as read under the dossier's lock (:func:`app.flows` takes it with
:func:`app.dossiers.service.lock_step`) and checks the step's status there, so of two officers completing the
same step exactly one wins and the other gets 409. Moving the engine is the flow's, not this module's.

Keyword-only functions given the session and ``now``; they flush and never commit.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from app import engine
from app.audit import service as audit
from app.auth import scope
from app.definitions.forms import data_errors
from app.dossiers.models import CLOSED_STATUSES, OPEN_STATUSES, Dossier, DossierStatus, Step, StepStatus
from app.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.org.models import Officer

ACTING_ROLES = ("officer", "leader", "clerk")


def unit_ids(officer: Officer) -> set[int]:
    """The officer's units; a leader's include the units below them (:func:`app.auth.scope.unit_ids`)."""
    return scope.unit_ids(session=object_session(officer), officer=officer)


def reads_all(officer: Officer) -> bool:
    return scope.reads_all(officer)


def visibility(*, session: Session, officer: Officer) -> tuple[set[int], set[int]] | None:
    """What ``officer`` may read: (agencies, with those below them; units whose steps they work). None: all."""
    if reads_all(officer):
        return None
    return scope.agency_ids(session=session, officer=officer), unit_ids(officer)


def check_can_read(officer: Officer, dossier: Dossier, session: Session) -> None:
    if not scope.can_read_dossier(session=session, officer=officer, dossier=dossier):
        raise Forbidden("Hồ sơ không thuộc cơ quan, đơn vị của bạn.", code="forbidden",
                        detail_en="This dossier belongs to another agency.")


def _check_member(officer: Officer, step: Step) -> None:
    if step.kind == "external":
        raise Conflict(f"Bước này do hệ thống thực hiện (chủ đề {step.topic}); không xử lý như việc của cán bộ.",
                       code="step_is_external",
                       detail_en=f"This step is a worker's (topic {step.topic}), not an officer's.")
    if not officer.has_role(*ACTING_ROLES) or step.unit_id not in unit_ids(officer):
        raise Forbidden("Bước này thuộc đơn vị khác; bạn không xử lý được.", code="not_your_unit",
                        detail_en="This step belongs to a unit you are not a member of.")


# --- reading ------------------------------------------------------------------------------------------

def get(*, session: Session, step_id: int) -> Step:
    step = session.get(Step, step_id)
    if step is None:
        raise NotFound(f"Không có bước {step_id}.", detail_en=f"No step {step_id}.")
    return step


def get_for(*, session: Session, step_id: int, officer: Officer) -> Step:
    step = get(session=session, step_id=step_id)
    if not reads_all(officer) and step.unit_id not in unit_ids(officer):
        check_can_read(officer, step.dossier, session)
    return step


def list_steps(*, session: Session, officer: Officer, now: datetime, mine: bool | None = None,
               unit_id: int | None = None, procedure: str | None = None, status: str | None = None,
               overdue: bool | None = None, due_before: datetime | None = None):
    """Steps ordered by due time (no due time last), then id; officers see their units' steps only."""
    stmt = select(Step).where(Step.kind == "user").order_by(Step.due_at.is_(None), Step.due_at, Step.id)
    if not reads_all(officer):
        stmt = stmt.where(Step.unit_id.in_(unit_ids(officer)))
    if mine:
        stmt = stmt.where(Step.assignee_id == officer.id)
    if unit_id is not None:
        stmt = stmt.where(Step.unit_id == unit_id)
    if procedure:
        stmt = stmt.where(Step.dossier_id.in_(select(Dossier.id).where(Dossier.procedure_key == procedure)))
    if status:
        stmt = stmt.where(Step.status == status)
    if overdue is not None:
        # overdue *now*: open and past due (finished-late history is in the reports); the condition stays
        # sargable so the (unit_id, status, due_at) index serves the leaders' list as steps pile up
        late = Step.status.in_(OPEN_STATUSES) & Step.due_at.is_not(None) & (Step.due_at < now)
        stmt = stmt.where(late if overdue else ~late)
    if due_before is not None:
        stmt = stmt.where(Step.due_at < due_before)
    return stmt


# --- changing -----------------------------------------------------------------------------------------

def _check_open(dossier: Dossier, step: Step, officer: Officer | None = None) -> None:
    if dossier.status in CLOSED_STATUSES:
        raise Conflict(f"Hồ sơ {dossier.code} đã kết thúc ({dossier.status}).", code="dossier_closed",
                       detail_en=f"Dossier {dossier.code} is {dossier.status}.")
    if dossier.status == DossierStatus.INCIDENT:
        raise Conflict("Hồ sơ đang có sự cố; lãnh đạo cần xử lý và chạy lại.", code="dossier_incident",
                       detail_en="The dossier has an incident; a leader must retry it.")
    if step.status == StepStatus.COMPLETED:
        who = step.completed_by.full_name if step.completed_by else "?"
        raise Conflict(f"Bước này đã được {who} hoàn thành.", code="step_completed",
                       detail_en=f"This step was already completed by {who}.")
    if step.status == StepStatus.CANCELLED:
        raise Conflict("Bước này đã bị huỷ.", code="step_cancelled", detail_en="This step was cancelled.")
    if officer is not None and step.status == StepStatus.CLAIMED and step.assignee_id != officer.id:
        who = step.assignee.full_name if step.assignee else "?"
        raise Conflict(f"Bước này đang do {who} xử lý.", code="step_claimed",
                       detail_en=f"This step is claimed by {who}.")


def check_can_work(*, dossier: Dossier, step: Step, officer: Officer) -> None:
    """The officer may act on the step now: it is open, of one of their units, and not claimed by another."""
    _check_open(dossier, step, officer)
    _check_member(officer, step)


def _snapshot(step: Step) -> dict[str, Any]:
    return {"status": step.status, "assignee_id": step.assignee.id if step.assignee else None}


def claim(*, session: Session, dossier: Dossier, step: Step, officer: Officer, now: datetime) -> Step:
    """Take a ready step (or keep one's own); ``dossier`` and ``step`` were read under the dossier's lock."""
    _check_member(officer, step)
    _check_open(dossier, step, officer)
    before = _snapshot(step)
    step.status, step.assignee, step.claimed_at = StepStatus.CLAIMED, officer, step.claimed_at or now
    audit.record(session=session, actor=officer, action="step.claim", object_type="step", object_id=step.id,
                 summary=f"{dossier.code}: nhận xử lý bước {step.label or step.spec_id}", before=before,
                 after=_snapshot(step), now=now)
    session.flush()
    return step


def unclaim(*, session: Session, dossier: Dossier, step: Step, officer: Officer, now: datetime) -> Step:
    """Put a claimed step back in its unit's queue (the assignee or a leader of the unit)."""
    _check_member(officer, step)
    _check_open(dossier, step)
    if step.status != StepStatus.CLAIMED:
        raise Conflict("Bước này chưa có người nhận.", code="step_not_claimed", detail_en="This step is not claimed.")
    if step.assignee_id != officer.id and not officer.has_role("leader"):
        raise Forbidden("Chỉ người đang xử lý hoặc lãnh đạo đơn vị được trả bước về hàng chờ.", code="forbidden",
                        detail_en="Only the assignee or a leader of the unit may release this step.")
    before = _snapshot(step)
    step.status, step.assignee = StepStatus.READY, None
    audit.record(session=session, actor=officer, action="step.unclaim", object_type="step", object_id=step.id,
                 summary=f"{dossier.code}: trả bước {step.label or step.spec_id} về hàng chờ", before=before,
                 after=_snapshot(step), now=now)
    session.flush()
    return step


def assign(*, session: Session, dossier: Dossier, step: Step, officer: Officer, assignee_id: int,
           now: datetime) -> Step:
    """A leader gives a step of their unit to an officer of that unit."""
    if not officer.has_role("leader") or step.unit_id not in unit_ids(officer):
        raise Forbidden("Chỉ lãnh đạo của đơn vị được phân công bước này.", code="forbidden",
                        detail_en="Only a leader of the step's unit may assign it.")
    _check_open(dossier, step)
    assignee = session.get(Officer, assignee_id)
    if assignee is None or not assignee.is_active or step.unit_id not in unit_ids(assignee):
        raise Unprocessable(errors={"assignee_id": ["Người được phân công phải là cán bộ của đơn vị xử lý bước."]})
    before = _snapshot(step)
    step.status, step.assignee, step.claimed_at = StepStatus.CLAIMED, assignee, now
    audit.record(session=session, actor=officer, action="step.assign", object_type="step", object_id=step.id,
                 summary=f"{dossier.code}: phân công bước {step.label or step.spec_id} cho {assignee.full_name}",
                 before=before, after=_snapshot(step), now=now)
    session.flush()
    return step


def validate_form(step: Step, data: dict[str, Any]) -> None:
    """Check ``data`` against the step's form (JSON Schema); 422 with errors keyed by field path."""
    schema = step.form_schema
    if not schema:
        return
    errors = data_errors(schema, data)
    if errors:
        raise Unprocessable("Dữ liệu biểu mẫu không hợp lệ.", code="form_data_invalid", detail_en="The form data is not valid.", errors=errors)


def check_completion(*, dossier: Dossier, step: Step, officer: Officer, data: dict[str, Any]) -> dict[str, Any]:
    """Refuse (403/409/422) a completion the officer may not make; returns the step as it was, for the audit."""
    _check_member(officer, step)
    _check_open(dossier, step, officer)
    validate_form(step, data)
    return _snapshot(step)


def record_completion(*, session: Session, dossier: Dossier, step: Step, officer: Officer, before: dict[str, Any],
                      now: datetime) -> None:
    audit.record(session=session, actor=officer, action="step.complete", object_type="step", object_id=step.id,
                 summary=f"{dossier.code}: hoàn thành bước {step.label or step.spec_id} ({step.result or '-'})",
                 before=before, after={**_snapshot(step), "result": step.result, "dossier_status": dossier.status},
                 now=now)


def check_return(*, dossier: Dossier, step: Step, officer: Officer, reason: str,
                 data: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """What returning ``step`` completes it with (``approved = False`` and the reason), and the step as it was.

    Refused (409) when the step's form has no ``approved`` to answer; the diagram's routing is checked by
    :func:`goes_back` on the moved workflow.
    """
    _check_member(officer, step)
    _check_open(dossier, step, officer)
    schema = step.form_schema or {}
    if schema and "approved" not in (schema.get("properties") or {}):
        raise refused_return()
    payload = {**(data or {}), "approved": False, "comment": reason}
    validate_form(step, payload)
    return payload, _snapshot(step)


def goes_back(done_specs: set[str]) -> Callable[[engine.Workflow], None]:
    """A check for the moved workflow: the return must reach a step already done, else 409."""
    def check(wf: engine.Workflow) -> None:
        if not any(view.spec_id in done_specs for view in engine.ready_steps(wf)):
            raise refused_return()
    return check


def record_return(*, session: Session, dossier: Dossier, step: Step, officer: Officer, reason: str,
                  before: dict[str, Any], now: datetime) -> None:
    step.returned_reason = reason
    audit.record(session=session, actor=officer, action="step.return", object_type="step", object_id=step.id,
                 summary=f"{dossier.code}: trả lại từ bước {step.label or step.spec_id}: {reason}", before=before,
                 after={**_snapshot(step), "result": step.result}, now=now)
    session.flush()


def refused_return() -> Conflict:
    """The diagram cannot send the dossier back from this step (409); nothing is left half-done."""
    return Conflict("Quy trình không cho phép trả lại từ bước này.", code="return_not_allowed",
                    detail_en="The diagram does not allow sending the dossier back from this step.")
