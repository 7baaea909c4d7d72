"""Saved state of a dossier's workflow: a versioned JSON envelope around SpiffWorkflow's serialization.

Why an envelope: the state outlives the library version that wrote it. The envelope names its format and
SpiffWorkflow's serializer version, so :func:`migrate_state` can upgrade older states with SpiffWorkflow's
own migrations and refuse states from a newer engine instead of misreading them. The specs are not
repeated in every state: they live once in the :class:`CompiledProcess` the caller caches, and
:func:`loads` takes it back.
"""
from __future__ import annotations

import copy
import json
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.config import DEFAULT_CONFIG
from SpiffWorkflow.bpmn.serializer.default.event_definition import (
    TimerConditionalEventDefinitionConverter,
)
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.migration.version_migration import MIGRATIONS
from SpiffWorkflow.bpmn.serializer.workflow import VERSION, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from .errors import StateError
from .specs import ExternalTask, PassThroughTask
from .timers import MotcuaCycle, MotcuaDuration, MotcuaTimeDate

FORMAT = "motcua-flow/spiff"
__all__ = [
    "FORMAT",
    "SERIALIZER",
    "VERSION",
    "migrate_state",
    "restore_specs",
    "specs_to_dict",
    "state_from_text",
    "state_to_text",
]


class _SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Workflow converter that leaves the specs out (they come from the cached CompiledProcess)."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], spec: Any = None, subprocess_specs: Any = None) -> BpmnWorkflow:
        if spec is None:
            return super().from_dict(dct)
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _config() -> dict:
    config = dict(DEFAULT_CONFIG)
    config[BpmnWorkflow] = _SpeclessWorkflowConverter
    config[PassThroughTask] = BpmnTaskSpecConverter
    config[ExternalTask] = BpmnTaskSpecConverter
    for cls in (MotcuaTimeDate, MotcuaDuration, MotcuaCycle):
        config[cls] = TimerConditionalEventDefinitionConverter
    return config


#: One serializer for the process; its registry is read-only after construction, so threads can share it.
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config()))


def specs_to_dict(spec: Any, subprocess_specs: dict[str, Any]) -> tuple[dict, dict]:
    """JSON-ready dicts of a process spec and its called/embedded process specs."""
    registry = SERIALIZER.registry
    return registry.convert(spec), {name: registry.convert(s) for name, s in subprocess_specs.items()}


def restore_specs(spec: dict, subprocess_specs: dict) -> tuple[Any, dict[str, Any]]:
    """Spec objects from :func:`specs_to_dict` output (copied: restoring consumes keys)."""
    registry = SERIALIZER.registry
    return (registry.restore(copy.deepcopy(spec)),
            {name: registry.restore(copy.deepcopy(s)) for name, s in subprocess_specs.items()})


def state_to_text(workflow: BpmnWorkflow, process_id: str) -> str:
    """The JSON envelope of a workflow's state."""
    state = SERIALIZER.registry.convert(workflow)
    return json.dumps({"format": FORMAT, "serializer_version": VERSION, "process_id": process_id,
                       "state": state}, separators=(",", ":"), ensure_ascii=False)


def read_envelope(text: str | bytes) -> dict[str, Any]:
    """Parse and sanity-check an envelope (no migration)."""
    try:
        envelope = json.loads(text)
    except (ValueError, TypeError) as exc:
        raise StateError("saved state is not JSON") from exc
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT or not isinstance(
            envelope.get("state"), dict):
        raise StateError(f"saved state is not a {FORMAT!r} envelope")
    return envelope


def state_from_text(text: str | bytes, compiled: Any) -> BpmnWorkflow:
    """Restore a workflow from :func:`state_to_text` output with the specs of ``compiled``."""
    envelope = read_envelope(text)
    if envelope.get("process_id") not in (None, compiled.process_id):
        raise StateError(f"state belongs to process {envelope.get('process_id')!r}, "
                         f"not {compiled.process_id!r}")
    if envelope.get("serializer_version") != VERSION:
        envelope = migrate_state(envelope, compiled)
    spec, subprocess_specs = compiled.specs()
    if envelope["state"].get("typename") != "BpmnWorkflow":
        raise StateError("saved state is not a workflow")
    try:
        return SERIALIZER.registry.restore(envelope["state"], spec=spec, subprocess_specs=subprocess_specs)
    except StateError:
        raise
    except Exception as exc:
        raise StateError(f"saved state cannot be restored: {type(exc).__name__}: {exc}"[:300]) from exc


#: Version a state is at after ``MIGRATIONS[v]`` ran (1.0-1.2 chain internally up to 1.3).
_NEXT_VERSION = {"1.0": "1.3", "1.1": "1.3", "1.2": "1.3", "1.3": "1.4", "1.4": "1.5"}


def _version_key(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in str(version).split("."))
    except ValueError:
        raise StateError(f"unreadable serializer version {version!r}") from None


def migrate_state(envelope: dict[str, Any], compiled: Any = None) -> dict[str, Any]:
    """Upgrade an envelope written by an older SpiffWorkflow serializer to the current one.

    SpiffWorkflow's migrations read the specs next to the task states, so ``compiled`` (the process the
    state belongs to) supplies them when the state does not carry its own; they are dropped again after.
    A state from a newer serializer than this engine's is refused rather than guessed at.
    """
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise StateError(f"not a {FORMAT!r} envelope")
    version = envelope.get("serializer_version")
    if version == VERSION:
        return envelope
    if version is None or _version_key(version) > _version_key(VERSION):
        raise StateError(f"state written by serializer version {version!r}; this engine reads up to {VERSION}. "
                         "Upgrade the engine before loading it.")
    if version not in _NEXT_VERSION:
        raise StateError(f"no migration from serializer version {version!r} to {VERSION}")
    state = copy.deepcopy(envelope["state"])
    injected = "spec" not in state
    if injected:
        if compiled is None:
            raise StateError("migrating this state needs the compiled process it belongs to")
        state["spec"] = copy.deepcopy(compiled.spec)
        state["subprocess_specs"] = copy.deepcopy(compiled.subprocess_specs)
        for sp in state.get("subprocesses", {}).values():
            if isinstance(sp.get("spec"), str):
                sp["spec"] = state["subprocess_specs"].get(sp["spec"], {"task_specs": {}})
                sp["_spec_injected"] = True
    step = version
    try:
        # SpiffWorkflow's migrations each move one or more versions on but do not chain to the latest.
        while step != VERSION:
            MIGRATIONS[step](state)
            step = _NEXT_VERSION[step]
    except Exception as exc:
        raise StateError(f"migration from serializer version {step} failed: {exc}") from exc
    state.pop("VERSION", None)
    if injected:
        spec_name = state.pop("spec").get("name")
        state.pop("subprocess_specs", None)
        del spec_name
        for sp in state.get("subprocesses", {}).values():
            if sp.pop("_spec_injected", False):
                sp["spec"] = sp["spec"].get("name")
    return {**envelope, "serializer_version": VERSION, "state": state}
