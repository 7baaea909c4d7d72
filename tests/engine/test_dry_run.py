"""Receiving a dossier in memory (``engine.dry_run``): what publishing checks before a clerk may receive."""
from __future__ import annotations

from pathlib import Path

import pytest

from app import engine
from app.engine.dry_run import sample_data
from tests.engine.conftest import T0

PROJECT_DIR = Path(__file__).resolve().parents[2]
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"


def _doc(body: str, pid: str = "p") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="{BPMN}" '
            f'xmlns:camunda="{CAMUNDA}" id="d" targetNamespace="t">\n<bpmn:process id="{pid}" '
            f'isExecutable="true">\n{body}\n</bpmn:process>\n</bpmn:definitions>').encode()


#: A gateway right after the start that reads ``approved``: only a start form can give it.
GATEWAY_FIRST = ('<bpmn:startEvent id="s">{props}</bpmn:startEvent>\n'
                 '<bpmn:exclusiveGateway id="g"/>\n'
                 '<bpmn:userTask id="t_yes"/><bpmn:userTask id="t_no"/><bpmn:endEvent id="e"/>'
                 '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="g"/>'
                 '<bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="t_yes">'
                 '<bpmn:conditionExpression>approved == True</bpmn:conditionExpression></bpmn:sequenceFlow>'
                 '<bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="t_no">'
                 '<bpmn:conditionExpression>approved == False</bpmn:conditionExpression></bpmn:sequenceFlow>'
                 '<bpmn:sequenceFlow id="f4" sourceRef="t_yes" targetRef="e"/>'
                 '<bpmn:sequenceFlow id="f5" sourceRef="t_no" targetRef="e"/>')
START_FORM = ('<bpmn:extensionElements><camunda:properties><camunda:property name="form" value="nhan_ho_so"/>'
              '</camunda:properties></bpmn:extensionElements>')


@pytest.mark.parametrize("key", sorted(p.stem for p in (PROJECT_DIR / "bpmn_models").glob("*.bpmn")))
def test_shipped_procedures_are_received_to_their_first_step(key):
    compiled = engine.compile_process({f"{key}.bpmn": (PROJECT_DIR / "bpmn_models" / f"{key}.bpmn").read_bytes()}, key)
    reception = engine.dry_run(compiled, now=T0, data={"applicant": {"name": "A"}, "dossier_code": "X"})
    assert len(reception.steps) == 1 and reception.steps[0].startswith("Step_")
    assert not reception.completed


def test_reserved_ids_are_received(compiled_of):
    reception = engine.dry_run(compiled_of("reserved_parent", "reserved_parent.bpmn", "reserved_child.bpmn"), now=T0)
    assert (reception.steps, reception.timers) == (["Root"], ["Remind"])


def test_a_gateway_the_start_data_cannot_pass_is_named_with_its_line():
    documents = {"p.bpmn": _doc(GATEWAY_FIRST.format(props=""))}
    with pytest.raises(engine.ReceptionError) as err:
        engine.dry_run(engine.compile_process(documents, "p"), now=T0, documents=documents)
    assert err.value.element_id == "g" and err.value.line == 5
    assert "approved" in err.value.message


def test_the_start_form_gives_the_data_reception_allows():
    documents = {"p.bpmn": _doc(GATEWAY_FIRST.format(props=START_FORM))}
    compiled = engine.compile_process(documents, "p")
    forms = {"nhan_ho_so": {"type": "object", "required": ["approved"],
                            "properties": {"approved": {"type": "boolean", "default": True}}}}
    reception = engine.dry_run(compiled, now=T0, forms=forms)
    assert reception.steps == ["t_yes"] and reception.data == {"approved": True}
    with pytest.raises(engine.ReceptionError):
        engine.dry_run(compiled, now=T0, forms={})  # the form named is not in the version


def test_a_process_that_waits_on_nothing_is_refused():
    # an event-based gateway waiting for an escalation nothing throws: no step, no timer, no end
    body = ('<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="x"/><bpmn:intermediateCatchEvent id="w">'
            '<bpmn:escalationEventDefinition escalationRef="esc"/></bpmn:intermediateCatchEvent>'
            '<bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="x"/>'
            '<bpmn:sequenceFlow id="f2" sourceRef="x" targetRef="w"/>'
            '<bpmn:sequenceFlow id="f3" sourceRef="w" targetRef="e"/>')
    with pytest.raises(engine.ReceptionError, match="waits for no step"):
        engine.dry_run(engine.compile_process([_doc(body)], "p"), now=T0)


def test_a_process_that_ends_at_once_is_received():
    body = '<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/>'
    reception = engine.dry_run(engine.compile_process([_doc(body)], "p"), now=T0)
    assert reception.completed and reception.steps == []


def test_a_multi_instance_over_a_missing_list_is_named():
    body = ('<bpmn:startEvent id="s"/><bpmn:userTask id="each"><bpmn:multiInstanceLoopCharacteristics>'
            '<bpmn:loopDataInputRef>items</bpmn:loopDataInputRef></bpmn:multiInstanceLoopCharacteristics>'
            '</bpmn:userTask><bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="each"/>'
            '<bpmn:sequenceFlow id="f2" sourceRef="each" targetRef="e"/>')
    with pytest.raises(engine.ReceptionError) as err:
        engine.dry_run(engine.compile_process([_doc(body)], "p"), now=T0)
    assert err.value.element_id == "each"


@pytest.mark.parametrize("schema, expected", [
    (None, None),
    ({"type": "object"}, {}),
    ({"type": "object", "required": ["a", "b", "c", "d"], "properties": {
        "a": {"type": "string", "minLength": 2}, "b": {"type": "integer", "minimum": 3},
        "c": {"type": "array", "minItems": 1, "items": {"enum": ["x", "y"]}}, "d": {"type": ["null", "boolean"]},
        "e": {"type": "string"}, "f": {"type": "string", "examples": ["ví dụ"]}}},
     {"a": "xx", "b": 3, "c": ["x"], "d": False, "f": "ví dụ"}),
    ({"type": "object", "required": ["n"], "properties": {"n": {"const": 7}}}, {"n": 7}),
])
def test_sample_data(schema, expected):
    assert sample_data(schema) == expected


def test_sample_data_stops_on_deep_schemas():
    schema: dict = {"type": "object", "required": ["x"], "properties": {}}
    inner = schema
    for _ in range(100):
        inner["properties"]["x"] = {"type": "object", "required": ["x"], "properties": {}}
        inner = inner["properties"]["x"]
    sample_data(schema)  # no RecursionError
