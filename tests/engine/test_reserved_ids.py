"""Any valid BPMN id runs, SpiffWorkflow's own task spec names (``Start``, ``End``, ``Root``…) included.

The designer's ids are what every view shows; inside the engine a colliding element has another name.
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from app import engine

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def _doc(body: str, pid: str = "p", lanes: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="{BPMN}" id="d" '
            f'targetNamespace="t">\n<bpmn:process id="{pid}" isExecutable="true">\n{lanes}{body}\n'
            f'</bpmn:process>\n</bpmn:definitions>').encode()


def _linear(start: str, task: str, end: str, lane: bool = False) -> bytes:
    lanes = ""
    if lane:
        refs = "".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in (start, task, end))
        lanes = f'<bpmn:laneSet id="ls"><bpmn:lane id="L1" name="Một cửa">{refs}</bpmn:lane></bpmn:laneSet>\n'
    return _doc(f'<bpmn:startEvent id="{start}"/><bpmn:userTask id="{task}" name="Bước"/>'
                f'<bpmn:endEvent id="{end}"/>'
                f'<bpmn:sequenceFlow id="f1" sourceRef="{start}" targetRef="{task}"/>'
                f'<bpmn:sequenceFlow id="f2" sourceRef="{task}" targetRef="{end}"/>', lanes=lanes)


def _cached(files, process_id: str = "p") -> engine.CompiledProcess:
    """Through the JSON cache form, as a published version is read back (the serializer drops ``Root``)."""
    return engine.CompiledProcess.from_json(engine.compile_process(files, process_id).to_json())


# Each of the three names as the id of a start event, a step and an end event.
ROLES = [("Start", "Root", "End"), ("Root", "End", "Start"), ("End", "Start", "Root"),
         ("StartEventSplit", "p.EndJoin", "StartEventJoin")]


@pytest.mark.parametrize("start, task, end", ROLES)
def test_reserved_ids_as_start_step_and_end(start, task, end, dossier):
    d = dossier(_cached([_linear(start, task, end, lane=True)]))
    (step,) = d.steps()
    assert (step.spec_id, step.name, step.lane_id, step.process_id) == (task, "Bước", "L1", "p")
    d.complete(task)
    assert engine.is_completed(d.wf)
    assert d.done == [task]


def test_a_call_activity_s_process_with_reserved_ids(compiled_of, dossier, clock):
    d = dossier(compiled_of("reserved_parent", "reserved_parent.bpmn", "reserved_child.bpmn"))
    (step,) = d.steps()
    assert (step.spec_id, step.process_id, step.properties["timeLimit"]) == ("Root", "reserved_parent", "PT4H")
    (timer,) = engine.waiting_timers(d.wf)
    assert (timer.spec_id, timer.attached_to, timer.kind) == ("Remind", "Root", "boundary")
    clock.advance(timedelta(hours=1))
    assert d.fire()
    d.complete("Root")
    (step,) = d.steps()
    assert (step.spec_id, step.process_id, step.name) == ("Start", "reserved_child", "Thẩm định liên thông")
    d.complete("Start")
    assert engine.is_completed(d.wf)


def test_reserved_ids_in_an_embedded_subprocess_and_a_boundary_event(dossier):
    body = ('<bpmn:startEvent id="s"/>'
            '<bpmn:subProcess id="Root"><bpmn:startEvent id="Start"/><bpmn:userTask id="End" name="Bên trong"/>'
            '<bpmn:endEvent id="e_in"/><bpmn:sequenceFlow id="i1" sourceRef="Start" targetRef="End"/>'
            '<bpmn:sequenceFlow id="i2" sourceRef="End" targetRef="e_in"/></bpmn:subProcess>'
            '<bpmn:boundaryEvent id="Root.BoundaryEventJoin" attachedToRef="Root" cancelActivity="false">'
            '<bpmn:timerEventDefinition><bpmn:timeDuration>PT5M</bpmn:timeDuration></bpmn:timerEventDefinition>'
            '</bpmn:boundaryEvent><bpmn:endEvent id="after_timer"/><bpmn:endEvent id="e"/>'
            '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="Root"/>'
            '<bpmn:sequenceFlow id="f2" sourceRef="Root" targetRef="e"/>'
            '<bpmn:sequenceFlow id="f3" sourceRef="Root.BoundaryEventJoin" targetRef="after_timer"/>')
    d = dossier(_cached([_doc(body)]))
    (step,) = d.steps()
    assert (step.spec_id, step.process_id) == ("End", "Root")
    (timer,) = engine.waiting_timers(d.wf)
    assert (timer.spec_id, timer.attached_to) == ("Root.BoundaryEventJoin", "Root")
    d.complete("End")
    assert engine.is_completed(d.wf)


def test_errors_name_the_designer_s_id():
    # at compile: an unsupported element called End
    body = ('<bpmn:startEvent id="s"/><bpmn:scriptTask id="End"/><bpmn:endEvent id="e"/>'
            '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="End"/>'
            '<bpmn:sequenceFlow id="f2" sourceRef="End" targetRef="e"/>')
    with pytest.raises(engine.CompileError) as err:
        engine.compile_process([_doc(body)], "p")
    assert err.value.element_id == "End" and "[bpmn]" not in str(err.value)


def test_a_failing_gateway_called_root_is_named_root(dossier):
    body = ('<bpmn:startEvent id="Start"/><bpmn:userTask id="t"/><bpmn:exclusiveGateway id="Root"/>'
            '<bpmn:endEvent id="End"/><bpmn:endEvent id="e2"/>'
            '<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="t"/>'
            '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="Root"/>'
            '<bpmn:sequenceFlow id="f3" sourceRef="Root" targetRef="End">'
            '<bpmn:conditionExpression>approved == True</bpmn:conditionExpression></bpmn:sequenceFlow>'
            '<bpmn:sequenceFlow id="f4" sourceRef="Root" targetRef="e2">'
            '<bpmn:conditionExpression>approved == False</bpmn:conditionExpression></bpmn:sequenceFlow>')
    d = dossier(_cached([_doc(body)]))
    with pytest.raises(engine.ConditionError) as err:
        d.complete("t")
    assert err.value.spec_id == "Root" and "[bpmn]" not in str(err.value)
    d.complete("t", {"approved": True})
    assert engine.is_completed(d.wf)


def test_diagrams_without_colliding_ids_compile_as_before(compiled_of):
    """Only colliding ids are renamed: the specs (hence saved states) of existing procedures do not change."""
    compiled = compiled_of("linear", "linear.bpmn")
    text = compiled.to_json()
    assert "[bpmn]" not in text
    names = set(json.loads(text)["spec"]["task_specs"])
    assert {"Start", "End", "linear.EndJoin"} <= names
    renamed = _cached([_linear("Start", "Root", "End")])
    assert {"Start [bpmn]", "Root [bpmn]", "End [bpmn]"} <= set(json.loads(renamed.to_json())["spec"]["task_specs"])
