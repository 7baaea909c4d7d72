"""Semantic rules for a parsed BPMN document, from the conventions page (bpmn-conventions.md).

Why these rules and not SpiffWorkflow's parser: validation must name the element and line in Vietnamese
for the designer, must accept documentation-only diagrams that the engine would never run, and must
never execute anything. The supported-element lists and the working-duration parser are shared with the
engine (``app.engine.support``, ``app.calendar.durations``) so that validation and execution agree.

Strictness: a process with ``isExecutable="true"`` is checked strictly (unsupported elements, empty timers,
missing start/end, unreachable nodes, steps without lanes are errors). Any other process is documentation:
the same findings are warnings. Defects that make the document itself inconsistent (duplicate ids,
references to unknown ids, flows without ends, boundary events attached to nothing, time limits that do
not parse) are errors in every process.
"""
from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lxml import etree

from app.calendar.durations import DurationError, parse_working_duration, working_days
from app.definitions.intake import Issue
from app.engine.calls import called_element
from app.engine.errors import TimerError
from app.engine.external import binding_of, topic_valid
from app.engine.support import (
    BPMN_NS,
    EXTERNAL_ELEMENTS,
    STEP_ELEMENTS,
    SUPPORTED_EVENT_DEFINITIONS,
    SUPPORTED_FLOW_ELEMENTS,
    UNSUPPORTED_REASONS,
)
from app.engine.timers import MAX_TIMER_CYCLES, MAX_TIMER_DURATION, TIMER_DATES, check_timer_text

BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
#: The three modelers' property forms (see bpmn-conventions.md), tried in this order.
PROPERTY_NAMESPACES: tuple[str, ...] = (
    "http://camunda.org/schema/1.0/bpmn",
    "http://camunda.org/schema/zeebe/1.0",
    "http://spiffworkflow.org/bpmn/schema/1.0/core",
)
_ID_NAMESPACES = frozenset({BPMN_NS, BPMNDI_NS, DC_NS, DI_NS})

MAX_CONDITION_LENGTH = 1_000
MAX_UNIT_CODE_LENGTH = 64
_UNIT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")

#: Every flow node type of BPMN 2.0 (supported or not): what sequence flows connect.
FLOW_NODE_TAGS: frozenset[str] = frozenset({
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "implicitThrowEvent",
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "businessRuleTask", "sendTask",
    "receiveTask", "subProcess", "transaction", "adHocSubProcess", "callActivity",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway",
    "callChoreography", "choreographyTask", "subChoreography",
})
#: Flow nodes that hold their own flow elements.
CONTAINER_TAGS: frozenset[str] = frozenset({"subProcess", "transaction", "adHocSubProcess"})
#: Children of a process or subprocess that are not flow elements and carry no behaviour we refuse.
NON_FLOW_CHILDREN: frozenset[str] = frozenset({
    "documentation", "extensionElements", "auditing", "monitoring", "categoryValueRef", "property",
    "laneSet", "ioSpecification", "ioBinding", "supports", "correlationSubscription", "resourceRole",
    "performer", "humanPerformer", "potentialOwner", "incoming", "outgoing",
    "standardLoopCharacteristics", "multiInstanceLoopCharacteristics", "dataInputAssociation",
    "dataOutputAssociation", "completionCondition",
})
_EVENT_TAGS = frozenset({"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
                         "boundaryEvent", "implicitThrowEvent"})
_ACTIVITY_TAGS = frozenset({"task", "userTask", "manualTask", "scriptTask", "serviceTask",
                            "businessRuleTask", "sendTask", "receiveTask", "subProcess", "transaction",
                            "adHocSubProcess", "callActivity"})

_NUM = r"\d+(?:[.,]\d+)?"
_ISO_DURATION = re.compile(
    rf"^P(?=\d|T\d)(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}W)?(?:{_NUM}D)?(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?$"
)
_CYCLE = re.compile(r"^R(\d*)/(.+)$")


def q(local: str) -> str:
    """Clark name of a BPMN model element."""
    return f"{{{BPMN_NS}}}{local}"


def local_name(element: etree._Element) -> str:
    """Local part of an element's tag ('' for comments and processing instructions)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def is_bpmn(element: etree._Element) -> bool:
    """True for elements of the BPMN model namespace."""
    return isinstance(element.tag, str) and element.tag.startswith(f"{{{BPMN_NS}}}")


def is_true(value: str | None) -> bool:
    """xs:boolean truth."""
    return (value or "").strip().lower() in ("true", "1")


@dataclass(frozen=True)
class Lane:
    """A responsible unit's lane (đơn vị chịu trách nhiệm); ``unit`` is the bound unit code, if any."""

    id: str
    name: str | None
    unit: str | None


@dataclass(frozen=True)
class Step:
    """A procedure step (bước): a userTask or manualTask, with its lane, time limit and form."""

    id: str
    name: str | None
    kind: str
    lane_id: str | None
    lane_name: str | None
    time_limit_text: str | None
    time_limit: timedelta | None
    form: str | None
    #: the line of the element (and of its ``form`` property, where the data-flow check points)
    line: int | None = None
    #: the component (thành phần hồ sơ) the step must attach before it completes (``produces`` property)
    produces: str | None = None
    produces_line: int | None = None


@dataclass
class Analysis:
    """What the rules found: issues plus the chosen process's outline."""

    issues: list[Issue] = field(default_factory=list)
    process_id: str | None = None
    process_name: str | None = None
    process_ids: list[str] = field(default_factory=list)
    is_executable: bool = False
    lanes: list[Lane] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    declared_total: timedelta | None = None
    computed_total: timedelta = timedelta(0)
    total_mismatch: bool = False
    called_processes: list[str] = field(default_factory=list)
    has_diagram: bool = False


def format_days(value: timedelta) -> str:
    """Working days as a decision writes them: ``9.5``, ``10``, ``0.25``."""
    return f"{round(working_days(value), 3):g}"


def extension_property(element: etree._Element, name: str) -> tuple[str | None, etree._Element | None]:
    """Value of a camunda/zeebe/spiffworkflow ``property`` named ``name`` and the property element."""
    for ext in element.iterchildren(q("extensionElements")):
        for ns in PROPERTY_NAMESPACES:
            for prop in ext.iter(f"{{{ns}}}property"):
                if prop.get("name") == name:
                    value = prop.get("value")
                    if value is None:
                        value = prop.text or ""
                    return value, prop
    return None, None


def _ref_text(value: str | None) -> str | None:
    """An IDREF as written, with a QName prefix (``tns:foo``) removed."""
    if value is None:
        return None
    value = value.strip()
    return value.rsplit(":", 1)[-1] if value else value


def _strip_expression(text: str) -> str:
    text = text.strip()
    if text.startswith("="):  # Zeebe writes FEEL expressions with a leading '='
        text = text[1:].strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return text


def _is_iso_date(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def timer_text_valid(kind: str, text: str) -> bool:
    """ISO 8601 duration (timeDuration), date-time (timeDate) or repeating interval (timeCycle)."""
    value = _strip_expression(text)
    if kind == "timeDuration":
        return bool(_ISO_DURATION.match(value))
    if kind == "timeDate":
        return _is_iso_date(value)
    match = _CYCLE.match(value)
    if not match:
        return False
    parts = match.group(2).split("/")
    if len(parts) == 1:
        return bool(_ISO_DURATION.match(parts[0]))
    if len(parts) == 2:
        a, b = parts
        return ((_is_iso_date(a) and (_ISO_DURATION.match(b) is not None or _is_iso_date(b)))
                or (_ISO_DURATION.match(a) is not None and _is_iso_date(b)))
    return False


def _load_condition_checker() -> Callable[[str], None] | None:
    """The engine's safe-evaluator syntax check, if present (lazy: validation must not import the engine
    package eagerly, and the evaluator is optional while it is being written)."""
    try:
        from app.engine.evaluator import check_syntax
    except Exception:
        return None
    return check_syntax


class _Checker:
    """Walks one document and collects issues; one instance per validation."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.issues: list[Issue] = []
        self.ids: dict[str, etree._Element] = {}
        self._condition_checker: Callable[[str], None] | None | bool = False

    # -- helpers -----------------------------------------------------------------------------------
    def add(self, code: str, severity: str, message: str, message_en: str,
            element: etree._Element | None = None, *, element_id: str | None = None,
            line: int | None = None) -> None:
        if element is not None:
            element_id = element_id if element_id is not None else element.get("id")
            line = line if line is not None else element.sourceline
        self.issues.append(Issue(code, severity, message, message_en, element_id, line))

    def condition_checker(self) -> Callable[[str], None] | None:
        if self._condition_checker is False:
            self._condition_checker = _load_condition_checker()
        return self._condition_checker  # type: ignore[return-value]

    @staticmethod
    def describe(element: etree._Element) -> str:
        name = element.get("name")
        label = f"'{element.get('id')}'" if element.get("id") else "(không id)"
        return f"{label} <{local_name(element)}>" + (f" \"{name}\"" if name else "")

    # -- document-wide -----------------------------------------------------------------------------
    def collect_ids(self) -> None:
        """Duplicate ids break every reference in the file (and the XSD's xs:ID)."""
        for element in self.root.iter(etree.Element):
            tag = element.tag
            if not isinstance(tag, str) or tag[1:].split("}", 1)[0] not in _ID_NAMESPACES:
                continue
            element_id = element.get("id")
            if element_id is None:
                continue
            first = self.ids.get(element_id)
            if first is None:
                self.ids[element_id] = element
                continue
            self.add("duplicate_id", "error",
                     f"Mã (id) '{element_id}' bị trùng: đã dùng ở dòng {first.sourceline}, "
                     f"lặp lại ở dòng {element.sourceline} <{local_name(element)}>.",
                     f"Duplicate id '{element_id}': first used at line {first.sourceline}, "
                     f"repeated at line {element.sourceline} <{local_name(element)}>.", element)

    # -- per process -------------------------------------------------------------------------------
    def check_process(self, process: etree._Element) -> None:
        strict = is_true(process.get("isExecutable"))
        self.check_container(process, strict, is_process=True)

    def check_container(self, container: etree._Element, strict: bool, *, is_process: bool) -> None:
        """Flow elements, flows, start/end and reachability of one process or subprocess level."""
        sev = "error" if strict else "warning"
        nodes: dict[str, etree._Element] = {}
        flows: list[etree._Element] = []
        for child in container:
            if not is_bpmn(child):
                continue
            tag = local_name(child)
            if tag in FLOW_NODE_TAGS and child.get("id"):
                nodes[child.get("id")] = child
            if tag == "sequenceFlow":
                flows.append(child)
            if tag not in SUPPORTED_FLOW_ELEMENTS and tag not in NON_FLOW_CHILDREN:
                self.unsupported(child, tag, sev)
            if tag in _EVENT_TAGS:
                self.check_event(child, tag, strict)
            if tag in EXTERNAL_ELEMENTS:
                self.check_external(child, sev)
            if tag == "callActivity" and not called_element(child):
                self.add("call_activity_without_process", sev,
                         f"Hoạt động gọi {self.describe(child)} không chỉ rõ quy trình được gọi (calledElement).",
                         f"Call activity {self.describe(child)} names no called process (calledElement).", child)
        self.check_flows(container, nodes, flows, strict)
        self.check_start_end_reachability(container, nodes, flows, strict, is_process)
        for node in nodes.values():
            if local_name(node) in CONTAINER_TAGS:
                self.check_container(node, strict, is_process=False)

    def check_external(self, task: etree._Element, sev: str) -> None:
        """A service/send task is worked by a worker on its topic: it must name one (app.engine.external)."""
        binding = binding_of(task)
        where = self.describe(task)
        if binding is None:
            self.add("external_task_without_topic", sev,
                     f"Tác vụ hệ thống {where} không có chủ đề (topic) cho tiến trình xử lý ngoài: khai báo "
                     f"camunda:type=\"external\" camunda:topic, zeebe:taskDefinition type, hoặc thuộc tính 'topic'.",
                     f"System task {where} names no topic for an external worker: give camunda:type=\"external\" "
                     f"camunda:topic, zeebe:taskDefinition type, or the property 'topic'.", task)
        elif not topic_valid(binding.topic):
            self.add("external_task_topic_invalid", sev,
                     f"Tác vụ hệ thống {where}: chủ đề '{binding.topic[:80]}' không hợp lệ (1–255 ký tự, không dấu cách).",
                     f"System task {where}: topic '{binding.topic[:80]}' is not valid (1–255 characters, no spaces).",
                     task)
        elif binding.note:
            self.add("external_task_from_delegate", "warning", f"Tác vụ {where}: {binding.note}",
                     f"Task {where}: {binding.note_en}", task)

    def unsupported(self, element: etree._Element, tag: str, sev: str, *, owner: etree._Element | None = None,
                    line: int | None = None) -> None:
        """Name the element (and, for an event definition, the event that carries it)."""
        line = line if line is not None else element.sourceline
        vi, en = UNSUPPORTED_REASONS.get(tag, (f"Phần tử BPMN không được hỗ trợ: <{tag}>.",
                                              f"Unsupported BPMN element: <{tag}>."))
        if owner is None or owner is element:
            owner, what = element, ""
        else:
            what = f" <{tag}>"
        where = self.describe(owner)
        self.add("unsupported_element", sev, f"{vi} Phần tử {where}{what}, dòng {line}.",
                 f"{en} Element {where}{what}, line {line}.", owner, line=line)

    def check_event(self, event: etree._Element, tag: str, strict: bool) -> None:
        sev = "error" if strict else "warning"
        definitions: list[tuple[etree._Element, int | None]] = []
        for child in event:
            if not is_bpmn(child):
                continue
            child_tag = local_name(child)
            if child_tag.endswith("EventDefinition"):
                definitions.append((child, child.sourceline))
            elif child_tag == "eventDefinitionRef":
                target = self.ids.get(_ref_text(child.text) or "")
                if target is None:
                    self.add("unknown_reference", "error",
                             f"Sự kiện {self.describe(event)} tham chiếu định nghĩa không tồn tại '{child.text}'.",
                             f"Event {self.describe(event)} refers to unknown event definition '{child.text}'.",
                             event, line=child.sourceline)
                else:  # a shared definition at the top of the file: judge it where it is used
                    definitions.append((target, child.sourceline))
        for definition, line in definitions:
            def_tag = local_name(definition)
            if def_tag not in SUPPORTED_EVENT_DEFINITIONS:
                self.unsupported(definition, def_tag, sev, owner=event, line=line)
            elif def_tag == "timerEventDefinition":
                self.check_timer(event, definition, strict)
        if tag == "boundaryEvent":
            attached = _ref_text(event.get("attachedToRef"))
            if not attached:
                self.add("boundary_not_attached", "error",
                         f"Sự kiện biên {self.describe(event)} không gắn vào hoạt động nào (thiếu attachedToRef).",
                         f"Boundary event {self.describe(event)} is not attached to any activity "
                         f"(attachedToRef missing).", event)
            elif attached not in self.ids:
                self.add("unknown_reference", "error",
                         f"Sự kiện biên {self.describe(event)} gắn vào phần tử không tồn tại '{attached}'.",
                         f"Boundary event {self.describe(event)} is attached to unknown element '{attached}'.",
                         event)
            elif local_name(self.ids[attached]) not in _ACTIVITY_TAGS:
                self.add("boundary_not_attached", "error",
                         f"Sự kiện biên {self.describe(event)} gắn vào '{attached}' không phải là hoạt động.",
                         f"Boundary event {self.describe(event)} is attached to '{attached}', not an activity.",
                         event)

    def check_timer(self, event: etree._Element, definition: etree._Element, strict: bool) -> None:
        """Modelers leave timers unconfigured; the engine cannot schedule them, so name the event."""
        sev = "error" if strict else "warning"
        found = False
        for child in definition:
            kind = local_name(child)
            if not is_bpmn(child) or kind not in ("timeDuration", "timeDate", "timeCycle"):
                continue
            text = (child.text or "").strip()
            if not text:
                continue
            found = True
            if not timer_text_valid(kind, text):
                self.add("timer_invalid", sev,
                         f"Bộ hẹn giờ {self.describe(event)}: '{text[:80]}' không phải {kind} ISO 8601 hợp lệ "
                         f"(ví dụ PT5M, 2026-01-31T08:00:00, R3/PT1H).",
                         f"Timer {self.describe(event)}: '{text[:80]}' is not a valid ISO 8601 {kind} "
                         f"(e.g. PT5M, 2026-01-31T08:00:00, R3/PT1H).", event, line=child.sourceline)
                continue
            try:
                check_timer_text(kind, _strip_expression(text))
            except TimerError as exc:
                reason = str(exc)[:200]
                self.add("timer_out_of_range", sev,
                         f"Bộ hẹn giờ {self.describe(event)}: '{text[:80]}' vượt giới hạn cho phép "
                         f"(thời lượng tối đa {MAX_TIMER_DURATION.days} ngày, ngày từ {TIMER_DATES[0].year} "
                         f"đến {TIMER_DATES[1].year - 1}, tối đa {MAX_TIMER_CYCLES} lần lặp): {reason}",
                         f"Timer {self.describe(event)}: '{text[:80]}' is out of range (at most "
                         f"{MAX_TIMER_DURATION.days} days, dates from {TIMER_DATES[0].year} to "
                         f"{TIMER_DATES[1].year - 1}, at most {MAX_TIMER_CYCLES} repetitions): {reason}",
                         event, line=child.sourceline)
        if not found:
            self.add("timer_empty", sev,
                     f"Bộ hẹn giờ {self.describe(event)} chưa được cấu hình (không có timeDuration, timeDate "
                     f"hoặc timeCycle).",
                     f"Timer {self.describe(event)} is not configured (no timeDuration, timeDate or timeCycle).",
                     event, line=definition.sourceline)

    def check_flows(self, container: etree._Element, nodes: dict[str, etree._Element],
                    flows: list[etree._Element], strict: bool) -> None:
        sev = "error" if strict else "warning"
        for flow in flows:
            flow_id = flow.get("id")
            for attr, code, vi_word, en_word in (("sourceRef", "unknown_source", "nguồn", "source"),
                                                 ("targetRef", "unknown_target", "đích", "target")):
                ref = _ref_text(flow.get(attr))
                if not ref:
                    self.add("orphan_flow", "error",
                             f"Luồng '{flow_id}' thiếu {attr} (không có điểm {vi_word}).",
                             f"Sequence flow '{flow_id}' has no {attr} ({en_word}).", flow)
                elif ref not in self.ids:
                    self.add(code, "error",
                             f"Luồng '{flow_id}' trỏ tới điểm {vi_word} không tồn tại '{ref}'.",
                             f"Sequence flow '{flow_id}' points to unknown {en_word} '{ref}'.", flow)
                elif ref not in nodes:
                    self.add("orphan_flow", "error",
                             f"Luồng '{flow_id}': {attr} '{ref}' không phải bước/sự kiện/cổng cùng cấp quy trình.",
                             f"Sequence flow '{flow_id}': {attr} '{ref}' is not a flow node of the same "
                             f"process level.", flow)
            condition = flow.find(q("conditionExpression"))
            if condition is not None:
                self.check_condition(flow, condition, strict, sev)

    def check_condition(self, flow: etree._Element, condition: etree._Element, strict: bool, sev: str) -> None:
        text = "".join(condition.itertext()).strip()
        flow_id = flow.get("id")
        if not text:
            self.add("condition_empty", sev, f"Điều kiện của luồng '{flow_id}' bị bỏ trống.",
                     f"The condition of sequence flow '{flow_id}' is empty.", flow, line=condition.sourceline)
            return
        if len(text) > MAX_CONDITION_LENGTH:
            self.add("condition_too_long", sev,
                     f"Điều kiện của luồng '{flow_id}' dài quá {MAX_CONDITION_LENGTH} ký tự.",
                     f"The condition of sequence flow '{flow_id}' is longer than {MAX_CONDITION_LENGTH} "
                     f"characters.", flow, line=condition.sourceline)
            return
        if not strict:
            return  # documentation diagrams write conditions in prose or FEEL; nothing will evaluate them
        checker = self.condition_checker()
        if checker is None:
            return
        # check_syntax evaluates nothing that reads data, and folds a literal-only condition within a small
        # fixed budget: ``[[[0]*2500]*2500]*2500 == …`` is refused in well under a millisecond.
        try:
            checker(text)
        except Exception as exc:
            reason = str(exc)[:200]
            self.add("condition_invalid", "error",
                     f"Điều kiện của luồng '{flow_id}' không hợp lệ: {reason}",
                     f"The condition of sequence flow '{flow_id}' is not valid: {reason}",
                     flow, line=condition.sourceline)

    def check_start_end_reachability(self, container: etree._Element, nodes: dict[str, etree._Element],
                                     flows: list[etree._Element], strict: bool, is_process: bool) -> None:
        sev = "error" if strict else "warning"
        where = self.describe(container)
        is_event_subprocess = is_true(container.get("triggeredByEvent"))
        starts = [n for n in nodes.values() if local_name(n) == "startEvent"]
        ends = [n for n in nodes.values() if local_name(n) == "endEvent"]
        level_vi = "Quy trình" if is_process else "Tiểu trình"
        level_en = "Process" if is_process else "Subprocess"
        if not starts:
            self.add("no_start_event", sev, f"{level_vi} {where} không có sự kiện bắt đầu (startEvent).",
                     f"{level_en} {where} has no start event.", container)
        if not ends and not is_event_subprocess:
            self.add("no_end_event", sev, f"{level_vi} {where} không có sự kiện kết thúc (endEvent).",
                     f"{level_en} {where} has no end event.", container)
        if not starts:
            return  # everything would be "unreachable"; the missing start says it better
        for node in reachability_order(nodes, flows)[1]:
            self.add("unreachable", sev,
                     f"Không thể tới được {self.describe(node)} từ sự kiện bắt đầu (dòng {node.sourceline}).",
                     f"{self.describe(node)} cannot be reached from a start event (line {node.sourceline}).",
                     node)


def _edges(nodes: dict[str, etree._Element], flows: list[etree._Element]) -> dict[str, list[str]]:
    edges: dict[str, list[str]] = {}
    for flow in flows:
        source, target = _ref_text(flow.get("sourceRef")), _ref_text(flow.get("targetRef"))
        if source in nodes and target in nodes:
            edges.setdefault(source, []).append(target)
    return edges


def reachability_order(nodes: dict[str, etree._Element], flows: list[etree._Element]
                       ) -> tuple[list[etree._Element], list[etree._Element]]:
    """(reached in breadth-first flow order, unreached in document order) for one process level.

    Entry points: start events and event subprocesses; a reached activity also reaches the boundary
    events attached to it.
    """
    edges = _edges(nodes, flows)
    attached: dict[str, list[str]] = {}
    for node_id, node in nodes.items():
        if local_name(node) == "boundaryEvent":
            target = _ref_text(node.get("attachedToRef"))
            if target:
                attached.setdefault(target, []).append(node_id)
    starts = [i for i, n in nodes.items() if local_name(n) == "startEvent"]
    event_subprocesses = [i for i, n in nodes.items()
                          if local_name(n) in CONTAINER_TAGS and is_true(n.get("triggeredByEvent"))]
    seen: set[str] = set()
    order: list[etree._Element] = []
    # Main flow first, then event subprocesses (they interrupt it), so steps come in a readable order.
    for roots in (starts, event_subprocesses):
        queue: deque[str] = deque(r for r in roots if r not in seen)
        seen.update(queue)
        while queue:
            current = queue.popleft()
            order.append(nodes[current])
            for nxt in attached.get(current, []) + edges.get(current, []):
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
    unreached = [n for i, n in nodes.items() if i not in seen]
    return order, unreached


def _level(container: etree._Element) -> tuple[dict[str, etree._Element], list[etree._Element]]:
    nodes = {c.get("id"): c for c in container
             if is_bpmn(c) and local_name(c) in FLOW_NODE_TAGS and c.get("id")}
    flows = [c for c in container if c.tag == q("sequenceFlow")]
    return nodes, flows


def ordered_nodes(container: etree._Element) -> Iterator[etree._Element]:
    """Flow nodes in flow order (subprocess contents where the subprocess is), then the unreached ones."""
    nodes, flows = _level(container)
    reached, unreached = reachability_order(nodes, flows)
    for node in reached + unreached:
        yield node
        if local_name(node) in CONTAINER_TAGS:
            yield from ordered_nodes(node)


def choose_process(processes: list[etree._Element], process_id: str | None) -> etree._Element | None:
    """The process a validation is about: ``process_id``, else the first executable process that no
    callActivity of another process in the file calls (the "main" one), else the first process."""
    if process_id is not None:
        return next((p for p in processes if p.get("id") == process_id), None)
    executable = [p for p in processes if is_true(p.get("isExecutable"))]
    if executable:
        called_by_other: set[str] = set()
        for process in processes:
            for call in process.iter(q("callActivity")):
                called = called_element(call)
                if called and called != process.get("id"):
                    called_by_other.add(called)
        main = [p for p in executable if p.get("id") not in called_by_other]
        return (main or executable)[0]
    return processes[0] if processes else None


def _outline(checker: _Checker, process: etree._Element, analysis: Analysis) -> None:
    """Lanes, steps, time limits and totals of the chosen process (and their rules)."""
    strict = is_true(process.get("isExecutable"))
    sev = "error" if strict else "warning"
    lane_of: dict[str, etree._Element] = {}
    lanes = list(process.iter(q("lane")))
    for lane in lanes:  # document order: a child lane comes after its parent and wins
        for ref in lane.iterchildren(q("flowNodeRef")):
            if ref.text and ref.text.strip():
                lane_of[ref.text.strip()] = lane
    for lane in lanes:
        if lane.find(q("childLaneSet")) is not None and lane.find(f"{q('childLaneSet')}/{q('lane')}") is not None:
            analysis.lanes.append(Lane(lane.get("id") or "", lane.get("name"), None))
            continue  # a parent lane groups lanes; units bind to the innermost ones
        unit, prop = extension_property(lane, "unit")
        unit_value = unit.strip() if unit is not None else None
        where = checker.describe(lane)
        if unit is None:
            if strict:
                checker.add("lane_unbound", "warning",
                            f"Làn {where} chưa gắn đơn vị (thuộc tính unit); cần gắn khi ban hành.",
                            f"Lane {where} has no unit property; it must be bound to a unit when published.",
                            lane)
        elif not unit_value or len(unit_value) > MAX_UNIT_CODE_LENGTH or not _UNIT_CODE.match(unit_value):
            checker.add("lane_unit_invalid", sev,
                        f"Làn {where}: mã đơn vị '{unit[:80]}' không hợp lệ.",
                        f"Lane {where}: unit code '{unit[:80]}' is not valid.", lane,
                        line=prop.sourceline if prop is not None else None)
            unit_value = None
        analysis.lanes.append(Lane(lane.get("id") or "", lane.get("name"), unit_value or None))

    total = timedelta(0)
    for node in ordered_nodes(process):
        kind = local_name(node)
        if kind not in STEP_ELEMENTS:
            continue
        lane = lane_of.get(node.get("id") or "")
        ancestor = node.getparent()
        while lane is None and ancestor is not None and ancestor is not process:
            lane = lane_of.get(ancestor.get("id") or "")
            ancestor = ancestor.getparent()
        if lane is None and lanes:
            checker.add("step_without_lane", sev,
                        f"Bước {checker.describe(node)} không nằm trong làn (đơn vị) nào.",
                        f"Step {checker.describe(node)} is not in any lane (unit).", node)
        limit_text, prop = extension_property(node, "timeLimit")
        limit: timedelta | None = None
        if limit_text is not None:
            try:
                limit = parse_working_duration(limit_text)
            except DurationError:
                checker.add("time_limit_invalid", "error",
                            f"Bước {checker.describe(node)}: thời hạn '{limit_text[:80]}' không phải thời lượng "
                            f"ISO 8601 hợp lệ (ví dụ PT4H, P0.5D).",
                            f"Step {checker.describe(node)}: time limit '{limit_text[:80]}' is not a valid "
                            f"ISO 8601 working duration (e.g. PT4H, P0.5D).", node,
                            line=prop.sourceline if prop is not None else None)
            else:
                total += limit
        form, form_prop = extension_property(node, "form")
        produces, produces_prop = extension_property(node, "produces")
        analysis.steps.append(Step(
            id=node.get("id") or "", name=node.get("name"), kind=kind,
            lane_id=lane.get("id") if lane is not None else None,
            lane_name=lane.get("name") if lane is not None else None,
            time_limit_text=limit_text, time_limit=limit, form=(form or "").strip() or None,
            line=(form_prop.sourceline if form_prop is not None else None) or node.sourceline,
            produces=(produces or "").strip() or None,
            produces_line=(produces_prop.sourceline if produces_prop is not None else None) or node.sourceline,
        ))
    analysis.computed_total = total

    declared_text, prop = extension_property(process, "totalTimeLimit")
    if declared_text is not None:
        try:
            analysis.declared_total = parse_working_duration(declared_text)
        except DurationError:
            checker.add("total_time_limit_invalid", "error",
                        f"Quy trình {checker.describe(process)}: tổng thời hạn '{declared_text[:80]}' không phải "
                        f"thời lượng ISO 8601 hợp lệ (ví dụ P10.5D).",
                        f"Process {checker.describe(process)}: total time limit '{declared_text[:80]}' is not a "
                        f"valid ISO 8601 working duration (e.g. P10.5D).", process,
                        line=prop.sourceline if prop is not None else None)
        else:
            if analysis.declared_total != total:
                analysis.total_mismatch = True
                declared_days, computed_days = format_days(analysis.declared_total), format_days(total)
                checker.add("total_mismatch", "warning",
                            f"Tổng thời hạn khai báo {declared_days} ngày khác tổng thời hạn các bước "
                            f"{computed_days} ngày.",
                            f"Declared total time limit {declared_days} days differs from the sum of the steps' "
                            f"limits, {computed_days} days.", process,
                            line=prop.sourceline if prop is not None else None)


def analyse(root: etree._Element, *, process_id: str | None = None) -> Analysis:
    """Run every rule on a document that passed intake; never raises for any tree."""
    analysis = Analysis()
    checker = _Checker(root)
    analysis.issues = checker.issues
    if root.tag != q("definitions"):
        checker.add("not_bpmn", "error",
                    f"Không phải tệp BPMN 2.0: phần tử gốc là <{local_name(root)}>, cần <definitions> "
                    f"thuộc không gian tên {BPMN_NS}.",
                    f"Not a BPMN 2.0 file: the root element is <{local_name(root)}>, expected <definitions> "
                    f"in namespace {BPMN_NS}.", root)
        return analysis
    analysis.has_diagram = root.find(f"{{{BPMNDI_NS}}}BPMNDiagram") is not None
    checker.collect_ids()
    processes = list(root.iterchildren(q("process")))
    analysis.process_ids = [p.get("id") or "" for p in processes]
    if not processes:
        checker.add("no_process", "error", "Tệp không có quy trình (process) nào.",
                    "The file contains no process.", root)
        return analysis
    for process in processes:
        checker.check_process(process)
    chosen = choose_process(processes, process_id)
    if chosen is None:
        checker.add("unknown_process", "error",
                    f"Không có quy trình '{process_id}' trong tệp (có: {', '.join(analysis.process_ids)}).",
                    f"No process '{process_id}' in the file (found: {', '.join(analysis.process_ids)}).",
                    root, element_id=process_id)
        return analysis
    analysis.process_id = chosen.get("id")
    analysis.process_name = chosen.get("name")
    analysis.is_executable = is_true(chosen.get("isExecutable"))
    called: list[str] = []
    for call in chosen.iter(q("callActivity")):
        value = called_element(call)
        if value and value not in called:
            called.append(value)
    analysis.called_processes = called
    _outline(checker, chosen, analysis)
    return analysis
