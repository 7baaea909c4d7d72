"""Draw a step table as a BPMN 2.0 draft that follows ``bpmn-conventions.md`` and opens cleanly in bpmn-js.

What is drawn: one executable process in one participant; one lane per distinct responsible-unit text
(first-appearance order; lane property ``unit`` when the unit code is known); one ``userTask`` per step,
left to right, in its lane's band, with ``timeLimit`` / ``form`` / ``step`` properties; a gateway after
every step that may send the dossier back (``approved == False`` back, ``approved == True`` on). The
diagram interchange is computed here so the layout is deterministic: same table, same bytes.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lxml import etree

from app.authoring.step_table import ProcedureMeta, StepRow, step_limits
from app.authoring.time_text import fold_text, format_time_limit, parse_time_text

__all__ = [
    "FORM_APPRAISAL",
    "FORM_LEADER_REVIEW",
    "FORM_RECEPTION",
    "FORM_RESULT_RETURN",
    "FORM_SIGNING",
    "NS",
    "build_bpmn",
    "default_form",
    "lane_ids",
    "short_name",
]

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "camunda": "http://camunda.org/schema/1.0/bpmn",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
TARGET_NAMESPACE = "https://motcua-flow.vn/bpmn"

FORM_RECEPTION = "tiep_nhan_ho_so"
FORM_APPRAISAL = "tham_dinh_ho_so"
FORM_LEADER_REVIEW = "lanh_dao_xem_xet"
FORM_SIGNING = "ky_ban_hanh"
FORM_RESULT_RETURN = "tra_ket_qua"

# Layout (pixels). One column per flow node, so vertical edge segments never cross another shape.
POOL_X, POOL_Y, POOL_LABEL_W = 160, 80, 30
LANE_H, COL_W, LEFT_PAD = 140, 160, 30
TASK_W, TASK_H, EVENT_D, GATEWAY_D = 110, 80, 36, 50
NAME_MAX = 80


def _q(prefix: str, local: str) -> str:
    return f"{{{NS[prefix]}}}{local}"


def default_form(row: StepRow, index: int, count: int) -> str:
    """The form a step's officer fills in, read from who does it and what it says."""
    who, what = fold_text(row.responsible), fold_text(row.content)
    if index == count - 1 and "tra ket qua" in what:
        return FORM_RESULT_RETURN
    if index == 0:
        return FORM_RECEPTION
    if "van thu" in who or what.startswith("vao so"):
        return FORM_SIGNING
    if who.startswith(("lanh dao", "nguoi dung dau")):
        return FORM_LEADER_REVIEW
    return FORM_APPRAISAL


def short_name(label: str, content: str) -> str:
    """Task name: step label and the content's first clause, cut at a word near :data:`NAME_MAX`."""
    text = " ".join(content.split())
    first = text.split(";")[0].strip()
    if len(first) > NAME_MAX:
        cut = first[:NAME_MAX].rsplit(" ", 1)[0].rstrip(",.:–- ")
        first = cut + "…"
    return f"{label}. {first}"


def _safe_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_") or "x"


def lane_ids(rows: Sequence[StepRow]) -> dict[str, str]:
    """Lane id per distinct responsible text, in first-appearance order (``Lane_1`` …)."""
    lanes: dict[str, str] = {}
    for row in rows:
        lanes.setdefault(row.responsible.strip(), f"Lane_{len(lanes) + 1}")
    return lanes


@dataclass
class _Node:
    id: str
    kind: str  # startEvent | userTask | exclusiveGateway | endEvent
    lane: str
    column: int
    incoming: list[str]
    outgoing: list[str]

    @property
    def size(self) -> tuple[int, int]:
        side = {"userTask": None, "exclusiveGateway": GATEWAY_D}.get(self.kind, EVENT_D)
        return (TASK_W, TASK_H) if side is None else (side, side)


def _properties(parent: etree._Element, props: Mapping[str, str]) -> None:
    ext = etree.SubElement(parent, _q("bpmn", "extensionElements"))
    holder = etree.SubElement(ext, _q("camunda", "properties"))
    for name, value in props.items():
        etree.SubElement(holder, _q("camunda", "property"), name=name, value=value)


def build_bpmn(meta: ProcedureMeta, rows: Sequence[StepRow], *,
               unit_codes: Mapping[str, str] | None = None) -> bytes:
    """The BPMN 2.0 XML (UTF-8) of the table; raises ``StepTableError`` when the table has errors.

    ``unit_codes`` maps a responsible-unit text to the organisation's unit code, written as the lane's
    ``unit`` property so publishing binds the lane without asking.
    """
    limits = step_limits(meta, rows)
    unit_codes = unit_codes or {}
    lanes = lane_ids(rows)
    labels = [row.step for row in rows]

    # Flow nodes, one column each, and sequence flows between them.
    nodes: dict[str, _Node] = {}
    flows: list[tuple[str, str, str, str | None, str | None]] = []  # id, source, target, name, condition
    task_ids: dict[str, str] = {}
    for label in labels:
        base = f"Step_{_safe_id(label)}"
        task_ids[label] = base if base not in task_ids.values() else f"{base}_{len(task_ids) + 1}"

    def add_node(node_id: str, kind: str, lane: str) -> None:
        nodes[node_id] = _Node(node_id, kind, lane, len(nodes), [], [])

    def connect(source: str, target: str, name: str | None = None, condition: str | None = None) -> None:
        flow_id = f"Flow_{len(flows) + 1}"
        flows.append((flow_id, source, target, name, condition))
        nodes[source].outgoing.append(flow_id)
        nodes[target].incoming.append(flow_id)

    add_node("StartEvent_1", "startEvent", lanes[rows[0].responsible.strip()])
    previous = "StartEvent_1"
    pending: tuple[str, str] | None = None  # (gateway id, return target task id) waiting for the next node
    for row in rows:
        task = task_ids[row.step]
        add_node(task, "userTask", lanes[row.responsible.strip()])
        connect(previous, task, *(("Đồng ý", "approved == True") if pending else ()))
        if pending:
            connect(pending[0], pending[1], "Trả lại", "approved == False")
            pending = None
        previous = task
        if row.return_to is not None:
            gateway = f"Gateway_{_safe_id(row.step)}"
            add_node(gateway, "exclusiveGateway", lanes[row.responsible.strip()])
            connect(task, gateway)
            previous, pending = gateway, (gateway, task_ids[str(row.return_to).strip()])
    add_node("EndEvent_1", "endEvent", lanes[rows[-1].responsible.strip()])
    connect(previous, "EndEvent_1", *(("Đồng ý", "approved == True") if pending else ()))
    if pending:
        connect(pending[0], pending[1], "Trả lại", "approved == False")

    # Semantic model.
    root = etree.Element(_q("bpmn", "definitions"), nsmap=NS, attrib={
        "id": f"Definitions_{meta.key}", "targetNamespace": TARGET_NAMESPACE,
        "exporter": "Motcua Flow authoring", "exporterVersion": "1",
    })
    collaboration = etree.SubElement(root, _q("bpmn", "collaboration"), id=f"Collaboration_{meta.key}")
    participant_id = f"Participant_{meta.key}"
    etree.SubElement(collaboration, _q("bpmn", "participant"), id=participant_id, name=meta.name,
                     processRef=meta.key)
    process = etree.SubElement(root, _q("bpmn", "process"), id=meta.key, name=meta.name, isExecutable="true")
    process_doc = "; ".join(p for p in (
        meta.code and f"Mã TTHC {meta.code}",
        meta.decision_number and f"Quyết định {meta.decision_number}" + (
            f" ({meta.decision_date})" if meta.decision_date else ""),
    ) if p)
    if process_doc:
        etree.SubElement(process, _q("bpmn", "documentation")).text = process_doc
    process_props: dict[str, str] = {}
    total = parse_time_text(meta.declared_total, unit=meta.unit)
    if total is not None:
        process_props["totalTimeLimit"] = format_time_limit(total, meta.unit)
    if meta.code:
        process_props["code"] = meta.code
    if process_props:
        _properties(process, process_props)

    lane_set = etree.SubElement(process, _q("bpmn", "laneSet"), id=f"LaneSet_{meta.key}")
    for text, lane_id in lanes.items():
        lane = etree.SubElement(lane_set, _q("bpmn", "lane"), id=lane_id, name=text)
        if text in unit_codes:
            _properties(lane, {"unit": unit_codes[text]})
        for node in nodes.values():
            if node.lane == lane_id:
                etree.SubElement(lane, _q("bpmn", "flowNodeRef")).text = node.id

    rows_by_task = {task_ids[row.step]: (i, row) for i, row in enumerate(rows)}
    for node in nodes.values():
        attrs = {"id": node.id}
        if node.kind == "userTask":
            index, row = rows_by_task[node.id]
            attrs["name"] = short_name(row.step, row.content)
        elif node.kind == "exclusiveGateway":
            attrs["name"] = "Đồng ý?"
        elif node.kind == "startEvent":
            attrs["name"] = "Nhận hồ sơ"
        else:
            attrs["name"] = "Hoàn thành"
        element = etree.SubElement(process, _q("bpmn", node.kind), attrs)
        if node.kind == "userTask":
            etree.SubElement(element, _q("bpmn", "documentation")).text = " ".join(row.content.split())
            props = {"step": row.step}
            if limits[index] is not None:
                props["timeLimit"] = format_time_limit(limits[index], meta.unit)
            props["form"] = row.form or default_form(row, index, len(rows))
            if row.phase:
                props["phase"] = row.phase
            if row.agency:
                props["agency"] = row.agency
            _properties(element, props)
        for flow_id in node.incoming:
            etree.SubElement(element, _q("bpmn", "incoming")).text = flow_id
        for flow_id in node.outgoing:
            etree.SubElement(element, _q("bpmn", "outgoing")).text = flow_id
    for flow_id, source, target, name, condition in flows:
        attrs = {"id": flow_id, "sourceRef": source, "targetRef": target}
        if name:
            attrs["name"] = name
        flow = etree.SubElement(process, _q("bpmn", "sequenceFlow"), attrs)
        if condition:
            expression = etree.SubElement(flow, _q("bpmn", "conditionExpression"),
                                          {_q("xsi", "type"): "bpmn:tFormalExpression"})
            expression.text = condition

    _draw(root, meta, participant_id, lanes, nodes, flows)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _draw(root: etree._Element, meta: ProcedureMeta, participant_id: str, lanes: Mapping[str, str],
          nodes: Mapping[str, _Node], flows: Sequence[tuple[str, str, str, str | None, str | None]]) -> None:
    lane_index = {lane_id: i for i, lane_id in enumerate(lanes.values())}
    lane_x = POOL_X + POOL_LABEL_W
    lane_w = LEFT_PAD * 2 + COL_W * len(nodes)
    pool_h = LANE_H * len(lanes)

    def centre(node: _Node) -> tuple[int, int]:
        return (lane_x + LEFT_PAD + COL_W * node.column + COL_W // 2,
                POOL_Y + LANE_H * lane_index[node.lane] + LANE_H // 2)

    diagram = etree.SubElement(root, _q("bpmndi", "BPMNDiagram"), id=f"BPMNDiagram_{meta.key}")
    plane = etree.SubElement(diagram, _q("bpmndi", "BPMNPlane"), id=f"BPMNPlane_{meta.key}",
                             bpmnElement=f"Collaboration_{meta.key}")

    def shape(element_id: str, x: int, y: int, w: int, h: int, **extra: str) -> None:
        node = etree.SubElement(plane, _q("bpmndi", "BPMNShape"), id=f"{element_id}_di",
                                bpmnElement=element_id, **extra)
        etree.SubElement(node, _q("dc", "Bounds"), x=str(x), y=str(y), width=str(w), height=str(h))

    shape(participant_id, POOL_X, POOL_Y, POOL_LABEL_W + lane_w, pool_h, isHorizontal="true")
    for lane_id, i in lane_index.items():
        shape(lane_id, lane_x, POOL_Y + LANE_H * i, lane_w, LANE_H, isHorizontal="true")
    for node in nodes.values():
        (cx, cy), (w, h) = centre(node), node.size
        extra = {"isMarkerVisible": "true"} if node.kind == "exclusiveGateway" else {}
        shape(node.id, cx - w // 2, cy - h // 2, w, h, **extra)

    for flow_id, source_id, target_id, _name, _condition in flows:
        source, target = nodes[source_id], nodes[target_id]
        (sx, sy), (tx, ty) = centre(source), centre(target)
        if target.column > source.column:
            start, end = (sx + source.size[0] // 2, sy), (tx - target.size[0] // 2, ty)
            if sy == ty:
                points = [start, end]
            else:
                mid = start[0] + (end[0] - start[0]) // 2
                points = [start, (mid, sy), (mid, ty), end]
        else:
            # Back flow: leave the gateway downwards, run under the tasks of its lane, rise into the target.
            route = sy + TASK_H // 2 + 10
            end_y = ty - TASK_H // 2 if ty > sy else ty + TASK_H // 2
            points = [(sx, sy + source.size[1] // 2), (sx, route), (tx, route), (tx, end_y)]
        edge = etree.SubElement(plane, _q("bpmndi", "BPMNEdge"), id=f"{flow_id}_di", bpmnElement=flow_id)
        for x, y in points:
            etree.SubElement(edge, _q("di", "waypoint"), x=str(x), y=str(y))
