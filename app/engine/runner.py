"""Run a dossier's workflow: start, list steps, complete steps, fire timers, save and reload.

Why a handle: the service holds a :class:`Workflow` and plain views (:class:`StepView`,
:class:`TimerView`), never SpiffWorkflow objects. Every call that can move the workflow takes ``now`` and
sets it as the engine clock for the call. A failing expression (a gateway condition reading a missing
variable …) raises :class:`ConditionError` and leaves the workflow exactly as it was before the call, so
the dossier can be fixed and the step completed again.
"""
from __future__ import annotations

import copy
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from .errors import ConditionError, EngineError, TaskNotReady, UnknownTask
from .parser import CompiledProcess, designer_id, designer_text
from .script_engine import SCRIPT_ENGINE
from .serializer import state_from_text, state_to_text
from .timers import CLOCK, as_utc, due_at_of

T = TypeVar("T")


@dataclass
class StepView:
    """A step waiting: for an officer (userTask/manualTask), or for a worker (an external task: ``topic``)."""

    task_id: str
    spec_id: str
    name: str
    lane: str | None
    lane_id: str | None
    properties: dict[str, str]
    process_id: str
    data: dict[str, Any] = field(repr=False)
    topic: str | None = None


@dataclass
class TimerView:
    """A timer the dossier is waiting on; the scheduler fires it with :func:`fire_due_timers`."""

    task_id: str
    spec_id: str
    due_at: datetime
    kind: str  # "boundary" | "intermediate" | "start"
    interrupting: bool
    attached_to: str | None


class Workflow:
    """Opaque handle on one dossier's running workflow."""

    __slots__ = ("_saved", "_wf", "compiled")

    def __init__(self, wf: BpmnWorkflow, compiled: CompiledProcess, saved: str | None = None) -> None:
        self._wf = wf
        self.compiled = compiled
        # Text of a state equal to the current one, if known: the free snapshot to roll back to.
        self._saved = saved

    def __repr__(self) -> str:
        return f"<Workflow {self.compiled.process_id} completed={self._wf.completed}>"


@contextmanager
def _clock(now: datetime) -> Iterator[None]:
    if not isinstance(now, datetime):
        raise EngineError("now must be a datetime")
    token = CLOCK.set(as_utc(now))
    try:
        yield
    finally:
        CLOCK.reset(token)


def _failing_spec(exc: BaseException) -> str | None:
    task = getattr(exc, "task", None)
    if task is not None:
        return getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name
    # A plain Python error inside SpiffWorkflow (a multi-instance over a missing list…) names no task:
    # the innermost engine frame running one does.
    for frame, _ in reversed(list(traceback.walk_tb(exc.__traceback__))):
        spec = getattr(frame.f_locals.get("my_task"), "task_spec", None)
        if getattr(spec, "bpmn_id", None):
            return spec.bpmn_id
    return None


def _root_message(exc: BaseException) -> str:
    seen = exc
    while seen.__cause__ is not None or getattr(seen, "exception", None) is not None:
        inner = getattr(seen, "exception", None) or seen.__cause__
        if inner is None or inner is seen:
            break
        seen = inner
    return str(getattr(seen, "error_msg", None) or seen)[:500]


def _condition_error(exc: BaseException) -> ConditionError:
    """Name the element whose expression failed, and the expression, for the dossier incident."""
    spec_id = designer_id(getattr(exc, "spec_id", None) or _failing_spec(exc))
    message = designer_text(_root_message(exc))
    expression = getattr(exc, "expression", None)
    if expression:
        message = f"{expression!r}: {message}"
    return ConditionError(spec_id, message)


def _mutate(handle: Workflow, now: datetime, action: Callable[[BpmnWorkflow], T]) -> T:
    """Run ``action`` under the clock; on an expression failure roll back and raise ConditionError."""
    snapshot = handle._saved if handle._saved is not None else state_to_text(handle._wf, handle.compiled.process_id)
    with _clock(now):
        try:
            result = action(handle._wf)
        except Exception as exc:
            handle._wf = state_from_text(snapshot, handle.compiled)
            handle._wf.script_engine = SCRIPT_ENGINE
            if isinstance(exc, (TaskNotReady, UnknownTask)):
                raise
            raise _condition_error(exc) from exc
    handle._saved = None
    return result


# ------------------------------------------------------------------------------------------------ API

def start(compiled: CompiledProcess, data: dict[str, Any], *, now: datetime) -> Workflow:
    """Create a dossier's workflow with ``data`` and run it to its first waiting steps."""
    spec, subprocess_specs = compiled.specs()
    with _clock(now):
        try:
            # building the workflow readies its start task already: it may fail as any later engine step
            wf = BpmnWorkflow(spec, subprocess_specs, script_engine=SCRIPT_ENGINE)
            for task in wf.get_tasks(state=TaskState.READY):
                task.data.update(copy.deepcopy(data))
            wf.do_engine_steps()
        except Exception as exc:
            raise _condition_error(exc) from exc
    return Workflow(wf, compiled)


def _step_view(task: Any) -> StepView:
    spec = task.task_spec
    ext = getattr(spec, "extensions", None) or {}
    return StepView(
        task_id=str(task.id), spec_id=spec.bpmn_id or spec.name, name=spec.bpmn_name or spec.bpmn_id or "",
        lane=spec.lane, lane_id=ext.get("lane_id"), properties=dict(ext.get("properties") or {}),
        process_id=designer_id(task.workflow.spec.name), data=copy.deepcopy(task.data),
        topic=(ext.get("external") or {}).get("topic"),
    )


def ready_steps(wf: Workflow) -> list[StepView]:
    """READY user and manual tasks, in the workflow's order."""
    return [_step_view(t) for t in wf._wf.get_tasks(state=TaskState.READY, manual=True)]


def _find(wf: Workflow, task_id: str) -> Any:
    try:
        uid = UUID(str(task_id))
    except ValueError:
        raise UnknownTask(f"no step {task_id!r}") from None
    try:
        task = wf._wf.get_task_from_id(uid)
    except (TaskNotFoundException, KeyError):
        task = None
    if task is None:
        raise UnknownTask(f"no step {task_id!r}")
    return task


def complete_step(wf: Workflow, task_id: str, data: dict[str, Any], *, now: datetime) -> None:
    """Merge ``data`` into the step, complete it and run the engine until it waits again."""
    task = _find(wf, task_id)
    if task.state != TaskState.READY or not task.task_spec.manual:
        raise TaskNotReady(f"step {task_id} ({task.task_spec.bpmn_id}) is {TaskState.get_name(task.state)}, "
                           "not waiting for an officer")
    payload = copy.deepcopy(data)

    def action(bwf: BpmnWorkflow) -> None:
        live = bwf.get_task_from_id(UUID(str(task_id)))
        live.data.update(payload)
        live.run()
        bwf.do_engine_steps()

    _mutate(wf, now, action)


def step_data(wf: Workflow, task_id: str) -> dict[str, Any]:
    """The data a waiting step sees (a copy): an external task's variables."""
    return copy.deepcopy(_find(wf, task_id).data)


def _error_boundaries(task: Any, code: str) -> list[Any]:
    """The error boundary events attached to ``task`` that catch ``code`` (one without a code catches all)."""
    split = task.parent
    if split is None or not isinstance(split.task_spec, BoundaryEventSplit):
        return []
    event = BpmnEvent(ErrorEventDefinition(code, code=code))
    return [sibling for sibling in split.children
            if sibling is not task and isinstance(sibling.task_spec, BoundaryEvent)
            and isinstance(sibling.task_spec.event_definition, ErrorEventDefinition)
            and sibling.state == TaskState.WAITING and sibling.task_spec.event_definition.catches(sibling, event)]


def catches_error(wf: Workflow, task_id: str, code: str) -> bool:
    """Whether an error boundary event on the step catches ``code`` (else a BPMN error has nowhere to go)."""
    return bool(_error_boundaries(_find(wf, task_id), code))


def throw_error(wf: Workflow, task_id: str, code: str, data: dict[str, Any], *, now: datetime) -> None:
    """A worker's BPMN error on an external task: its error boundary event catches it and the flow goes on
    from there (an interrupting one ends the task). :class:`TaskNotReady` when no boundary catches ``code``."""
    task = _find(wf, task_id)
    if task.state != TaskState.READY or not task.task_spec.manual:
        raise TaskNotReady(f"step {task_id} ({task.task_spec.bpmn_id}) is {TaskState.get_name(task.state)}")
    if not _error_boundaries(task, code):
        raise TaskNotReady(f"no error boundary event on {task.task_spec.bpmn_id} catches {code!r}")
    payload = copy.deepcopy(data)

    def action(bwf: BpmnWorkflow) -> None:
        live = bwf.get_task_from_id(UUID(str(task_id)))
        event = BpmnEvent(ErrorEventDefinition(code, code=code), payload=payload)
        for boundary in _error_boundaries(live, code)[:1]:
            boundary.task_spec.catch(boundary, event)
            boundary.task_spec._update(boundary)
        bwf.do_engine_steps()

    _mutate(wf, now, action)


def _timer_tasks(bwf: BpmnWorkflow) -> list[Any]:
    return [t for t in bwf.event_manager.tasks.values()
            if isinstance(t.task_spec, CatchingEvent)
            and isinstance(t.task_spec.event_definition, TimerEventDefinition)
            and t.state == TaskState.WAITING]


def _timer_view(task: Any) -> TimerView | None:
    due = due_at_of(task)
    if due is None:
        return None
    spec = task.task_spec
    if isinstance(spec, BoundaryEvent):
        parent = task.parent
        attached = None
        if parent is not None and isinstance(parent.task_spec, BoundaryEventSplit) and parent.task_spec.outputs:
            attached = parent.task_spec.outputs[0].bpmn_id
        return TimerView(str(task.id), spec.bpmn_id, due, "boundary", bool(spec.cancel_activity), attached)
    kind = "start" if isinstance(spec, StartEvent) else "intermediate"
    return TimerView(str(task.id), spec.bpmn_id, due, kind, False, None)


def waiting_timers(wf: Workflow) -> list[TimerView]:
    """Timers the workflow waits on, earliest first."""
    views = [v for v in (_timer_view(t) for t in _timer_tasks(wf._wf)) if v is not None]
    return sorted(views, key=lambda v: (v.due_at, v.spec_id))


def fire_due_timers(wf: Workflow, *, now: datetime) -> list[str]:
    """Fire the timers due at ``now`` (``due_at <= now``), run on, and return the fired timer task ids."""
    due = [v.task_id for v in waiting_timers(wf) if v.due_at <= as_utc(now)]
    if not due:
        return []

    def action(bwf: BpmnWorkflow) -> None:
        bwf.refresh_timers()
        bwf.do_engine_steps()

    _mutate(wf, now, action)
    return due


def cancel(wf: Workflow) -> None:
    """Cancel the whole workflow (the dossier is withdrawn or rejected)."""
    wf._wf.cancel()
    wf._saved = None


def is_completed(wf: Workflow) -> bool:
    """True once the process reached its end (or was cancelled)."""
    return bool(wf._wf.completed)


def data(wf: Workflow) -> dict[str, Any]:
    """The dossier data as the workflow sees it now (a copy)."""
    bwf = wf._wf
    if bwf.completed or bwf.last_task is None:
        source = dict(bwf.data)
        if not source and bwf.last_task is not None:
            source = bwf.last_task.data
        return copy.deepcopy(source)
    return copy.deepcopy(bwf.last_task.data)


def dumps(wf: Workflow) -> str:
    """The workflow's state as a JSON envelope (see :mod:`app.engine.serializer`)."""
    text = state_to_text(wf._wf, wf.compiled.process_id)
    wf._saved = text
    return text


def loads(text: str, compiled: CompiledProcess) -> Workflow:
    """A workflow from :func:`dumps` output and the compiled process it runs."""
    bwf = state_from_text(text, compiled)
    bwf.script_engine = SCRIPT_ENGINE
    return Workflow(bwf, compiled, saved=text if isinstance(text, str) else None)
