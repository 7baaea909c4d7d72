"""What other modelers write, read as their engines mean it, through the safe evaluator only: Camunda 8 FEEL
conditions, JUEL method calls refused naming the element, timers read from dossier data, and the topics of
service tasks written for Camunda 7, Camunda 8 and Java delegation."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from app import engine
from app.engine.evaluator import EvaluationError, check_syntax, evaluate

DATA = Path(__file__).parent / "data"
NOW = datetime(2026, 3, 2, 1, tzinfo=timezone.utc)
NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
      'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"')


def _doc(body: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions {NS} id="D" targetNamespace="x">'
            f'<bpmn:process id="p" isExecutable="true">{body}</bpmn:process></bpmn:definitions>').encode()


@pytest.mark.parametrize(("text", "data", "expected"), [
    ("= approved = true", {"approved": True}, True),
    ("=amount > 100", {"amount": 100}, False),
    ("=amount >= 100 and not(urgent)", {"amount": 100, "urgent": False}, True),
    ('= ho_so.loai = "A" or ho_so.loai = "B"', {"ho_so": {"loai": "B"}}, True),
    ("= x != null", {"x": None}, False),
    ("#{!approved}", {"approved": False}, True),  # JUEL's deferred form, as Camunda 7's examples write it
])
def test_feel_conditions(text, data, expected):
    check_syntax(text)
    assert evaluate(text, data) is expected


@pytest.mark.parametrize("text", ['${execution.getVariable("x")}', "= a.b()", "= x in [1..5]",
                                  "= __import__", "${bean.run(execution)}"])
def test_calls_and_unknown_syntax_are_refused(text):
    with pytest.raises(EvaluationError):
        check_syntax(text)


def test_a_method_call_in_a_condition_is_refused_naming_the_flow():
    body = ('<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g"/><bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>'
            '<bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="g"/>'
            '<bpmn:sequenceFlow id="f_goi_ham" sourceRef="g" targetRef="e1"><bpmn:conditionExpression>'
            '${execution.getVariable("duyet")}</bpmn:conditionExpression></bpmn:sequenceFlow>'
            '<bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="e2"/>')
    with pytest.raises(engine.CompileError) as err:
        engine.compile_process([_doc(body)], "p")
    assert err.value.element_id == "f_goi_ham" and "getVariable" in err.value.message


def test_a_zeebe_process_with_feel_conditions_runs():
    body = ('<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g" default="f_no"/>'
            '<bpmn:userTask id="yes"/><bpmn:userTask id="no"/><bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>'
            '<bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="g"/>'
            '<bpmn:sequenceFlow id="f_yes" sourceRef="g" targetRef="yes"><bpmn:conditionExpression>'
            '=so_tien &gt; 100</bpmn:conditionExpression></bpmn:sequenceFlow>'
            '<bpmn:sequenceFlow id="f_no" sourceRef="g" targetRef="no"/>'
            '<bpmn:sequenceFlow id="f1" sourceRef="yes" targetRef="e"/><bpmn:sequenceFlow id="f2" sourceRef="no" targetRef="e2"/>')
    compiled = engine.compile_process([_doc(body)], "p")
    assert [s.spec_id for s in engine.ready_steps(engine.start(compiled, {"so_tien": 150}, now=NOW))] == ["yes"]
    assert [s.spec_id for s in engine.ready_steps(engine.start(compiled, {"so_tien": 50}, now=NOW))] == ["no"]


def test_timers_read_their_date_and_duration_from_the_dossier_data():
    compiled = engine.compile_process([(DATA / "timers_from_data.bpmn").read_bytes()], "p")
    wf = engine.start(compiled, {"han_xu_ly": "2026-03-05T08:00:00+07:00", "cho": "PT2H"}, now=NOW)
    assert [t.due_at for t in engine.waiting_timers(wf)] == [datetime(2026, 3, 5, 1, tzinfo=timezone.utc)]
    engine.fire_due_timers(wf, now=datetime(2026, 3, 5, 1, tzinfo=timezone.utc))
    assert [t.due_at for t in engine.waiting_timers(wf)] == [datetime(2026, 3, 5, 3, tzinfo=timezone.utc)]


@pytest.mark.parametrize(("attributes", "extension", "topic"), [
    ('camunda:type="external" camunda:topic="csdl-dan-cu"', "", "csdl-dan-cu"),
    ("", '<zeebe:taskDefinition type="payment-service"/>', "payment-service"),
    ("", '<camunda:properties><camunda:property name="topic" value="own"/></camunda:properties>', "own"),
    ("", '<zeebe:properties><zeebe:property name="topic" value="own-8"/></zeebe:properties>', "own-8"),
    ('camunda:class="com.acme.Mailer"', "", "com.acme.Mailer"),
    ('camunda:delegateExpression="${mailer}"', "", "mailer"),
    ('camunda:expression="${mailer.send(execution)}"', "", "mailer.send"),
    ("", "<camunda:connector><camunda:connectorId>http-connector</camunda:connectorId></camunda:connector>",
     "http-connector"),
    ("", '<spiffworkflow:serviceTaskOperator id="http/GetRequest"><spiffworkflow:parameters>'
         '<spiffworkflow:parameter id="url" type="str" value="__import__(\'os\')"/></spiffworkflow:parameters>'
         '</spiffworkflow:serviceTaskOperator>', "http/GetRequest"),
])
def test_service_task_topics_as_each_modeler_writes_them(attributes, extension, topic):
    ext = f"<bpmn:extensionElements>{extension}</bpmn:extensionElements>" if extension else ""
    body = (f'<bpmn:startEvent id="s"/><bpmn:serviceTask id="t" {attributes}>{ext}</bpmn:serviceTask>'
            '<bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
            '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>')
    wf = engine.start(engine.compile_process([_doc(body)], "p"), {}, now=NOW)
    assert [(s.spec_id, s.topic) for s in engine.ready_steps(wf)] == [("t", topic)]


def test_a_camunda_8_call_activity_calls_the_process_its_zeebe_element_names():
    doc = (f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions {NS} id="D" targetNamespace="x">'
           '<bpmn:process id="cha" isExecutable="true"><bpmn:startEvent id="s"/>'
           '<bpmn:callActivity id="goi"><bpmn:extensionElements><zeebe:calledElement processId="con" '
           'propagateAllChildVariables="false"/></bpmn:extensionElements></bpmn:callActivity><bpmn:endEvent id="e"/>'
           '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="goi"/><bpmn:sequenceFlow id="f2" sourceRef="goi" '
           'targetRef="e"/></bpmn:process>'
           '<bpmn:process id="con" isExecutable="true"><bpmn:startEvent id="s2"/><bpmn:userTask id="buoc_con"/>'
           '<bpmn:endEvent id="e2"/><bpmn:sequenceFlow id="g1" sourceRef="s2" targetRef="buoc_con"/>'
           '<bpmn:sequenceFlow id="g2" sourceRef="buoc_con" targetRef="e2"/></bpmn:process></bpmn:definitions>')
    wf = engine.start(engine.compile_process([doc.encode()], "cha"), {}, now=NOW)
    assert [s.spec_id for s in engine.ready_steps(wf)] == ["buoc_con"]
