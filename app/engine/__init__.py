"""The workflow engine of Motcua Flow: the only package in ``app/`` that imports SpiffWorkflow.

Rules of this package:

1. **Only importer of SpiffWorkflow.** The rest of the service sees :class:`CompiledProcess`,
   :class:`Workflow` (an opaque handle), :class:`StepView`, :class:`TimerView`, JSON text and the
   :class:`EngineError` family. No SpiffWorkflow type or exception crosses this boundary.
2. **No designer text ever runs as Python.** Gateway conditions, timer expressions and multi-instance
   expressions go through :mod:`app.engine.evaluator` (an AST whitelist walker, no ``eval``/``exec``/
   ``compile``); script, service and business-rule tasks are refused at compile with the element named,
   and the script engine refuses to execute anything as a backstop.
3. **Time is an argument.** Every call that can move a workflow takes ``now``; timers never read the
   machine clock. Timer durations in BPMN timer events are wall-clock time.
4. **Saved state is versioned.** :func:`dumps` writes ``{"format": "motcua-flow/spiff",
   "serializer_version": …, "state": …}``; :func:`loads` upgrades older states through
   :func:`migrate_state` and refuses states from a newer engine.

Publishing receives one dossier in memory first (:func:`dry_run`), so a version that is published is
one a clerk can receive dossiers on.

What is executable is listed once, in :mod:`app.engine.support`, shared with the validator.
"""
from __future__ import annotations

from .dry_run import Reception, ReceptionError, dry_run
from .errors import (
    CompileError,
    ConditionError,
    EngineError,
    StateError,
    TaskNotReady,
    TimerError,
    UnknownTask,
)
from .evaluator import EvaluationError, UnknownName, check_syntax, evaluate
from .parser import CompiledProcess, compile_process, read_properties
from .runner import (
    StepView,
    TimerView,
    Workflow,
    cancel,
    catches_error,
    complete_step,
    data,
    dumps,
    fire_due_timers,
    is_completed,
    loads,
    ready_steps,
    start,
    step_data,
    throw_error,
    waiting_timers,
)
from .serializer import FORMAT, migrate_state
from .serializer import VERSION as SERIALIZER_VERSION

__all__ = [
    "FORMAT",
    "SERIALIZER_VERSION",
    "CompileError",
    "CompiledProcess",
    "ConditionError",
    "EngineError",
    "EvaluationError",
    "Reception",
    "ReceptionError",
    "StateError",
    "StepView",
    "TaskNotReady",
    "TimerError",
    "TimerView",
    "UnknownName",
    "UnknownTask",
    "Workflow",
    "cancel",
    "catches_error",
    "check_syntax",
    "compile_process",
    "complete_step",
    "data",
    "dry_run",
    "dumps",
    "evaluate",
    "fire_due_timers",
    "is_completed",
    "loads",
    "migrate_state",
    "read_properties",
    "ready_steps",
    "start",
    "step_data",
    "throw_error",
    "waiting_timers",
]
