"""Which process a call activity calls, as each modeler writes it (pure, on the lxml element).

Camunda 7, bpmn.io and SpiffArena write the standard ``calledElement`` attribute; Camunda 8 (Zeebe) writes
``<zeebe:calledElement processId="…"/>`` in the extension elements (a FEEL ``= expression`` there, a process
chosen at run time, is not a process id and is left unread: validation then names the call activity).
"""
from __future__ import annotations

from typing import Any

ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"


def called_element(node: Any) -> str | None:
    """The id of the process ``node`` (a callActivity) calls, or None when it names none."""
    value = (node.get("calledElement") or "").strip()
    if value:
        return value
    for called in node.iter(f"{{{ZEEBE_NS}}}calledElement"):
        process_id = (called.get("processId") or "").strip()
        if process_id and not process_id.startswith("="):
            return process_id
    return None


def set_called_elements(root: Any, bpmn_ns: str) -> None:
    """Write Camunda 8's called process into ``calledElement``, in place, so the engine's parser reads it."""
    for node in root.iter(f"{{{bpmn_ns}}}callActivity"):
        if not (node.get("calledElement") or "").strip():
            found = called_element(node)
            if found:
                node.set("calledElement", found)
