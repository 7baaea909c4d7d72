"""Hand external tasks out under a lease, and record what workers say of them (failure, retries, unlock).

Keyword-only functions given the session and ``now``; they flush and never commit. The moves of the dossier
(complete, BPMN error) are :mod:`app.flows`'; this module checks the lease they need (:func:`check_lock`).

Rules:

- A lock is a lease: a task is fetched when it is ready, of an asked topic, unlocked or its lease expired,
  has retries left (``None``: never failed) and its dossier is moving (not paused, closed or in incident).
  Taking it is a conditional ``UPDATE … WHERE`` the lease is still free, so two workers never hold one task.
- Only the worker holding an unexpired lease completes, fails, extends or raises a BPMN error (409
  ``lock_not_held`` otherwise); a task that is no longer open is the same 404 as one that never was.
- An API key may be limited to topics (``api_keys.topics``); asking or acting on another topic is 403.
- A failure with no retries left is an incident: the leaders of the dossier's desk are told; ``PUT …/retries``
  gives it new ones.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.scope import is_agency_admin, reads_all
from app.dossiers.models import CLOSED_STATUSES, Dossier, DossierStatus, Step, StepStatus
from app.errors import Conflict, Forbidden, NotFound
from app.notifications import service as notifications
from app.org.leaders import unit_leaders
from app.org.models import Officer
from app.org.visibility import agency_ids

_NOT_MOVING = (*CLOSED_STATUSES, DossierStatus.PAUSED, DossierStatus.INCIDENT)


def not_found(task_id: Any) -> NotFound:
    return NotFound(f"Không có tác vụ ngoài {task_id}.", code="not_found", detail_en=f"No external task {task_id}.")


def allowed_topics(officer: Officer) -> frozenset[str] | None:
    """The topics the caller's API key is limited to (None: any)."""
    return getattr(officer, "topic_limit", None)


def check_topics(officer: Officer, topics: Iterable[str]) -> None:
    allowed = allowed_topics(officer)
    refused = sorted(set(topics) - allowed) if allowed is not None else []
    if refused:
        raise Forbidden(f"Khoá API này không được nhận chủ đề: {', '.join(refused)}.", code="topic_not_allowed",
                        detail_en=f"This API key may not serve the topics {refused}.")


def _visible(session: Session, officer: Officer):
    """Agencies whose dossiers' tasks the caller sees (None: all).

    A worker account of an agency serves that agency's tree; one of no agency and no unit is the system's
    (only a system admin creates such an account: ``app.org.grants``) and serves every agency.
    """
    if reads_all(officer):
        return None
    found = agency_ids(session=session, officer=officer)
    return None if not found and officer.has_role("worker") else found


def get(*, session: Session, task_id: str, officer: Officer, writes: bool = False) -> Step:
    """The external task (a step of kind ``external``) the caller may see; 404 for any other id.

    ``writes``: an agency admin, who reads every agency's, changes only its own agencies' tasks.
    """
    try:
        step_id = int(task_id)
    except (TypeError, ValueError):
        raise not_found(task_id) from None
    step = session.get(Step, step_id) if 0 < step_id < 2**63 else None
    visible = _visible(session, officer)
    if writes and is_agency_admin(officer):
        visible = agency_ids(session=session, officer=officer)
    if step is None or step.kind != "external" or (visible is not None and step.agency_id not in visible):
        raise not_found(task_id)
    return step


# --- fetch and lock -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Locked:
    step: Step
    variables: list[str] | None


def _fetchable(now: datetime):
    return (Step.kind == "external", Step.status == StepStatus.READY,
            or_(Step.lock_expires_at.is_(None), Step.lock_expires_at <= now),
            or_(Step.retries.is_(None), Step.retries > 0))


def candidates(*, session: Session, topic: Mapping[str, Any], now: datetime, limit: int, use_priority: bool,
               visible: set[int] | None) -> list[Step]:
    stmt = (select(Step).join(Dossier, Dossier.id == Step.dossier_id)
            .where(*_fetchable(now), Step.topic == topic["topic_name"], Dossier.status.not_in(_NOT_MOVING)))
    if topic.get("business_key"):
        stmt = stmt.where(Dossier.code == topic["business_key"])
    keys = [k for k in [topic.get("process_definition_key"), *(topic.get("process_definition_key_in") or [])] if k]
    if keys:
        stmt = stmt.where(Step.procedure_key.in_(keys))
    if visible is not None:
        stmt = stmt.where(Step.agency_id.in_(visible))
    order = (Step.priority.desc(), Step.id) if use_priority else (Step.id,)
    return list(session.scalars(stmt.order_by(*order).limit(limit)))


def take(*, session: Session, step: Step, worker_id: str, until: datetime, now: datetime) -> bool:
    """Lease ``step`` to ``worker_id`` unless another worker took it first (a conditional UPDATE)."""
    taken = session.execute(update(Step).where(Step.id == step.id, *_fetchable(now))
                            .values(worker_id=worker_id, lock_expires_at=until),
                            execution_options={"synchronize_session": False})
    if taken.rowcount != 1:
        return False
    session.refresh(step, attribute_names=["worker_id", "lock_expires_at"])
    return True


def fetch_and_lock(*, session: Session, request: Mapping[str, Any], officer: Officer, now: datetime) -> list[Locked]:
    """Lease up to ``maxTasks`` tasks of the asked topics, in order (by priority first when asked)."""
    check_topics(officer, [t["topic_name"] for t in request["topics"]])
    visible = _visible(session, officer)
    found: list[Locked] = []
    for topic in request["topics"]:
        room = request["max_tasks"] - len(found)
        if room <= 0:
            break
        until = now + timedelta(milliseconds=topic["lock_duration"])
        for step in candidates(session=session, topic=topic, now=now, limit=room, use_priority=request["use_priority"],
                               visible=visible):
            if take(session=session, step=step, worker_id=request["worker_id"], until=until, now=now):
                found.append(Locked(step, topic.get("variables")))
    return found


# --- what a worker says -------------------------------------------------------------------------------------

def check_lock(*, step: Step, worker_id: str, officer: Officer, now: datetime) -> None:
    """The caller holds ``step``'s unexpired lease as ``worker_id`` (read under the dossier's lock)."""
    if step.kind != "external" or step.status != StepStatus.READY:
        raise not_found(step.id)
    check_topics(officer, [step.topic or ""])
    if step.worker_id != worker_id or step.lock_expires_at is None or step.lock_expires_at <= now:
        held = "đã hết hạn" if step.worker_id == worker_id else "không do tiến trình này giữ"
        raise Conflict(f"Khoá tác vụ {step.id} {held}; hãy nhận lại tác vụ (fetchAndLock).", code="lock_not_held",
                       detail_en=f"The lock of task {step.id} is {'expired' if step.worker_id == worker_id else 'not held by this worker'}; fetch it again.")


def release(step: Step) -> None:
    step.worker_id, step.lock_expires_at = None, None


def record_failure(*, session: Session, dossier: Dossier, step: Step, officer: Officer, failure: Mapping[str, Any],
                   now: datetime) -> None:
    """The worker could not do it: retried after ``retryTimeout``, or an incident once no retries are left."""
    step.retries = failure["retries"]
    step.error_message = (failure.get("error_message") or "")[:4000] or None
    step.error_details = (failure.get("error_details") or "")[:20000] or None
    step.worker_id = None
    wait = failure.get("retry_timeout") or 0
    step.lock_expires_at = now + timedelta(milliseconds=wait) if wait and step.retries else None
    audit.record(session=session, actor=officer, action="external_task.failure", object_type="step",
                 object_id=step.id, summary=f"{dossier.code}: {step.topic}: {step.error_message or '-'}",
                 after={"retries": step.retries, "worker_id": failure["worker_id"]}, now=now)
    if step.retries == 0:
        _tell_incident(session=session, dossier=dossier, step=step, now=now)
    session.flush()


def _tell_incident(*, session: Session, dossier: Dossier, step: Step, now: datetime) -> None:
    text = (f"Hồ sơ {dossier.code}: tác vụ hệ thống '{step.name}' (chủ đề {step.topic}) lỗi và hết lượt thử lại: "
            f"{step.error_message or 'không rõ lỗi'}. Cần cấp lượt thử lại sau khi khắc phục.")
    for leader in unit_leaders(session, dossier.receiving_unit):
        notifications.notify(session=session, now=now, kind="external_task_incident", text=text[:4000],
                             dedupe_key=f"external_incident:{step.id}:{step.error_message or ''}"[:255],
                             officer_id=leader.id, dossier_id=dossier.id, step_id=step.id)


def extend_lock(*, step: Step, new_duration: int, now: datetime) -> None:
    step.lock_expires_at = now + timedelta(milliseconds=new_duration)


def set_retries(*, session: Session, step: Step, retries: int, officer: Officer, now: datetime) -> None:
    """New retries for a task (an incident resolved): it can be fetched again at once."""
    if step.status != StepStatus.READY:
        raise not_found(step.id)
    step.retries, step.lock_expires_at, step.worker_id = retries, None, None
    audit.record(session=session, actor=officer, action="external_task.retries", object_type="step",
                 object_id=step.id, summary=f"{step.topic}: {retries}", after={"retries": retries}, now=now)
    session.flush()


def unlock(*, step: Step) -> None:
    if step.status != StepStatus.READY:
        raise not_found(step.id)
    release(step)


# --- reading ---------------------------------------------------------------------------------------------------

def query(*, session: Session, officer: Officer, filters: Mapping[str, Any], now: datetime):
    """Open external tasks, oldest first, as Camunda's ``GET /external-task`` filters them."""
    stmt = (select(Step).join(Dossier, Dossier.id == Step.dossier_id)
            .where(Step.kind == "external", Step.status == StepStatus.READY).order_by(Step.id))
    visible = _visible(session, officer)
    if visible is not None:
        stmt = stmt.where(Step.agency_id.in_(visible))
    if filters.get("topic_name"):
        stmt = stmt.where(Step.topic == filters["topic_name"])
    if filters.get("worker_id"):
        stmt = stmt.where(Step.worker_id == filters["worker_id"])
    locked = Step.worker_id.is_not(None) & (Step.lock_expires_at > now)
    if filters.get("locked"):
        stmt = stmt.where(locked)
    if filters.get("not_locked"):
        stmt = stmt.where(~locked | Step.worker_id.is_(None))
    if filters.get("with_retries_left"):
        stmt = stmt.where(or_(Step.retries.is_(None), Step.retries > 0))
    if filters.get("no_retries_left"):
        stmt = stmt.where(Step.retries == 0)
    if filters.get("process_instance_id"):
        stmt = stmt.where(Step.dossier_id == _int(filters["process_instance_id"]))
    if filters.get("business_key"):
        stmt = stmt.where(Dossier.code == filters["business_key"])
    return stmt


def _int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        return -1
    return value if 0 < value < 2**63 else -1


def task_out(step: Step, *, now: datetime, tz) -> dict[str, Any]:
    """The task in Camunda's shape: the dossier is the process instance, its code the business key."""
    dossier = step.dossier
    held = step.worker_id is not None and step.lock_expires_at is not None and step.lock_expires_at > now
    return {"id": str(step.id), "topic_name": step.topic, "worker_id": step.worker_id if held else None,
            "lock_expiration_time": step.lock_expires_at.astimezone(tz).isoformat(timespec="milliseconds")
            if held else None, "retries": step.retries, "error_message": step.error_message,
            "error_details": step.error_details, "priority": step.priority, "activity_id": step.spec_id,
            "activity_instance_id": step.task_id, "execution_id": step.task_id,
            "process_instance_id": str(dossier.id),
            "process_definition_id": f"{dossier.procedure_key}:{dossier.version.version}",
            "process_definition_key": dossier.procedure_key, "process_definition_version_tag": None,
            "business_key": dossier.code, "tenant_id": None, "suspended": dossier.status == DossierStatus.PAUSED}
