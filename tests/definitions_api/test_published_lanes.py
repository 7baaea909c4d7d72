"""Issue #15.5: after publishing, a version shows the unit bound to each lane, and no lane_unbound warning."""
from __future__ import annotations

from app.extensions import db
from app.org.models import Agency
from tests.definitions_api.conftest import upload

UNIT = "NA-HN-TTPVHCC-MC"
BPMN = b'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
<bpmn:process id="lan_chua_gan" name="L\xc3\xa0n ch\xc6\xb0a g\xe1\xba\xafn" isExecutable="true">
<bpmn:laneSet><bpmn:lane id="L_mc" name="B\xe1\xbb\x99 ph\xe1\xba\xadn m\xe1\xbb\x99t c\xe1\xbb\xada">
<bpmn:flowNodeRef>s</bpmn:flowNodeRef><bpmn:flowNodeRef>t</bpmn:flowNodeRef><bpmn:flowNodeRef>e</bpmn:flowNodeRef>
</bpmn:lane></bpmn:laneSet>
<bpmn:startEvent id="s"/><bpmn:userTask id="t" name="Ti\xe1\xba\xbfp nh\xe1\xba\xadn"/><bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/><bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>
</bpmn:process></bpmn:definitions>'''


def test_a_published_version_shows_its_lanes_units(client, auth, demo, app):
    admin = auth.headers("admin")
    with app.app_context():
        agency_id = db.session.query(Agency).filter_by(code="NA-HN").one().id
    draft = upload(client, admin, BPMN, agency_id=agency_id).get_json()
    assert [w["element_id"] for w in draft["warnings"] if w["code"] == "lane_unbound"] == ["L_mc"]
    assert draft["lanes"][0]["unit"] is None and draft["lanes"][0]["unit_id"] is None
    assert client.post("/api/v1/process-definitions/lan_chua_gan/versions/1/submit", headers=admin).status_code == 200
    r = client.post("/api/v1/process-definitions/lan_chua_gan/versions/1/publish", headers=admin, json={
        "decision_number": "4/QĐ", "decision_date": "2026-03-01", "lane_bindings": {"L_mc": UNIT}})
    assert r.status_code == 200, r.get_json()
    for body in (r.get_json(), client.get("/api/v1/process-definitions/lan_chua_gan/versions/1",
                                          headers=admin).get_json()):
        (lane,) = body["lanes"]
        assert (lane["id"], lane["unit"]) == ("L_mc", UNIT) and lane["unit_id"] and lane["unit_name"]
        assert "lane_unbound" not in {w["code"] for w in body["warnings"]}
