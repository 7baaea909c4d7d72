"""Issue #15.2: forms travel with a version, and the data a condition reads is checked before any dossier.

An uploaded diagram carries its forms (multipart ``forms``, or ``…/forms/<name>`` on a draft); a step naming a
form the version lacks is an error with its element and line; a condition reading a name no earlier form sets,
or comparing a text field with ``False``, is an error naming the flow and the name; the forms are frozen once
the version is submitted; and a published step checks its officer's data against its form.
"""
from __future__ import annotations

import io

from app.extensions import db
from app.org.models import Agency
from tests.definitions_api.conftest import boolean_form, upload
from tests.dossiers.flow import CLERK, Flow

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
UNIT = "NA-HN-TTPVHCC-MC"
#: What the library's reception form (processes/forms/tiep_nhan_ho_so) requires.
RECEIVED = {"applicant_name": "Nguyễn Văn An", "id_number": "001203004567",
            "documents_received": [{"name": "Đơn đề nghị", "copy_kind": "ban_chinh", "copies": 1}]}


def _doc(pid: str, *, review_form: str = "xem_xet", condition: str = "approved == False") -> bytes:
    """Reception, then a review whose form is ``review_form``, then a gateway sending it back or on."""
    def task(task_id: str, name: str, form: str) -> str:
        return (f'<bpmn:userTask id="{task_id}" name="{name}"><bpmn:extensionElements><camunda:properties>'
                f'<camunda:property name="form" value="{form}"/><camunda:property name="timeLimit" value="PT4H"/>'
                f'</camunda:properties></bpmn:extensionElements></bpmn:userTask>')
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN}" xmlns:camunda="{CAMUNDA}" id="d_{pid}" targetNamespace="t">
<bpmn:process id="{pid}" name="Thủ tục có biểu mẫu" isExecutable="true">
<bpmn:startEvent id="s"/>
{task("tiep_nhan", "Tiếp nhận", "tiep_nhan_ho_so")}
{task("xem_xet", "Lãnh đạo xem xét", review_form)}
<bpmn:exclusiveGateway id="g" default="f_on"/>
<bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="tiep_nhan"/>
<bpmn:sequenceFlow id="f2" sourceRef="tiep_nhan" targetRef="xem_xet"/>
<bpmn:sequenceFlow id="f3" sourceRef="xem_xet" targetRef="g"/>
<bpmn:sequenceFlow id="f_back" sourceRef="g" targetRef="tiep_nhan"><bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f_on" sourceRef="g" targetRef="e"/>
</bpmn:process>
</bpmn:definitions>'''.encode()


def _agency_id(app) -> int:
    with app.app_context():
        return db.session.query(Agency).filter_by(code="NA-HN").one().id


def _codes(body: dict) -> set[tuple[str, str | None]]:
    return {(issue["code"], issue["element_id"]) for issue in body["errors"]}


def test_forms_uploaded_with_the_diagram_are_listed_and_checked_at_the_step(client, auth, demo, clock, app):
    admin, flow = auth.headers("admin"), Flow(client, clock)
    r = upload(client, admin, _doc("co_bieu_mau"), agency_id=_agency_id(app), forms={"xem_xet": boolean_form("approved")})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["errors"] == [] and body["publishable"] is True
    # the library's form for the reception step came along, so the version holds both
    assert body["forms"] == ["tiep_nhan_ho_so", "xem_xet"]
    forms = client.get("/api/v1/process-definitions/co_bieu_mau/versions/1/forms", headers=admin).get_json()
    assert forms["xem_xet"] == boolean_form("approved")
    assert client.post("/api/v1/process-definitions/co_bieu_mau/versions/1/submit", headers=admin).status_code == 200
    # frozen once submitted: what the reviewer reads is what is published
    frozen = client.put("/api/v1/process-definitions/co_bieu_mau/versions/1/forms/xem_xet", headers=admin,
                        json=boolean_form("approved", "again"))
    assert frozen.status_code == 409
    r = client.post("/api/v1/process-definitions/co_bieu_mau/versions/1/publish", headers=admin,
                    json={"decision_number": "2/QĐ", "decision_date": "2026-03-01", "lane_bindings": {"*": UNIT}})
    assert r.status_code == 200, r.get_json()

    receipt = flow.start("co_bieu_mau")
    (step,) = receipt["current_steps"]
    step = flow.complete(step["id"], CLERK, RECEIVED)["next_steps"][0]
    task = client.get(f"/api/v1/tasks/{step['id']}", headers=admin).get_json()
    assert task["form_schema"] == boolean_form("approved")
    # the issue's case: a text where the form says yes/no is refused, not routed as if approved
    for wrong in ({"approved": "không"}, {"approved": "false"}, {}):
        r = client.post(f"/api/v1/tasks/{step['id']}/complete", headers=flow.h(CLERK), json={"data": wrong})
        assert r.status_code == 422, r.get_json()
        assert len(r.get_json()["errors"]["approved"]) == 1  # each error once (#15.4)
    assert flow.complete(step["id"], CLERK, {"approved": True})["next_steps"] == []


def test_a_step_naming_a_missing_form_is_an_error_until_the_form_is_added(client, auth, demo, app):
    admin = auth.headers("admin")
    r = upload(client, admin, _doc("thieu_bieu_mau"), agency_id=_agency_id(app))
    assert r.status_code == 201, r.get_json()  # stored as a draft: the forms can be added without re-uploading
    body = r.get_json()
    assert body["publishable"] is False
    missing = [e for e in body["errors"] if e["code"] == "form_missing"]
    assert [(e["element_id"], e["line"]) for e in missing] == [("xem_xet", 6)]
    assert "xem_xet" in missing[0]["message_en"]
    # and, with no form, nothing before the gateway sets `approved`
    assert ("data_unset", "f_back") in _codes(body)
    r = client.post("/api/v1/process-definitions/thieu_bieu_mau/versions/1/submit", headers=admin)
    assert r.status_code == 409 and r.get_json()["code"] == "not_publishable" and r.get_json()["errors"]

    url = "/api/v1/process-definitions/thieu_bieu_mau/versions/1/forms/xem_xet"
    r = client.put(url, headers=admin, json=boolean_form("approved"))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["errors"] == [] and r.get_json()["publishable"] is True
    assert client.get(url, headers=admin).get_json() == boolean_form("approved")
    r = client.delete(url, headers=admin)
    assert r.status_code == 200 and r.get_json()["publishable"] is False
    assert ("form_missing", "xem_xet") in _codes(r.get_json())
    assert client.delete(url, headers=admin).status_code == 404


def test_conditions_reading_unset_or_mistyped_data_are_named(client, auth, demo, app):
    admin, agency_id = auth.headers("admin"), _agency_id(app)
    text_form = {"type": "object", "required": ["approved"],
                 "properties": {"approved": {"type": "string", "enum": ["có", "không"]}}}
    r = upload(client, admin, _doc("sai_kieu"), agency_id=agency_id, forms={"xem_xet": text_form})
    assert r.status_code == 201, r.get_json()
    (issue,) = [e for e in r.get_json()["errors"] if e["element_id"] == "f_back"]
    assert issue["code"] == "data_type_mismatch" and issue["line"] == 12
    assert "approved" in issue["message_en"] and "string" in issue["message_en"]

    r = upload(client, admin, _doc("doc_ten_la", condition="fee &gt; 100"), agency_id=agency_id,
               forms={"xem_xet": boolean_form("approved")})
    (issue,) = [e for e in r.get_json()["errors"] if e["element_id"] == "f_back"]
    assert issue["code"] == "data_unset" and "'fee'" in issue["message_en"]

    r = upload(client, admin, _doc("chu_thuong", condition="approved == false"), agency_id=agency_id,
               forms={"xem_xet": boolean_form("approved")})
    (issue,) = [e for e in r.get_json()["errors"] if e["element_id"] == "f_back"]
    assert issue["code"] == "data_unset" and "False" in issue["message_en"]  # the hint: write False

    optional = {"type": "object", "properties": {"approved": {"type": "boolean"}}}
    r = upload(client, admin, _doc("khong_bat_buoc"), agency_id=agency_id, forms={"xem_xet": optional})
    body = r.get_json()
    assert body["errors"] == [] and body["publishable"] is True
    assert [w["code"] for w in body["warnings"] if w["element_id"] == "f_back"] == ["data_may_be_unset"]


def test_hostile_or_broken_forms_are_refused_at_the_door(client, auth, demo, app):
    admin, agency_id = auth.headers("admin"), _agency_id(app)
    deep: dict = {"type": "object"}
    for _ in range(20):
        deep = {"type": "object", "properties": {"x": deep}}
    cases = {
        "not a schema": {"type": 5},
        "remote ref": {"type": "object", "properties": {"a": {"$ref": "https://example.org/s.json"}}},
        "catastrophic pattern": {"type": "object", "properties": {"a": {"type": "string", "pattern": "^(a+)+$"}}},
        "too deep": deep,
        "too big": {"type": "object", "description": "x" * 70_000},
        "not an object form": {"type": "array"},
    }
    before = client.get("/api/v1/process-definitions?page_size=100", headers=admin).get_json()
    for label, schema in cases.items():
        r = upload(client, admin, _doc(f"p_{len(label)}"), agency_id=agency_id, forms={"xem_xet": schema})
        assert r.status_code == 422, (label, r.get_json())
        assert r.get_json()["code"] == "form_invalid", label
    bad_json = client.post(f"/api/v1/process-definitions?agency_id={agency_id}", headers=admin,
                           content_type="multipart/form-data",
                           data={"file": (io.BytesIO(_doc("p_json")), "p.bpmn"), "forms": "{not json"})
    assert bad_json.status_code == 422 and bad_json.get_json()["code"] == "form_invalid"
    after = client.get("/api/v1/process-definitions?page_size=100", headers=admin).get_json()
    assert after == before  # nothing stored


def test_a_start_form_is_what_every_reception_must_bring(client, auth, demo, clock, app):
    admin, flow = auth.headers("admin"), Flow(client, clock)
    data = _doc("co_don", condition="fee &gt; 100").replace(
        b'<bpmn:startEvent id="s"/>',
        b'<bpmn:startEvent id="s"><bpmn:extensionElements><camunda:properties><camunda:property name="form" '
        b'value="don"/></camunda:properties></bpmn:extensionElements></bpmn:startEvent>')
    don = {"type": "object", "required": ["fee"], "properties": {"fee": {"type": "number", "minimum": 0}}}
    r = upload(client, admin, data, agency_id=_agency_id(app), forms={"don": don, "xem_xet": boolean_form("approved")})
    assert r.status_code == 201 and r.get_json()["errors"] == [], r.get_json()
    assert client.post("/api/v1/process-definitions/co_don/versions/1/submit", headers=admin).status_code == 200
    assert client.post("/api/v1/process-definitions/co_don/versions/1/publish", headers=admin, json={
        "decision_number": "3/QĐ", "decision_date": "2026-03-01", "lane_bindings": {"*": UNIT}}).status_code == 200
    refused = flow.start("co_don", expect=422)
    assert "data.fee" in refused["errors"]
    assert flow.start("co_don", data={"fee": 50})["current_steps"]
