"""Each real step table becomes a BPMN draft that matches it exactly, validates, runs and lays out cleanly."""
from __future__ import annotations

import importlib.util
import json
from itertools import pairwise
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.util.task import TaskState

from app.authoring.bpmn_writer import NS, build_bpmn
from app.authoring.step_table import ProcedureMeta, StepRow, StepTableError
from app.authoring.time_text import format_time_limit, parse_time_text

PROJECT_DIR = Path(__file__).resolve().parents[2]
XSD_PATH = Path(etree.__file__).parent.parent / "SpiffWorkflow/bpmn/parser/schema/BPMN20.xsd"


def _load_generator():
    spec = importlib.util.spec_from_file_location("build_shipped", PROJECT_DIR / "processes" / "build_shipped.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATOR = _load_generator()
CASE_IDS = list(GENERATOR.SHIPPED)


@pytest.fixture(scope="module")
def xsd():
    return etree.XMLSchema(etree.parse(str(XSD_PATH), etree.XMLParser(no_network=True)))


@pytest.fixture(scope="module")
def cases(shared_dir):
    data = json.loads((shared_dir / "procedures" / "cases.json").read_text("utf-8"))
    return {case["id"]: case for case in data["cases"]}


@pytest.fixture(params=CASE_IDS)
def drawn(request, cases):
    meta, rows, units = GENERATOR.table_of(cases[request.param])
    xml = build_bpmn(meta, rows, unit_codes=units)
    return request.param, cases[request.param], meta, rows, units, xml


def _props(element) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in element.iterfind("bpmn:extensionElements/camunda:properties/"
                                                                     "camunda:property", NS)}


def _run(xml: bytes, key: str, reject_once: str | None = None) -> list[str]:
    """Run the process, completing every ready user task; ``reject_once`` answers ``approved=False`` once."""
    parser = CamundaParser()
    parser.add_bpmn_str(xml)
    workflow = BpmnWorkflow(parser.get_spec(key))
    workflow.do_engine_steps()
    visited: list[str] = []
    while not workflow.is_completed():
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        assert len(ready) == 1, "the draft is a single path"
        task = ready[0]
        visited.append(task.task_spec.extensions["step"])
        approved = not (visited[-1] == reject_once and visited.count(reject_once) == 1)
        task.data.update({"approved": approved})
        task.run()
        workflow.do_engine_steps()
        assert len(visited) < 100
    return visited


def test_lanes_steps_and_totals_match_the_table(drawn):
    _case_id, case, meta, _rows, units, xml = drawn
    root = etree.fromstring(xml)
    process = root.find("bpmn:process", NS)
    assert (process.get("id"), process.get("name"), process.get("isExecutable")) == (meta.key, meta.name, "true")
    assert len(root.findall("bpmn:process", NS)) == 1
    assert len(root.findall("bpmn:collaboration/bpmn:participant", NS)) == 1

    texts = list(dict.fromkeys(step["responsible"] for step in case["steps"]))
    lanes = process.findall("bpmn:laneSet/bpmn:lane", NS)
    assert [lane.get("name") for lane in lanes] == texts
    assert [_props(lane)["unit"] for lane in lanes] == [units[text] for text in texts]

    tasks = process.findall("bpmn:userTask", NS)
    assert [_props(t)["step"] for t in tasks] == [str(step["step"]) for step in case["steps"]]
    lane_of = {ref.text: lane.get("name") for lane in lanes for ref in lane.iterfind("bpmn:flowNodeRef", NS)}
    for task, step in zip(tasks, case["steps"], strict=False):
        assert task.find("bpmn:documentation", NS).text == step["content"]
        assert task.get("name").startswith(f"{step['step']}. ")
        assert len(task.get("name")) <= 100
        assert lane_of[task.get("id")] == step["responsible"]
        limit = parse_time_text(step["time"], unit=case["unit"])
        assert _props(task).get("timeLimit") == (None if limit is None else format_time_limit(limit, case["unit"]))
        assert _props(task)["form"] in GENERATOR.FORMS
    declared = parse_time_text(case["declared_total"], unit=case["unit"])
    assert _props(process)["totalTimeLimit"] == format_time_limit(declared, case["unit"])


def test_time_limits_are_written_in_the_tables_unit(cases):
    meta, rows, units = GENERATOR.table_of(cases["CB-2028-2025-TNXP-thanhlap"])
    root = etree.fromstring(build_bpmn(meta, rows, unit_codes=units))
    limits = [_props(t).get("timeLimit") for t in root.iterfind(".//bpmn:userTask", NS)]
    assert limits == ["P0.5D", "P0.5D", "P4D", "P1D", "P0.5D", "P4D", None]
    assert _props(root.find("bpmn:process", NS))["totalTimeLimit"] == "P10.5D"
    meta, rows, units = GENERATOR.table_of(cases["NA-3857-2025"])
    root = etree.fromstring(build_bpmn(meta, rows, unit_codes=units))
    assert [_props(t).get("timeLimit") for t in root.iterfind(".//bpmn:userTask", NS)] == [
        "PT4H", "PT4H", "PT112H", "PT24H", "PT16H", "PT8H", None]
    assert _props(root.find("bpmn:process", NS))["totalTimeLimit"] == "PT168H"


def test_validates_against_the_bpmn_xsd(drawn, xsd):
    xml = drawn[-1]
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert xsd.validate(etree.fromstring(xml)), xsd.error_log


def test_loads_in_spiffworkflow_and_runs_end_to_end(drawn):
    _case_id, case, meta, _rows, _units, xml = drawn
    assert _run(xml, meta.key) == [str(step["step"]) for step in case["steps"]]


@pytest.mark.parametrize(("case_id", "review", "back_to"), [
    ("NA-3857-2025", "4", "3"), ("CB-2028-2025-TNXP-thanhlap", "4", "3")])
def test_a_leader_can_send_the_dossier_back(cases, case_id, review, back_to):
    meta, rows, units = GENERATOR.table_of(cases[case_id])
    xml = build_bpmn(meta, rows, unit_codes=units)
    root = etree.fromstring(xml)
    flows = {f.get("id"): f for f in root.iterfind(".//bpmn:sequenceFlow", NS)}
    gateway = root.find(f".//bpmn:exclusiveGateway[@id='Gateway_{review}']", NS)
    conditions = {flows[o.text].findtext("bpmn:conditionExpression", namespaces=NS): flows[o.text].get("targetRef")
                  for o in gateway.iterfind("bpmn:outgoing", NS)}
    assert conditions == {"approved == False": f"Step_{back_to}", "approved == True": f"Step_{int(review) + 1}"}
    visited = _run(xml, meta.key, reject_once=review)
    labels = [row.step for row in rows]
    position = labels.index(review)
    assert visited == labels[:position + 1] + [back_to, review] + labels[position + 1:]


def _bounds(plane):
    found = {}
    for shape in plane.iterfind("bpmndi:BPMNShape", NS):
        b = shape.find("dc:Bounds", NS)
        found[shape.get("bpmnElement")] = tuple(int(b.get(k)) for k in ("x", "y", "width", "height"))
    return found


def _overlap(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def test_diagram_is_complete_and_clean(drawn):
    root = etree.fromstring(drawn[-1])
    process = root.find("bpmn:process", NS)
    plane = root.find("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)
    assert plane.get("bpmnElement") == root.find("bpmn:collaboration", NS).get("id")
    bounds = _bounds(plane)
    participant = root.find("bpmn:collaboration/bpmn:participant", NS).get("id")
    lanes = process.findall("bpmn:laneSet/bpmn:lane", NS)
    nodes = [el for el in process if el.tag.split("}")[1] in
             ("startEvent", "endEvent", "userTask", "exclusiveGateway")]
    assert set(bounds) == {participant, *(lane.get("id") for lane in lanes), *(n.get("id") for n in nodes)}
    for shape in plane.iterfind("bpmndi:BPMNShape", NS):
        if shape.get("bpmnElement") == participant or shape.get("bpmnElement") in {lane.get("id") for lane in lanes}:
            assert shape.get("isHorizontal") == "true"

    pool = bounds[participant]
    lane_boxes = [bounds[lane.get("id")] for lane in lanes]
    for above, below in pairwise(lane_boxes):  # stacked vertically, same width, no gap
        assert below[1] == above[1] + above[3] and below[0] == above[0] and below[2] == above[2]
    assert lane_boxes[0][1] == pool[1] and lane_boxes[-1][1] + lane_boxes[-1][3] == pool[1] + pool[3]

    node_boxes = {n.get("id"): bounds[n.get("id")] for n in nodes}
    ids = list(node_boxes)
    for i, first in enumerate(ids):
        for second in ids[i + 1:]:
            assert not _overlap(node_boxes[first], node_boxes[second]), (first, second)
    for lane in lanes:
        band = bounds[lane.get("id")]
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            x, y, w, h = node_boxes[ref.text]
            assert band[0] <= x and x + w <= band[0] + band[2] and band[1] <= y and y + h <= band[1] + band[3]
    tasks = [n for n in nodes if n.tag.endswith("userTask")]
    xs = [node_boxes[t.get("id")][0] for t in tasks]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)  # left to right in step order

    flows = process.findall("bpmn:sequenceFlow", NS)
    edges = {e.get("bpmnElement"): e for e in plane.iterfind("bpmndi:BPMNEdge", NS)}
    assert set(edges) == {f.get("id") for f in flows}
    for flow in flows:
        points = [(int(p.get("x")), int(p.get("y"))) for p in edges[flow.get("id")].iterfind("di:waypoint", NS)]
        assert len(points) >= 2
        for (x1, y1), (x2, y2) in pairwise(points):
            assert x1 == x2 or y1 == y2, "orthogonal segments"

        def on_border(point, box):
            x, y, w, h = box
            return (x <= point[0] <= x + w and y <= point[1] <= y + h
                    and (point[0] in (x, x + w) or point[1] in (y, y + h)))

        assert on_border(points[0], node_boxes[flow.get("sourceRef")])
        assert on_border(points[-1], node_boxes[flow.get("targetRef")])


def test_vietnamese_is_kept_exactly_in_utf8(drawn):
    _case_id, case, *_rest, xml = drawn
    text = xml.decode("utf-8")
    for step in case["steps"]:
        assert step["responsible"].replace("&", "&amp;") in text


def test_refuses_a_table_with_errors():
    meta = ProcedureMeta(key="thu_tuc", name="Thủ tục", unit="day")
    with pytest.raises(StepTableError, match="bad_time"):
        build_bpmn(meta, [StepRow(1, "Văn thư", "Vào sổ", "abc")])


def test_same_table_same_bytes(cases):
    meta, rows, units = GENERATOR.table_of(cases["CB-2022-2025-QT17"])
    assert build_bpmn(meta, rows, unit_codes=units) == build_bpmn(meta, rows, unit_codes=units)
