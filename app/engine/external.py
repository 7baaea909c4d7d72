"""Which topic a service or send task is worked on: what existing diagrams carry, read as their engines mean it.

Why topics and not code: no designer text runs as Python here, so a ``serviceTask`` (or ``sendTask``) is an
*external task*: the engine waits on it, a worker outside the service fetches it by its topic over the
Camunda-7-compatible API (``app/external_tasks``), does the work and completes it. Pure functions on the
lxml element, shared by validation (which reports the warnings with their line) and the parser (which puts
the topic on the task spec).

Read, in this order:

- Camunda 7 ``camunda:type="external" camunda:topic="…"`` (the topic as written);
- Camunda 8 ``<zeebe:taskDefinition type="…"/>`` (the type is the topic);
- our own ``<camunda:property name="topic" value="…"/>``;
- a SpiffArena connector ``<spiffworkflow:serviceTaskOperator id="…">`` (its id; its parameters, Python
  expressions, are never evaluated: with a warning);
- Camunda 7 Java delegation — ``camunda:class``, ``camunda:delegateExpression``, ``camunda:expression`` and
  ``<camunda:connector><camunda:connectorId>`` — becomes a topic named after the delegate (``com.acme.Mailer``,
  ``${mailer}`` → ``mailer``, ``${mailer.send(execution)}`` → ``mailer.send``), with a warning: no Java runs
  here, a worker must serve that topic.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
MAX_TOPIC = 255
_TOPIC = re.compile(r"[^\s]{1,255}")
_EXPRESSION = re.compile(r"^[#$]\{\s*([A-Za-z_][\w.]*)\s*(?:\(.*\))?\s*\}$", re.DOTALL)


@dataclass(frozen=True)
class Binding:
    """An external task's topic, where it was read from, and what the designer should know (or None)."""

    topic: str
    source: str
    note: str | None = None
    note_en: str | None = None


def _camunda(node: Any, name: str) -> str | None:
    value = node.get(f"{{{CAMUNDA_NS}}}{name}")
    return value.strip() if value and value.strip() else None


def _own_property(node: Any) -> str | None:
    """The property ``topic`` in whichever modeler's form it is written (camunda, zeebe, spiffworkflow)."""
    for namespace in (CAMUNDA_NS, ZEEBE_NS, SPIFF_NS):
        for prop in node.iter(f"{{{namespace}}}property"):
            if prop.get("name") == "topic" and (prop.get("value") or "").strip():
                return prop.get("value").strip()
    return None


def _delegate_topic(text: str) -> str:
    """``${mailer.send(execution)}`` → ``mailer.send``; a text that is no simple expression stays as written."""
    found = _EXPRESSION.match(text.strip())
    return found.group(1) if found else text.strip()


def _java(kind: str, topic: str) -> Binding:
    return Binding(topic=topic, source=f"camunda:{kind}",
                   note=f"Không chạy mã Java ({kind}): tác vụ trở thành tác vụ ngoài (external task) với chủ đề "
                        f"'{topic}'; cần một tiến trình xử lý (worker) nhận chủ đề này.",
                   note_en=f"No Java runs here ({kind}): the task becomes an external task on topic '{topic}'; a "
                           f"worker must serve that topic.")


def binding_of(node: Any) -> Binding | None:
    """The topic of a service/send task element, or None when it names none (validation refuses it)."""
    if _camunda(node, "type") == "external" and _camunda(node, "topic"):
        return Binding(topic=_camunda(node, "topic"), source="camunda:topic")
    for definition in node.iter(f"{{{ZEEBE_NS}}}taskDefinition"):
        if (definition.get("type") or "").strip():
            return Binding(topic=definition.get("type").strip(), source="zeebe:taskDefinition")
    own = _own_property(node)
    if own:
        return Binding(topic=own, source="property")
    for operator in node.iter(f"{{{SPIFF_NS}}}serviceTaskOperator"):
        if (operator.get("id") or "").strip():
            topic = operator.get("id").strip()
            return Binding(topic=topic, source="spiffworkflow:serviceTaskOperator",
                           note=f"Connector SpiffArena '{topic}' trở thành tác vụ ngoài cùng chủ đề; các tham số "
                                "(biểu thức Python) không được tính: tiến trình xử lý tự lấy dữ liệu hồ sơ.",
                           note_en=f"The SpiffArena connector '{topic}' becomes an external task on that topic; its "
                                   "parameters (Python expressions) are not evaluated: the worker reads the variables.")
    if _camunda(node, "class"):
        return _java("class", _camunda(node, "class"))
    if _camunda(node, "delegateExpression"):
        return _java("delegateExpression", _delegate_topic(_camunda(node, "delegateExpression")))
    if _camunda(node, "expression"):
        return _java("expression", _delegate_topic(_camunda(node, "expression")))
    for connector in node.iter(f"{{{CAMUNDA_NS}}}connectorId"):
        if (connector.text or "").strip():
            return _java("connector", connector.text.strip())
    return None


def topic_valid(topic: str) -> bool:
    return bool(_TOPIC.fullmatch(topic))
