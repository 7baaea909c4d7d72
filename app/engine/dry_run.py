"""Receive a dossier in memory: the check behind "publishable means a clerk can receive a dossier".

Rules of this module:

1. **Exactly what reception does, nothing kept.** The compiled process goes through its JSON cache form
   (as a published version is read back), the workflow is started with ``now`` and the data the start
   form allows, run to its first waiting steps, its views listed, saved and reloaded once. No database,
   no clock, no state survives the call.
2. **The data its start form allows.** The start event's ``form`` property names a JSON Schema among the
   version's forms; the dossier data is the schema's defaults and examples, and for each required field
   the simplest value of its type (:func:`sample_data`). No form: the empty object a clerk may send.
3. **Every failure names the element.** Whatever the engine raises becomes a :class:`ReceptionError`
   with the designer's element id and, given the documents, its line.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import EngineError
from .parser import CompiledProcess, _read_document, designer_id
from .runner import dumps, is_completed, loads, ready_steps, start, waiting_timers

__all__ = ["Reception", "ReceptionError", "dry_run", "sample_data", "start_form"]

#: Nesting followed when building sample data (a recursive or hostile schema stops there).
MAX_SCHEMA_DEPTH = 16


@dataclass
class Reception:
    """What receiving a dossier would do: the steps and timers it waits on, by the designer's ids."""

    steps: list[str]
    timers: list[str]
    completed: bool
    data: dict[str, Any] = field(repr=False, default_factory=dict)
    seconds: float = 0.0


class ReceptionError(EngineError):
    """Receiving a dossier would fail; ``element_id`` and ``line`` say where, when known."""

    def __init__(self, element_id: str | None, message: str, line: int | None = None) -> None:
        super().__init__(f"{element_id}: {message}" if element_id else message)
        self.element_id = element_id
        self.message = message
        self.line = line


def start_form(compiled: CompiledProcess) -> str | None:
    """The ``form`` property of the process's (first) start event that names one."""
    spec, _ = compiled.specs()
    for event in spec.bpmn_start_events:
        form = ((getattr(event, "extensions", None) or {}).get("properties") or {}).get("form")
        if form:
            return form
    return None


def sample_data(schema: Any, _depth: int = 0) -> Any:
    """The simplest instance a JSON Schema allows: defaults and examples, required fields by type."""
    if not isinstance(schema, dict) or _depth > MAX_SCHEMA_DEPTH:
        return None
    for key in ("const", "default"):
        if key in schema:
            return schema[key]
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return schema["examples"][0]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else None
    if kind == "object":
        props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        required = [name for name in schema.get("required") or [] if isinstance(name, str)]
        out = {}
        for name, sub in props.items():
            explicit = isinstance(sub, dict) and any(k in sub for k in ("const", "default", "examples"))
            if name in required or explicit:
                out[name] = sample_data(sub, _depth + 1)
        for name in required:
            out.setdefault(name, None)
        return out
    if kind == "array":
        count = schema.get("minItems") if isinstance(schema.get("minItems"), int) else 0
        return [sample_data(schema.get("items"), _depth + 1) for _ in range(min(count, 10))]
    if kind == "string":
        length = schema.get("minLength") if isinstance(schema.get("minLength"), int) else 0
        return "x" * min(length, 1000)
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        return low if isinstance(low, (int, float)) and not isinstance(low, bool) else 0
    if kind == "boolean":
        return False
    return None


def element_line(documents: dict[str, bytes] | None, element_id: str | None) -> int | None:
    """The line of ``element_id`` in the designer's documents (None when not found)."""
    if not documents or not element_id:
        return None
    for name, content in documents.items():
        try:
            root = _read_document(name, content)
        except EngineError:
            continue
        found = root.xpath("//*[@id=$id]", id=element_id)
        if found:
            return found[0].sourceline
    return None


def dry_run(compiled: CompiledProcess, *, now: datetime, data: dict[str, Any] | None = None,
            forms: dict[str, Any] | None = None, documents: dict[str, bytes] | None = None) -> Reception:
    """Receive one dossier in memory on ``compiled``; raise :class:`ReceptionError` where reception would fail.

    ``data`` is what reception adds to every dossier (the applicant, the code); ``forms`` the version's
    JSON Schemas, for the start form; ``documents`` the BPMN, for the line of a failing element.
    """
    began = time.perf_counter()
    form = None
    try:
        restored = CompiledProcess.from_json(compiled.to_json())
        form = start_form(restored)
        payload = sample_data((forms or {}).get(form)) if form else {}
        payload = {**(payload if isinstance(payload, dict) else {}), **(data or {})}
        wf = start(restored, payload, now=now)
        reloaded = loads(dumps(wf), restored)
        steps = [view.spec_id for view in ready_steps(reloaded)]
        timers = [view.spec_id for view in waiting_timers(reloaded)]
        completed = is_completed(reloaded)
        if [view.spec_id for view in ready_steps(wf)] != steps:
            raise ReceptionError(None, "the saved state does not reload to the same steps")
    except ReceptionError:
        raise
    except EngineError as exc:
        element_id = designer_id(getattr(exc, "spec_id", None) or getattr(exc, "element_id", None))
        message = getattr(exc, "message", None) or str(exc)
        raise ReceptionError(element_id, message, element_line(documents, element_id)) from None
    except Exception as exc:  # anything else would answer 500 to the clerk: say what it was
        raise ReceptionError(None, f"{type(exc).__name__}: {str(exc)[:300]}") from None
    if not steps and not timers and not completed:
        raise ReceptionError(None, "after reception the dossier waits for no step and no timer, "
                                   "and the process has not ended")
    return Reception(steps=steps, timers=timers, completed=completed, data=payload,
                     seconds=time.perf_counter() - began)
