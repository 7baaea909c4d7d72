"""Compile BPMN documents into SpiffWorkflow specs that only do what ``support.py`` allows.

Why a parser of our own on SpiffWorkflow's machinery: designers use Camunda 7/8, SpiffArena or bpmn.io, so
extension properties are read from the camunda, zeebe and spiffworkflow namespaces alike; timers are
built from our clock-injected timer classes; every element outside ``support.py`` is refused with a
:class:`CompileError` naming it, before SpiffWorkflow sees it; and gateway conditions and timer texts are
checked with the safe evaluator at compile time so a bad condition fails at upload, not in a dossier.

Any id a modeler writes is valid, including ``Start``, ``End`` and ``Root``: SpiffWorkflow names its own
task specs so (``BpmnProcessSpec``: ``Start``, ``End``, ``<process>.EndJoin``; ``StartEventSplit``/``Join``;
``<id>.BoundaryEventSplit``/``Join``; the serializer drops ``Root``), and a flow node with such an id
would silently become, or be shadowed by, the engine's own. Such an element is given the engine name
``<id> [bpmn]`` (:func:`engine_name`; the space makes it no valid BPMN id, so it meets no designer's id)
before SpiffWorkflow reads the document, and its spec's ``bpmn_id`` is set back to the designer's id, so
steps, timers and errors show the designer's ids. Diagrams without such ids compile exactly as before,
so saved states of existing dossiers are untouched.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
from SpiffWorkflow.bpmn.parser.event_parsers import EventDefinitionParser
from SpiffWorkflow.bpmn.parser.util import first, full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.data_spec import TaskDataReference
from SpiffWorkflow.exceptions import SpiffWorkflowException

from .calls import set_called_elements
from .errors import CompileError, TimerError
from .evaluator import EvaluationError, check_syntax
from .external import binding_of, topic_valid
from .specs import ExternalTask, PassThroughTask
from .support import (
    BPMN_NS,
    EXTERNAL_ELEMENTS,
    SUPPORTED_EVENT_DEFINITIONS,
    SUPPORTED_FLOW_ELEMENTS,
    UNSUPPORTED_REASONS,
)
from .timers import TIMER_CLASSES, is_iso_literal

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
PROPERTY_NAMESPACES = (CAMUNDA_NS, ZEEBE_NS, SPIFF_NS)

#: Largest BPMN document accepted, in bytes (the largest real procedure diagrams are a few hundred KB).
MAX_DOCUMENT_BYTES = 5_000_000

#: Children of a process/subProcess that carry no behaviour and are always accepted.
_STRUCTURE = frozenset({
    "documentation", "extensionElements", "laneSet", "lane", "ioSpecification", "property", "auditing",
    "monitoring", "dataInput", "dataOutput", "inputSet", "outputSet", "dataObject", "dataObjectReference",
    "dataStoreReference", "textAnnotation", "association", "group", "category", "categoryValue",
    # children of a subProcess that are not flow elements
    "incoming", "outgoing", "multiInstanceLoopCharacteristics", "standardLoopCharacteristics",
    "dataInputAssociation", "dataOutputAssociation", "resourceRole", "performer", "humanPerformer",
    "potentialOwner",
})
_EVENT_ELEMENTS = frozenset({"startEvent", "endEvent", "boundaryEvent", "intermediateCatchEvent",
                             "intermediateThrowEvent"})
_EVENT_DEFINITION_CHILDREN = frozenset(SUPPORTED_EVENT_DEFINITIONS) | {
    n for n in UNSUPPORTED_REASONS if n.endswith("EventDefinition")}

#: Task spec names SpiffWorkflow gives its own specs, and the suffixes of the ones it derives from an id.
RESERVED_NAMES = frozenset({"Start", "End", "Root", "StartEventSplit", "StartEventJoin"})
RESERVED_SUFFIXES = (".EndJoin", ".BoundaryEventSplit", ".BoundaryEventJoin")
#: Ends the engine name of an element whose id collides; contains a space, which no BPMN id (NCName) has.
ENGINE_SUFFIX = " [bpmn]"
_ENGINE_NAME = re.compile(r"(\S+) \[bpmn\]")

#: Elements SpiffWorkflow makes task specs of (the unsupported ones too: they are refused by id).
_FLOW_NODES = frozenset({
    "startEvent", "endEvent", "boundaryEvent", "intermediateCatchEvent", "intermediateThrowEvent",
    "userTask", "manualTask", "task", "scriptTask", "serviceTask", "businessRuleTask", "sendTask", "receiveTask",
    "subProcess", "transaction", "adHocSubProcess", "callActivity",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway",
})
#: Attributes and elements whose value is the id of a flow node (semantic model and diagram interchange).
_REF_ATTRIBUTES = ("sourceRef", "targetRef", "attachedToRef", "bpmnElement")
_REF_ELEMENTS = frozenset({"flowNodeRef"})

_XML_PARSER_OPTIONS = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False,
                       "remove_comments": True, "remove_pis": True}


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _bpmn(tag: Any) -> bool:
    return isinstance(tag, str) and tag.startswith("{" + BPMN_NS + "}")


def collides(element_id: str | None) -> bool:
    """Whether SpiffWorkflow would take ``element_id`` for one of its own task specs."""
    return bool(element_id) and (element_id in RESERVED_NAMES or element_id.endswith(RESERVED_SUFFIXES))


def engine_name(element_id: str) -> str:
    """The name the engine knows a designer's element by (the id itself unless it collides)."""
    return element_id + ENGINE_SUFFIX if collides(element_id) else element_id


def designer_id(name: str | None) -> str | None:
    """The designer's id of an element from its engine name (the inverse of :func:`engine_name`)."""
    return name.removesuffix(ENGINE_SUFFIX) if name else name


def designer_text(text: str) -> str:
    """A message of the engine with every engine name written as the designer's id."""
    return _ENGINE_NAME.sub(r"\1", text) if ENGINE_SUFFIX in text else text


def _rename_colliding(root: Any) -> None:
    """Give flow nodes whose id collides with SpiffWorkflow's own names their engine name, in place."""
    renamed = {}
    for process in root.iter(f"{{{BPMN_NS}}}process"):
        for node in process.iter():
            if _bpmn(node.tag) and _local(node.tag) in _FLOW_NODES and collides(node.get("id")):
                renamed[node.get("id")] = engine_name(node.get("id"))
    if not renamed:
        return
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        if node.get("id") in renamed and _bpmn(node.tag) and _local(node.tag) in _FLOW_NODES:
            node.set("id", renamed[node.get("id")])
        for attribute in _REF_ATTRIBUTES:
            if node.get(attribute) in renamed:
                node.set(attribute, renamed[node.get(attribute)])
        if _local(node.tag) in _REF_ELEMENTS and (node.text or "").strip() in renamed:
            node.text = renamed[node.text.strip()]


def _restore_designer_ids(specs: Iterable[Any]) -> None:
    """Renamed elements show the designer's id (``bpmn_id``) while the engine keys them by engine name."""
    for spec in specs:
        for task_spec in spec.task_specs.values():
            bpmn_id = getattr(task_spec, "bpmn_id", None)
            if bpmn_id and bpmn_id.endswith(ENGINE_SUFFIX):
                task_spec.bpmn_id = designer_id(bpmn_id)


def read_properties(node: Any) -> dict[str, str]:
    """Extension properties of an element, in any of the camunda/zeebe/spiffworkflow forms."""
    props: dict[str, str] = {}
    for ext in node.findall(f"{{{BPMN_NS}}}extensionElements"):
        for container in ext:
            if not isinstance(container.tag, str) or _local(container.tag) != "properties":
                continue
            if etree.QName(container.tag).namespace not in PROPERTY_NAMESPACES:
                continue
            for prop in container:
                if isinstance(prop.tag, str) and _local(prop.tag) == "property":
                    name = prop.get("name")
                    if name:
                        value = prop.get("value")
                        props[name] = value if value is not None else (prop.text or "").strip()
    return props


# ------------------------------------------------------------------------------------ parser classes

class _MotcuaNodeMixin:
    """Extension properties and lane id on every task spec; Camunda collection multi-instance."""

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        node = self.node if node is None else node
        lane_ids = self.process_parser.parser.lane_ids
        lane_id = lane_ids.get(node.get("id"))
        ancestor = node.getparent()
        while lane_id is None and ancestor is not None:  # a step inside an embedded subprocess: its lane
            lane_id = lane_ids.get(ancestor.get("id") or "")
            ancestor = ancestor.getparent()
        extensions: dict[str, Any] = {"properties": read_properties(node), "lane_id": lane_id}
        if _local(node.tag) in EXTERNAL_ELEMENTS:
            binding = binding_of(node)
            if binding is not None:
                extensions["external"] = {"topic": binding.topic, "source": binding.source}
        return extensions

    def _add_multiinstance_task(self, loop_characteristics: Any) -> None:
        has_standard = any(_local(c.tag) in ("loopCardinality", "loopDataInputRef")
                           for c in loop_characteristics if isinstance(c.tag, str))
        collection = loop_characteristics.get(f"{{{CAMUNDA_NS}}}collection")
        if has_standard or not collection:
            return super()._add_multiinstance_task(loop_characteristics)  # type: ignore[misc]
        # Camunda 7 style: camunda:collection names a list in the data, camunda:elementVariable the item.
        element = loop_characteristics.get(f"{{{CAMUNDA_NS}}}elementVariable")
        sequential = loop_characteristics.get("isSequential") == "true"
        condition = first(self.xpath("./bpmn:multiInstanceLoopCharacteristics/bpmn:completionCondition"))
        original = self.spec.task_specs.pop(self.task.name)
        params = {
            "task_spec": "", "cardinality": None,
            "data_input": TaskDataReference(collection.strip().removeprefix("${").removesuffix("}")),
            "data_output": None,
            "input_item": TaskDataReference(element) if element else None,
            "output_item": None,
            "condition": condition.text if condition is not None else None,
        }
        cls = self.SEQUENTIAL_MI_CLASS if sequential else self.PARALLEL_MI_CLASS
        self.task = cls(self.spec, original.name, description="MultiInstance", **params)
        self._copy_task_attrs(original, loop_characteristics)


class _MotcuaEventMixin(_MotcuaNodeMixin):
    """Timers built from our clock-injected classes; quoted and unquoted ISO texts both accepted."""

    def parse_timer_event(self, event: Any) -> Any:
        description = self.get_event_description(event)
        name = self.node.get("name", designer_id(self.node.get("id")))
        for kind, cls in TIMER_CLASSES.items():
            expr = first(event.findall(f"{{{BPMN_NS}}}{kind}"))
            if expr is not None and (expr.text or "").strip():
                return cls(name, expr.text.strip(), description=description)
        raise ValidationException("Timer event without a date, duration or cycle", node=self.node,
                                  file_name=self.filename)


def _motcua_parser_classes() -> dict[str, tuple[type, type]]:
    classes = {}
    for tag, (parser_cls, spec_cls) in BpmnParser.PARSER_CLASSES.items():
        mixin = _MotcuaEventMixin if issubclass(parser_cls, EventDefinitionParser) else _MotcuaNodeMixin
        classes[tag] = (type(f"Motcua{parser_cls.__name__}", (mixin, parser_cls), {}), spec_cls)
    parser_cls, _ = classes[full_tag("task")]
    classes[full_tag("task")] = (parser_cls, PassThroughTask)
    for tag in EXTERNAL_ELEMENTS:  # the plain task parser: a sendTask's message is the worker's business
        classes[full_tag(tag)] = (parser_cls, ExternalTask)
    return classes


class MotcuaBpmnParser(BpmnParser):
    """BpmnParser with our node parsers, lane ids, and data stores treated as decoration."""

    OVERRIDE_PARSER_CLASSES = _motcua_parser_classes()

    def __init__(self) -> None:
        super().__init__()
        self.lane_ids: dict[str, str] = {}

    def _add_diagram_indexes(self, bpmn: Any) -> None:
        super()._add_diagram_indexes(bpmn)
        for ref in bpmn.xpath(".//bpmn:flowNodeRef", namespaces=self.namespaces):
            if ref.text:
                self.lane_ids[ref.text.strip()] = ref.getparent().get("id")

    def _add_data_stores(self, bpmn: Any) -> None:
        # Data stores are drawn for documentation; the engine never reads or writes them.
        return None


# ---------------------------------------------------------------------------------------- compiled

@dataclass
class CompiledProcess:
    """Specs of one executable process and everything it calls, JSON-serialisable for the DB cache."""

    process_id: str
    name: str | None
    spec: dict[str, Any]
    subprocess_specs: dict[str, dict[str, Any]]
    properties: dict[str, str] = field(default_factory=dict)
    lanes: dict[str, dict[str, Any]] = field(default_factory=dict)
    serializer_version: str = ""
    _restored: Any = field(default=None, repr=False, compare=False)

    def to_json(self) -> str:
        """JSON text to cache; ``from_json`` gives back an equivalent object."""
        return json.dumps({
            "format": "motcua-flow/compiled", "serializer_version": self.serializer_version,
            "process_id": self.process_id, "name": self.name, "properties": self.properties,
            "lanes": self.lanes, "spec": self.spec, "subprocess_specs": self.subprocess_specs,
        })

    @classmethod
    def from_json(cls, text: str | bytes) -> CompiledProcess:
        from .errors import StateError
        from .serializer import VERSION
        try:
            dct = json.loads(text)
        except ValueError as exc:
            raise StateError("compiled process is not JSON") from exc
        if not isinstance(dct, dict) or dct.get("format") != "motcua-flow/compiled":
            raise StateError("not a compiled Motcua Flow process")
        if dct.get("serializer_version") != VERSION:
            raise StateError(f"compiled with serializer {dct.get('serializer_version')}, engine has {VERSION}: "
                             "compile the BPMN again")
        return cls(process_id=dct["process_id"], name=dct.get("name"), spec=dct["spec"],
                   subprocess_specs=dct["subprocess_specs"], properties=dct.get("properties", {}),
                   lanes=dct.get("lanes", {}), serializer_version=dct["serializer_version"])

    def specs(self) -> tuple[Any, dict[str, Any]]:
        """SpiffWorkflow spec objects, restored once per instance and shared by its workflows."""
        if self._restored is None:
            from .serializer import restore_specs
            self._restored = restore_specs(self.spec, self.subprocess_specs)
        return self._restored


# ------------------------------------------------------------------------------------------ compile

def _read_document(name: str, content: bytes) -> Any:
    if isinstance(content, str):
        content = content.encode("utf-8")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise CompileError(None, f"{name}: document larger than {MAX_DOCUMENT_BYTES} bytes")
    parser = etree.XMLParser(**_XML_PARSER_OPTIONS)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise CompileError(None, f"{name}: not well-formed XML ({exc.msg})") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise CompileError(None, f"{name}: DOCTYPE/entity declarations are not accepted")
    if root.tag != f"{{{BPMN_NS}}}definitions":
        raise CompileError(None, f"{name}: not a BPMN 2.0 definitions document")
    return root


def _check_element(node: Any, process_id: str) -> None:
    """Refuse, naming it, anything not in support.py; check conditions and timers with the evaluator."""
    for child in node:
        if not _bpmn(child.tag):
            continue
        local = _local(child.tag)
        element_id = designer_id(child.get("id")) or f"{process_id}/{local}"
        if local in UNSUPPORTED_REASONS:
            raise CompileError(element_id, UNSUPPORTED_REASONS[local][1])
        if local in _STRUCTURE:
            continue
        if local not in SUPPORTED_FLOW_ELEMENTS:
            raise CompileError(element_id, f"element {local!r} is not supported")
        if local == "sequenceFlow":
            cond = child.find(f"{{{BPMN_NS}}}conditionExpression")
            if cond is not None and (cond.text or "").strip():
                try:
                    check_syntax(cond.text.strip())
                except EvaluationError as exc:
                    raise CompileError(element_id, f"condition {cond.text.strip()!r}: {exc}") from None
        if local in _EVENT_ELEMENTS:
            _check_event(child, element_id)
        if local in EXTERNAL_ELEMENTS:
            binding = binding_of(child)
            if binding is None:
                raise CompileError(element_id, f"{local} names no topic for a worker (camunda:topic, "
                                               "zeebe:taskDefinition type, or the property 'topic')")
            if not topic_valid(binding.topic):
                raise CompileError(element_id, f"topic {binding.topic[:80]!r} is not a topic (1 to 255 characters, "
                                               "no spaces)")
        if local in ("userTask", "manualTask", "task", "serviceTask", "sendTask", "subProcess", "callActivity"):
            _check_loop(child, element_id)
        if local == "subProcess":
            _check_element(child, process_id)


def _check_event(event: Any, element_id: str) -> None:
    for definition in event:
        local = _local(definition.tag) if _bpmn(definition.tag) else ""
        if not local.endswith("EventDefinition") and local != "eventDefinitionRef":
            continue
        if local in UNSUPPORTED_REASONS:
            raise CompileError(element_id, UNSUPPORTED_REASONS[local][1])
        if local not in SUPPORTED_EVENT_DEFINITIONS:
            raise CompileError(element_id, f"event definition {local!r} is not supported")
        if local == "timerEventDefinition":
            texts = [c.text for c in definition if _bpmn(c.tag)
                     and _local(c.tag) in ("timeDate", "timeDuration", "timeCycle")]
            if not texts or not (texts[0] or "").strip():
                raise CompileError(element_id, "timer has no date, duration or cycle")
            text = texts[0].strip()
            if not is_iso_literal(text):
                try:
                    check_syntax(text)
                except EvaluationError as exc:
                    raise CompileError(element_id, f"timer {text!r} is neither ISO 8601 nor a valid "
                                                   f"expression: {exc}") from None


def _check_loop(node: Any, element_id: str) -> None:
    for loop in node:
        if not _bpmn(loop.tag) or _local(loop.tag) not in ("multiInstanceLoopCharacteristics",
                                                           "standardLoopCharacteristics"):
            continue
        for part in loop:
            if _bpmn(part.tag) and _local(part.tag) in ("loopCardinality", "completionCondition",
                                                        "loopCondition") and (part.text or "").strip():
                try:
                    check_syntax(part.text.strip())
                except EvaluationError as exc:
                    raise CompileError(element_id, f"{_local(part.tag)} {part.text.strip()!r}: {exc}") from None


def _lanes_of(process: Any) -> dict[str, dict[str, Any]]:
    lanes = {}
    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        lane_id = lane.get("id")
        if lane_id:
            lanes[lane_id] = {"name": lane.get("name"), "properties": read_properties(lane)}
    return lanes


def _normalise(files: dict[str, bytes] | Iterable[bytes]) -> list[tuple[str, bytes]]:
    if isinstance(files, dict):
        return list(files.items())
    if isinstance(files, (bytes, str)):
        return [("document-1.bpmn", files)]  # type: ignore[list-item]
    return [(f"document-{i}.bpmn", content) for i, content in enumerate(files, start=1)]


def compile_process(files: dict[str, bytes] | list[bytes], process_id: str) -> CompiledProcess:
    """Compile ``process_id`` from one or more BPMN documents (those of called processes included)."""
    from .serializer import VERSION, specs_to_dict

    parser = MotcuaBpmnParser()
    nodes: dict[str, Any] = {}
    for name, content in _normalise(files):
        root = _read_document(name, content)
        for proc in root.iter(f"{{{BPMN_NS}}}process"):
            if proc.get("id") in nodes:
                raise CompileError(proc.get("id"), f"duplicate process id in {name}")
            nodes[proc.get("id")] = proc
        _rename_colliding(root)
        set_called_elements(root, BPMN_NS)  # Camunda 8's <zeebe:calledElement processId>
        try:
            parser.add_bpmn_xml(root, name)
        except (ValidationException, SpiffWorkflowException) as exc:
            raise CompileError(designer_id(getattr(exc, "id", None)), f"{name}: {_message(exc)}") from None
        except Exception as exc:
            raise CompileError(None, f"{name}: {type(exc).__name__}: {_message(exc)}") from None
    if process_id not in nodes:
        raise CompileError(process_id, f"no process {process_id!r} in the documents "
                                       f"(found: {', '.join(sorted(nodes)) or 'none'})")

    # Refuse before SpiffWorkflow builds anything: the target and, transitively, what it calls.
    todo, seen = [process_id], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        if pid not in nodes:
            raise CompileError(pid, "called process not found in the documents given")
        _check_element(nodes[pid], pid)
        for call in nodes[pid].iter(f"{{{BPMN_NS}}}callActivity"):
            called = call.get("calledElement")
            if not called:
                raise CompileError(designer_id(call.get("id")), "call activity without calledElement")
            todo.append(called)

    try:
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except (ValidationException, SpiffWorkflowException) as exc:
        raise CompileError(designer_id(getattr(exc, "id", None)) or process_id, _message(exc)) from None
    except CompileError:
        raise
    except (TimerError, EvaluationError) as exc:
        raise CompileError(process_id, str(exc)) from None
    except Exception as exc:
        raise CompileError(process_id, f"{type(exc).__name__}: {_message(exc)}") from None

    _restore_designer_ids([spec, *subprocess_specs.values()])
    spec_dict, sub_dicts = specs_to_dict(spec, subprocess_specs)
    compiled = CompiledProcess(
        process_id=process_id, name=nodes[process_id].get("name"), spec=spec_dict, subprocess_specs=sub_dicts,
        properties=read_properties(nodes[process_id]), lanes=_lanes_of(nodes[process_id]),
        serializer_version=VERSION,
    )
    compiled._restored = (spec, subprocess_specs)
    return compiled


def _message(exc: Exception) -> str:
    msg = getattr(exc, "error_msg", None) or str(exc)
    return designer_text(msg.split("\n")[0])[:500]

