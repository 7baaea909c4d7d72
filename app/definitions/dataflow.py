"""What a procedure's conditions read, checked against the forms that set it (issue #15.2).

Why: a gateway condition reads names of the dossier data, and only a step's form (JSON Schema, checked
when the officer completes the step) puts typed values there. A condition that reads a name no earlier
form sets stops the first dossier that reaches it; one that compares a text field with ``False`` routes
every dossier the same way. Both are found here, before a dossier runs, at upload and whenever the
version's forms change.

Two pure halves, no database:

1. :func:`outline_uses` walks the chosen process once (lxml): each condition with the steps that can run
   before it (every step from which the condition's source is reachable, boundary events counting what
   runs before the activity they are attached to, subprocess contents as part of the subprocess), and
   the start event's form. The result is stored with the version, so a forms change needs no re-parse.
2. :func:`data_flow_issues` turns that outline, the steps and the version's forms into issues: a step or
   start event naming a form the version lacks (``form_missing``), a name no earlier form sets
   (``data_unset``; a warning ``data_may_be_unset`` when an earlier form has it but does not require it
   and gives no default), a comparison with a literal of another type (``data_type_mismatch``) or a text
   value outside the field's choices (``data_value_unknown``). A system step before the condition sets what it
   declares (property ``outputs``, Camunda output parameters); one that declares nothing may set any name
   (a warning ``data_from_worker`` instead of ``data_unset``).

Timers are not read here: upload accepts only ISO 8601 literals for them, which read no data.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from lxml import etree

from app.definitions.forms import form_of_step
from app.definitions.intake import Issue
from app.definitions.rules import (
    CONTAINER_TAGS,
    FLOW_NODE_TAGS,
    _ref_text,
    extension_property,
    is_bpmn,
    is_true,
    local_name,
    q,
)
from app.engine.evaluator import EvaluationError, reads
from app.engine.external import CAMUNDA_NS, binding_of
from app.engine.support import EXTERNAL_ELEMENTS, STEP_ELEMENTS

__all__ = ["ISSUE_CODES", "RECEPTION_NAMES", "ConditionUse", "data_flow_issues", "outline_uses"]

#: The codes this module issues (recomputed, not accumulated, when a version's forms change).
ISSUE_CODES = frozenset({"form_missing", "data_unset", "data_may_be_unset", "data_type_mismatch",
                         "data_value_unknown", "data_from_worker"})

#: What every reception puts in the dossier data, whatever the forms (app.dossiers.service).
RECEPTION_NAMES = frozenset({"applicant", "dossier_code"})
_LITERAL_NAMES = {"true": "True", "false": "False", "null": "None"}
#: JSON Schema types a literal of each kind can equal.
_COMPATIBLE = {"boolean": {"boolean"}, "number": {"number", "integer"}, "string": {"string"}, "null": {"null"}}


@dataclass(frozen=True)
class ConditionUse:
    """A sequence flow's condition and the ids of the steps that can have run when it is evaluated."""

    element_id: str
    line: int | None
    text: str
    before: tuple[str, ...]
    #: Names the system steps before it declare they set (property ``outputs``, Camunda output parameters).
    worker_sets: tuple[str, ...] = ()
    #: Topics of system steps before it that declare nothing: any name may come from them.
    open_workers: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "before": list(self.before), "worker_sets": list(self.worker_sets),
                "open_workers": list(self.open_workers)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConditionUse:
        return cls(data["element_id"], data.get("line"), data["text"], tuple(data.get("before", ())),
                   tuple(data.get("worker_sets", ())), tuple(data.get("open_workers", ())))


def worker_outputs(node: etree._Element) -> list[str] | None:
    """What a system step says it sets: its property ``outputs`` (``a, b``) and Camunda 7 output parameters;
    None when it declares nothing (then any name may come from its worker)."""
    names: list[str] = []
    declared, _ = extension_property(node, "outputs")
    if declared is not None:
        names += [n for n in re.split(r"[\s,;]+", declared) if n]
    names += [p.get("name") for p in node.iter(f"{{{CAMUNDA_NS}}}outputParameter") if p.get("name")]
    return names if names or declared is not None else None


def _chosen(root: etree._Element, process_id: str | None) -> etree._Element | None:
    for process in root.iterchildren(q("process")):
        if process.get("id") == process_id:
            return process
    return None


def outline_uses(root: etree._Element, process_id: str | None) -> tuple[list[ConditionUse], str | None]:
    """The conditions of the executable process ``process_id`` with what runs before them, and its start
    form. A process that is not executable documents, so nothing is outlined for it."""
    process = _chosen(root, process_id)
    if process is None or not is_true(process.get("isExecutable")):
        return [], None
    nodes: dict[str, etree._Element] = {}
    preds: dict[str, set[str]] = {}
    attached_to: dict[str, str] = {}
    flows: list[etree._Element] = []

    def collect(container: etree._Element) -> None:
        for child in container:
            if not is_bpmn(child):
                continue
            tag = local_name(child)
            if tag == "sequenceFlow":
                flows.append(child)
            elif tag in FLOW_NODE_TAGS and child.get("id"):
                node_id = child.get("id")
                nodes[node_id] = child
                preds.setdefault(node_id, set())
                if tag == "boundaryEvent" and _ref_text(child.get("attachedToRef")):
                    attached_to[node_id] = _ref_text(child.get("attachedToRef"))
                if tag in CONTAINER_TAGS:
                    for inner in child:
                        if is_bpmn(inner) and inner.get("id"):
                            inner_tag = local_name(inner)
                            if inner_tag == "startEvent":   # entering the subprocess starts its contents
                                preds.setdefault(inner.get("id"), set()).add(node_id)
                            elif inner_tag == "endEvent":   # what ran inside ran before what follows it
                                preds.setdefault(node_id, set()).add(inner.get("id"))
                    collect(child)

    collect(process)
    for flow in flows:
        source, target = _ref_text(flow.get("sourceRef")), _ref_text(flow.get("targetRef"))
        if source in nodes and target in nodes:
            preds.setdefault(target, set()).add(source)

    def parents(node_id: str) -> set[str]:
        # a boundary event fires while its activity runs: what ran before the activity ran before it
        return preds.get(attached_to.get(node_id, node_id), set())

    def steps_before(source: str) -> tuple[str, ...]:
        seen: set[str] = set()
        stack = [source]
        while stack:
            for parent in parents(stack.pop()):
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        if source not in attached_to:
            seen.add(source)  # a flow out of a step leaves it completed
        return tuple(sorted(n for n in seen if n in nodes))

    def of_kind(found: tuple[str, ...], kinds: frozenset[str]) -> list[str]:
        return [n for n in found if local_name(nodes[n]) in kinds]

    uses = []
    for flow in flows:
        condition = flow.find(q("conditionExpression"))
        text = "".join(condition.itertext()).strip() if condition is not None else ""
        source = _ref_text(flow.get("sourceRef"))
        if text and source in nodes:
            found = steps_before(source)
            sets, open_ = [], []
            for worker in of_kind(found, EXTERNAL_ELEMENTS):
                outputs = worker_outputs(nodes[worker])
                if outputs is None:
                    binding = binding_of(nodes[worker])
                    open_.append(binding.topic if binding else worker)
                else:
                    sets += outputs
            uses.append(ConditionUse(flow.get("id") or "", condition.sourceline, text,
                                     tuple(of_kind(found, STEP_ELEMENTS)), tuple(sorted(set(sets))),
                                     tuple(sorted(set(open_)))))
    start_form = None
    for event in process.iterchildren(q("startEvent")):
        value, _ = extension_property(event, "form")
        if value and value.strip():
            start_form = value.strip()
            break
    return uses, start_form


def _properties(schema: Any) -> dict[str, Any]:
    props = schema.get("properties") if isinstance(schema, dict) else None
    return props if isinstance(props, dict) else {}


def _required(schema: Any) -> set[str]:
    value = schema.get("required") if isinstance(schema, dict) else None
    return {v for v in value if isinstance(v, str)} if isinstance(value, list) else set()


def _types(prop: Any) -> set[str]:
    value = prop.get("type") if isinstance(prop, dict) else None
    if isinstance(value, str):
        return {value}
    return {v for v in value if isinstance(v, str)} if isinstance(value, list) else set()


def _issue(code: str, severity: str, vi: str, en: str, element_id: str | None, line: int | None) -> Issue:
    return Issue(code, severity, vi, en, element_id=element_id, line=line)


def data_flow_issues(*, steps: Iterable[Mapping[str, Any]], uses: Iterable[ConditionUse], start_form: str | None,
                forms: Mapping[str, Any], strict: bool) -> list[Issue]:
    """Issues of the version's data flow (see the module docstring); errors only for executable processes."""
    sev = "error" if strict else "warning"
    issues: list[Issue] = []
    step_form = {}
    for step in steps:
        name = form_of_step(step.get("form"), step["id"], forms)
        if not name:
            continue
        step_form[step["id"]] = name
        if name not in forms:
            issues.append(_issue(
                "form_missing", sev,
                f"Bước '{step.get('name') or step['id']}' dùng biểu mẫu '{name}' nhưng phiên bản không có biểu mẫu "
                f"này; tải biểu mẫu lên cùng sơ đồ hoặc qua …/forms/{name}.",
                f"Step '{step.get('name') or step['id']}' uses form '{name}', which this version does not have; "
                f"upload it with the diagram or to …/forms/{name}.", step["id"], step.get("line")))
    if start_form and start_form not in forms:
        issues.append(_issue("form_missing", sev,
                             f"Sự kiện bắt đầu dùng biểu mẫu '{start_form}' nhưng phiên bản không có biểu mẫu này.",
                             f"The start event uses form '{start_form}', which this version does not have.",
                             None, None))
    start_schema = forms.get(start_form) if start_form else None
    for use in uses:
        try:
            found = reads(use.text)
        except EvaluationError:
            continue  # condition_invalid already names it
        schemas = [forms[step_form[s]] for s in use.before if s in step_form and step_form[s] in forms]
        if start_schema is not None:
            schemas.append(start_schema)
        declared: dict[str, list[tuple[Any, bool]]] = {}
        for schema in schemas:
            required = _required(schema)
            for prop_name, prop in _properties(schema).items():
                declared.setdefault(prop_name, []).append((prop, prop_name in required or
                                                           (isinstance(prop, dict) and "default" in prop)))
        where_vi, where_en = f"Điều kiện của luồng '{use.element_id}'", f"The condition of sequence flow '{use.element_id}'"
        for name in sorted(found.names - RECEPTION_NAMES - set(use.worker_sets)):
            if name in _LITERAL_NAMES:
                issues.append(_issue(
                    "data_unset", sev,
                    f"{where_vi} đọc tên '{name}', không phải giá trị: viết {_LITERAL_NAMES[name]} "
                    f"(hoặc cả điều kiện dạng ${{...}}).",
                    f"{where_en} reads a name '{name}', not a value: write {_LITERAL_NAMES[name]} "
                    f"(or the whole condition as ${{...}}).", use.element_id, use.line))
            elif name not in declared and use.open_workers:
                topics = ", ".join(use.open_workers)
                issues.append(_issue(
                    "data_from_worker", "warning",
                    f"{where_vi} đọc '{name}', giá trị mà tiến trình xử lý ngoài (chủ đề {topics}) được cho là đặt; "
                    f"khai báo thuộc tính 'outputs' của tác vụ hệ thống để được kiểm tra.",
                    f"{where_en} reads '{name}', which the worker of {topics} is expected to set; declare the system "
                    f"task's property 'outputs' to have it checked.", use.element_id, use.line))
            elif name not in declared:
                issues.append(_issue(
                    "data_unset", sev,
                    f"{where_vi} đọc '{name}' nhưng không biểu mẫu nào của các bước trước đó (hoặc của sự kiện "
                    f"bắt đầu) khai báo trường này.",
                    f"{where_en} reads '{name}', which no form of a step before it (nor the start form) "
                    f"declares.", use.element_id, use.line))
            elif not any(always for _, always in declared[name]):
                issues.append(_issue(
                    "data_may_be_unset", "warning",
                    f"{where_vi} đọc '{name}', trường không bắt buộc và không có giá trị mặc định ở biểu mẫu "
                    f"trước đó: hồ sơ thiếu trường này sẽ dừng ở cổng.",
                    f"{where_en} reads '{name}', which the forms before it neither require nor default: a "
                    f"dossier without it stops at the gateway.", use.element_id, use.line))
        for name, kind, value in found.compared:
            props = [prop for prop, _ in declared.get(name, [])]
            types = set().union(*(_types(p) for p in props)) if props else set()
            if types and not types & _COMPATIBLE[kind]:
                issues.append(_issue(
                    "data_type_mismatch", sev,
                    f"{where_vi} so sánh '{name}' (kiểu {'/'.join(sorted(types))}) với {value!r} (kiểu {kind}): "
                    f"khác kiểu, phép so sánh không bao giờ đúng hoặc lỗi tại cổng.",
                    f"{where_en} compares '{name}' ({'/'.join(sorted(types))}) with {value!r} ({kind}): of "
                    f"different types, the comparison never holds or fails at the gateway.",
                    use.element_id, use.line))
            choices = [p["enum"] for p in props if isinstance(p, dict) and isinstance(p.get("enum"), list)]
            if kind == "string" and choices and not any(value in c for c in choices):
                issues.append(_issue(
                    "data_value_unknown", "warning",
                    f"{where_vi} so sánh '{name}' với {value!r}, không phải một lựa chọn của trường "
                    f"({', '.join(map(repr, choices[0]))}).",
                    f"{where_en} compares '{name}' with {value!r}, which is not one of the field's choices "
                    f"({', '.join(map(repr, choices[0]))}).", use.element_id, use.line))
    return issues
