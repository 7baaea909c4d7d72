"""Publishable means a clerk can receive a dossier (issue #15, item 1), over the API.

Designers' ids ``Start``, ``End`` and ``Root`` (SpiffWorkflow's own task spec names) upload, publish, are
received and run to the end, showing the designer's ids; publishing receives one dossier in memory first
and refuses, naming the element, what a reception could not do; and a procedure with no receiving agency
is refused at publish instead of answering 409 to every clerk.
"""
from __future__ import annotations

from pathlib import Path

from app.extensions import db
from app.org.models import Agency
from tests.definitions_api.conftest import upload
from tests.dossiers.flow import CLERK, Flow

DATA = Path(__file__).resolve().parents[1] / "engine" / "data"
UNIT = "NA-HN-TTPVHCC-MC"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"


def _agency_id(app, code: str = "NA-HN") -> int:
    with app.app_context():
        return db.session.query(Agency).filter_by(code=code).one().id


def _submit_and_publish(client, admin, key: str, version: int = 1, bindings: dict | None = None):
    r = client.post(f"/api/v1/process-definitions/{key}/versions/{version}/submit", headers=admin)
    assert r.status_code == 200, r.get_json()
    return client.post(f"/api/v1/process-definitions/{key}/versions/{version}/publish", headers=admin,
                       json={"decision_number": "15/QĐ", "decision_date": "2026-03-01",
                             "lane_bindings": {"*": UNIT} if bindings is None else bindings})


def _doc(pid: str, body: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="{BPMN}" xmlns:camunda="{CAMUNDA}" id="d_{pid}" '
            f'targetNamespace="t">\n<bpmn:process id="{pid}" isExecutable="true">\n{body}\n'
            f'</bpmn:process>\n</bpmn:definitions>').encode()


#: Line 5 of the document: a gateway right after the start (or after a call) reading ``fee``, which the
#: start form ``don`` declares (so static reading accepts it) and whose sample value (0) no branch takes.
GATEWAY = ('<bpmn:exclusiveGateway id="g"/>\n'
           '<bpmn:userTask id="t_yes"/><bpmn:endEvent id="e"/>'
           '<bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="t_yes">'
           '<bpmn:conditionExpression>fee &gt; 100</bpmn:conditionExpression></bpmn:sequenceFlow>'
           '<bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="e">'
           '<bpmn:conditionExpression>fee &lt; 0</bpmn:conditionExpression></bpmn:sequenceFlow>'
           '<bpmn:sequenceFlow id="f4" sourceRef="t_yes" targetRef="e"/>')
START = ('<bpmn:startEvent id="s"><bpmn:extensionElements><camunda:properties><camunda:property name="form" '
         'value="don"/></camunda:properties></bpmn:extensionElements></bpmn:startEvent>')
FORMS = {"don": {"type": "object", "required": ["fee"], "properties": {"fee": {"type": "number"}}}}


def test_a_start_event_called_start_is_received(client, auth, demo, clock, app):
    """The issue's case: it validated, published, and then every reception answered 500."""
    admin, flow = auth.headers("admin"), Flow(client, clock)
    data = _doc("start_called_start", '<bpmn:startEvent id="Start"/><bpmn:userTask id="t" name="Tiếp nhận"/>'
                '<bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="t"/>'
                '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>')
    r = upload(client, admin, data, agency_id=_agency_id(app))
    assert r.status_code == 201 and r.get_json()["errors"] == [] and r.get_json()["publishable"] is True
    assert _submit_and_publish(client, admin, "start_called_start").status_code == 200
    receipt = flow.start("start_called_start")
    assert [s["spec_id"] for s in receipt["current_steps"]] == ["t"]


def test_reserved_ids_upload_publish_receive_and_run_to_the_end(client, auth, demo, clock, app):
    admin, flow = auth.headers("admin"), Flow(client, clock)
    agency_id = _agency_id(app)
    for key in ("reserved_child", "reserved_parent"):  # the called procedure is published first
        r = upload(client, admin, (DATA / f"{key}.bpmn").read_bytes(), agency_id=agency_id)
        assert r.status_code == 201, r.get_json()
        body = r.get_json()
        assert body["errors"] == [] and body["publishable"] is True
        r = _submit_and_publish(client, admin, key)
        assert r.status_code == 200, r.get_json()
    assert [s["id"] for s in body["steps"]] == ["Root"]

    receipt = flow.start("reserved_parent")
    (step,) = receipt["current_steps"]
    assert (step["spec_id"], step["name"], step["unit"]["code"]) == ("Root", "Tiếp nhận hồ sơ", UNIT)
    assert flow.dossier(receipt["id"])["status"] == "received"
    (step,) = flow.complete(step["id"], CLERK, {"checked": True})["next_steps"]
    assert (step["spec_id"], step["name"]) == ("Start", "Thẩm định liên thông")  # inside the called process
    assert flow.complete(step["id"], CLERK, {})["next_steps"] == []

    dossier = flow.dossier(receipt["id"])
    assert dossier["status"] == "finished" and dossier["incident"] is None
    assert [s["spec_id"] for s in dossier["past_steps"]] == ["Root", "Start"]
    r = client.get(f"/api/v1/dossiers/{receipt['id']}/control-sheet", headers=flow.h(CLERK))
    assert r.status_code == 200, r.get_json()
    assert [row["step"] for row in r.get_json()["rows"][1:]] == ["Root", "Start"]


def test_a_procedure_without_receiving_agency_is_refused_at_publish(client, auth, demo, clock, app):
    admin, flow = auth.headers("admin"), Flow(client, clock)
    data = _doc("no_agency", '<bpmn:startEvent id="s"/><bpmn:userTask id="t"/><bpmn:endEvent id="e"/>'
                '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
                '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>')
    assert upload(client, admin, data).status_code == 201  # no agency_id: nobody would receive it
    r = _submit_and_publish(client, admin, "no_agency")
    assert r.status_code == 409, r.get_json()
    body = r.get_json()
    assert body["code"] == "procedure_without_agency" and "agency_id" in body["errors"]
    assert flow.start("no_agency", expect=409)["code"] == "procedure_not_available"  # still unpublished
    # the amendment that names the agency publishes, and its dossiers are received
    assert upload(client, admin, data, agency_id=_agency_id(app)).status_code == 201
    assert _submit_and_publish(client, admin, "no_agency", version=2).status_code == 200
    assert [s["spec_id"] for s in flow.start("no_agency")["current_steps"]] == ["t"]


def test_an_upload_a_clerk_could_not_receive_is_refused_with_element_and_line(client, auth, demo):
    """Static reading (dataflow.py) finds what it can; the dry run catches what only running shows."""
    data = _doc("gateway_first", f'{START}<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="g"/>\n{GATEWAY}')
    r = upload(client, auth.headers("admin"), data, forms=FORMS)
    assert r.status_code == 422, r.get_json()
    body = r.get_json()
    assert body["code"] == "reception_failed"
    (issue,) = body["errors"]
    assert (issue["element_id"], issue["line"]) == ("g", 5) and issue["message"] and issue["message_en"]


def test_publish_receives_a_dossier_with_the_called_procedure_it_will_run(client, auth, demo, app):
    """The parent's check waits for its called procedure; publishing runs them together and refuses."""
    admin, agency_id = auth.headers("admin"), _agency_id(app)
    parent = _doc("calls_then_decides", f'{START}<bpmn:callActivity id="c" calledElement="quick"/>'
                  '<bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="c"/>'
                  f'<bpmn:sequenceFlow id="f1" sourceRef="c" targetRef="g"/>\n{GATEWAY}')
    r = upload(client, admin, parent, agency_id=agency_id, forms=FORMS)
    assert r.status_code == 201 and r.get_json()["publishable"] is True  # "quick" is not published yet
    quick = _doc("quick", '<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>'
                 '<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/>')
    assert upload(client, admin, quick, agency_id=agency_id).status_code == 201
    assert _submit_and_publish(client, admin, "quick", bindings={}).status_code == 200  # no step, no lane
    r = _submit_and_publish(client, admin, "calls_then_decides")
    assert r.status_code == 422, r.get_json()
    body = r.get_json()
    assert body["code"] == "reception_failed"
    assert (body["errors"][0]["element_id"], body["errors"][0]["line"]) == ("g", 5)
    version = client.get("/api/v1/process-definitions/calls_then_decides/versions/1", headers=admin).get_json()
    assert version["status"] == "in_review"  # nothing published


def _with_lane(pid: str, lane: str, nodes: list[str], body: str) -> bytes:
    refs = "".join(f"<bpmn:flowNodeRef>{node}</bpmn:flowNodeRef>" for node in nodes)
    return _doc(pid, f'<bpmn:laneSet id="ls_{pid}"><bpmn:lane id="{lane}" name="Làn {lane}">{refs}</bpmn:lane>'
                     f'</bpmn:laneSet>{body}')


def test_a_called_procedures_steps_go_to_the_unit_its_own_publication_bound(client, auth, demo, clock, app):
    """A call activity's steps are worked by the unit the called procedure bound to their lane, not by nobody."""
    admin, flow, agency_id = auth.headers("admin"), Flow(client, clock), _agency_id(app)
    child = _with_lane("tham_dinh_con", "LC", ["cs", "ct", "ce"],
                       '<bpmn:startEvent id="cs"/><bpmn:userTask id="ct" name="Thẩm định ở phòng"/>'
                       '<bpmn:endEvent id="ce"/><bpmn:sequenceFlow id="cf1" sourceRef="cs" targetRef="ct"/>'
                       '<bpmn:sequenceFlow id="cf2" sourceRef="ct" targetRef="ce"/>')
    parent = _with_lane("tiep_nhan_cha", "LP", ["ps", "pt", "pc", "pe"],
                        '<bpmn:startEvent id="ps"/><bpmn:userTask id="pt" name="Tiếp nhận"/>'
                        '<bpmn:callActivity id="pc" calledElement="tham_dinh_con"/><bpmn:endEvent id="pe"/>'
                        '<bpmn:sequenceFlow id="pf1" sourceRef="ps" targetRef="pt"/>'
                        '<bpmn:sequenceFlow id="pf2" sourceRef="pt" targetRef="pc"/>'
                        '<bpmn:sequenceFlow id="pf3" sourceRef="pc" targetRef="pe"/>')
    assert upload(client, admin, child, agency_id=agency_id).status_code == 201
    assert _submit_and_publish(client, admin, "tham_dinh_con", bindings={"LC": "NA-HN-KTHTDT"}).status_code == 200
    assert upload(client, admin, parent, agency_id=agency_id).status_code == 201
    assert _submit_and_publish(client, admin, "tiep_nhan_cha", bindings={"LP": UNIT}).status_code == 200
    (step,) = flow.start("tiep_nhan_cha")["current_steps"]
    assert step["unit"]["code"] == UNIT
    (called,) = flow.complete(step["id"], CLERK, {})["next_steps"]
    assert (called["spec_id"], called["unit"]["code"]) == ("ct", "NA-HN-KTHTDT")
