"""Every corpus file over the API: accepted (maybe as documentation) or a 4xx naming the element — never a 500.

Files come from ../shared/bpmn-corpus (see its README for sources and licences: OMG BPMN MIWG test suite,
SpiffWorkflow and spiff-example-cli test data, bpmn-js fixtures).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from app.definitions import dataflow
from app.extensions import db
from app.org.models import Agency
from tests.conftest import SHARED_DIR
from tests.definitions_api.conftest import boolean_form, upload

CORPUS = SHARED_DIR / "bpmn-corpus"
FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in {".bpmn", ".xml"}
               and "hostile" not in p.parts) if CORPUS.is_dir() else []
HOSTILE = sorted((CORPUS / "hostile").glob("*.bpmn")) if CORPUS.is_dir() else []


def _name(path: Path) -> str:
    return str(path.relative_to(CORPUS))


@pytest.mark.parametrize("path", FILES, ids=_name)
def test_corpus_file_accepted_or_refused_with_element(client, designer_headers, path):
    r = upload(client, designer_headers, path.read_bytes())
    assert r.status_code in (201, 422), (r.status_code, r.data[:500])
    body = r.get_json()
    if r.status_code == 201:
        # stored: only the version's data flow may be wrong (forms are added to the draft), never the diagram
        assert {e["code"] for e in body["errors"]} <= dataflow.ISSUE_CODES, body["errors"]
        assert not body["publishable"] or body["errors"] == []
        for issue in body["errors"]:
            assert issue["element_id"] and issue["message"] and issue["message_en"], issue
        return
    assert r.mimetype == "application/problem+json"
    for issue in body["errors"]:
        assert issue.get("element_id") or issue.get("line"), issue
        assert issue["message"] and issue["message_en"]


def test_script_tasks_are_refused_by_name(client, designer_headers, shared_dir):
    data = (shared_dir / "bpmn-corpus/spiffworkflow/example-cli/tutorial-dangerous.bpmn").read_bytes()
    r = upload(client, designer_headers, data)
    assert r.status_code == 422
    refused = {(i["code"], i["element_id"]) for i in r.get_json()["errors"]}
    assert ("unsupported_element", "collect_info") in refused and ("unsupported_element", "end_it") in refused


@pytest.mark.parametrize("path", HOSTILE, ids=_name)
def test_hostile_file_gets_4xx_and_nothing_is_stored(client, designer_headers, path, auth):
    r = upload(client, designer_headers, path.read_bytes())
    assert 400 <= r.status_code < 500, r.status_code
    assert r.mimetype == "application/problem+json"
    assert b"root:" not in r.data  # /etc/passwd never read
    assert client.get("/api/v1/process-definitions", headers=designer_headers).get_json() == []


def test_oversize_upload_is_413(client, designer_headers, app):
    app.config["BPMN_MAX_BYTES"] = 10_000
    r = upload(client, designer_headers, b"<x/>" + b" " * 20_000)
    assert r.status_code == 413 and r.get_json()["code"] == "too_large"


def test_camunda_and_spiff_timer_and_condition_forms_run_through_publish(client, auth, demo, designer_headers, app):
    """Unquoted PT5M (Camunda) and quoted "PT5M" (SpiffWorkflow) timers, ${...} conditions: accepted and compiled."""
    bpmn = b'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" targetNamespace="t" id="d">
  <bpmn:process id="p_timers" name="Th\xe1\xbb\xad timer" isExecutable="true">
    <bpmn:laneSet><bpmn:lane id="L1" name="Ph\xc3\xb2ng XDCQ"><bpmn:extensionElements><camunda:properties>
      <camunda:property name="unit" value="CB-SNV-XDCQ"/></camunda:properties></bpmn:extensionElements>
      <bpmn:flowNodeRef>s</bpmn:flowNodeRef><bpmn:flowNodeRef>t1</bpmn:flowNodeRef><bpmn:flowNodeRef>g</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>t2</bpmn:flowNodeRef><bpmn:flowNodeRef>e</bpmn:flowNodeRef><bpmn:flowNodeRef>b1</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>b2</bpmn:flowNodeRef><bpmn:flowNodeRef>e2</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="s"/>
    <bpmn:userTask id="t1" name="Th\xe1\xba\xa9m \xc4\x91\xe1\xbb\x8bnh"><bpmn:extensionElements><camunda:properties>
      <camunda:property name="timeLimit" value="PT4H"/></camunda:properties></bpmn:extensionElements></bpmn:userTask>
    <bpmn:boundaryEvent id="b1" attachedToRef="t1" cancelActivity="false">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT5M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:boundaryEvent id="b2" attachedToRef="t2" cancelActivity="false">
      <bpmn:timerEventDefinition><bpmn:timeDuration>"PT5M"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:endEvent id="e2"/>
    <bpmn:exclusiveGateway id="g" default="f_no"/>
    <bpmn:userTask id="t2" name="Duy\xe1\xbb\x87t"/>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t1"/>
    <bpmn:sequenceFlow id="f2" sourceRef="t1" targetRef="g"/>
    <bpmn:sequenceFlow id="f_yes" sourceRef="g" targetRef="t2"><bpmn:conditionExpression>${approved}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_no" sourceRef="g" targetRef="e"/>
    <bpmn:sequenceFlow id="f3" sourceRef="t2" targetRef="e"/>
    <bpmn:sequenceFlow id="fb1" sourceRef="b1" targetRef="e2"/>
    <bpmn:sequenceFlow id="fb2" sourceRef="b2" targetRef="e2"/>
  </bpmn:process>
</bpmn:definitions>'''
    # publishing needs a receiving agency: the one of the lane's unit
    with app.app_context():
        agency_id = db.session.query(Agency).filter_by(code="CB-SNV").one().id
    # t1 has no form property: the form named after it is its form (a diagram from another modeler)
    r = upload(client, designer_headers, bpmn, agency_id=agency_id, forms={"t1": boolean_form("approved")})
    assert r.status_code == 201, r.get_json()
    assert client.post("/api/v1/process-definitions/p_timers/versions/1/submit", headers=designer_headers).status_code == 200
    r = client.post("/api/v1/process-definitions/p_timers/versions/1/publish", headers=auth.headers("admin"),
                    json={"decision_number": "1/QĐ", "decision_date": "2026-01-01"})
    assert r.status_code == 200, r.get_json()


def test_python_in_a_condition_is_refused_not_run(client, designer_headers):
    bpmn = b'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="t" id="d">
  <bpmn:process id="p_evil" isExecutable="true">
    <bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g" default="f3"/>
    <bpmn:userTask id="t"/><bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="g"/>
    <bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="t"><bpmn:conditionExpression>__import__('os').system('touch /tmp/pwned')</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="e"/><bpmn:sequenceFlow id="f4" sourceRef="t" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>'''
    r = upload(client, designer_headers, bpmn)
    assert r.status_code == 422
    (issue,) = [i for i in r.get_json()["errors"] if i["element_id"] == "f2"]
    assert issue["code"] == "condition_invalid" and issue["line"] == 7
    assert not Path("/tmp/pwned").exists()
