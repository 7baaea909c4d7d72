"""Upload → review → publish → amend / replace / abolish, over the API."""
from __future__ import annotations

import io

from tests.definitions_api.conftest import shipped_bpmn, upload

KEY = "cb_luu_tru_cap_lai_giay_chung_nhan"


def _publish(client, headers, key, version, **extra):
    body = {"decision_number": "99/QĐ-UBND", "decision_date": "2026-01-15", **extra}
    return client.post(f"/api/v1/process-definitions/{key}/versions/{version}/publish", headers=headers, json=body)


def test_upload_returns_validation_and_keeps_exact_bytes(client, designer_headers):
    data = shipped_bpmn(KEY)
    r = upload(client, designer_headers, data)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["key"] == KEY and body["version"] == 1 and body["status"] == "draft"
    assert body["publishable"] is True and body["has_diagram"] is True
    assert body["errors"] == []
    assert [s["time_limit"] for s in body["steps"]][:2] == ["PT2H", "PT4H"]
    assert body["computed_total_days"] == 3.0
    r = client.get(f"/api/v1/process-definitions/{KEY}/versions/1/bpmn", headers=designer_headers)
    assert r.status_code == 200 and r.data == data  # byte for byte, diagram interchange included


def test_multipart_upload(client, designer_headers):
    r = client.post("/api/v1/process-definitions", headers=designer_headers,
                    data={"file": (io.BytesIO(shipped_bpmn(KEY)), "caplai.bpmn")}, content_type="multipart/form-data")
    assert r.status_code == 201
    assert r.get_json()["filename"] == "caplai.bpmn"


def test_full_lifecycle_with_review_comments(client, auth, demo, designer_headers):
    admin = auth.headers("admin")
    # the shipped procedure is published as v1 by the demo fixture; amend it: v2 is a draft
    r = upload(client, designer_headers, shipped_bpmn(KEY).replace(b'value="P0.25D"', b'value="P0.5D"', 1))
    assert r.status_code == 201 and r.get_json()["version"] == 2
    # a draft cannot be published before review
    assert _publish(client, admin, KEY, 2).status_code == 409
    assert client.post(f"/api/v1/process-definitions/{KEY}/versions/2/submit", headers=designer_headers).status_code == 200
    r = client.post(f"/api/v1/process-definitions/{KEY}/versions/2/comments", headers=admin,
                    json={"text": "Đề nghị kiểm tra lại thời gian bước 1."})
    assert r.status_code == 201
    comment = r.get_json()
    assert comment["author_name"] == "Admin" and comment["text"].startswith("Đề nghị")
    # designers may not publish
    assert _publish(client, designer_headers, KEY, 2).status_code == 403
    r = _publish(client, admin, KEY, 2, effective_date="2026-02-01")
    assert r.status_code == 200, r.get_json()
    v2 = r.get_json()
    assert v2["status"] == "published" and v2["decision_number"] == "99/QĐ-UBND"
    assert v2["effective_date"] == "2026-02-01"
    assert {b["lane_id"] for b in v2["lane_bindings"]} == {lane["id"] for lane in v2["lanes"]}
    assert client.get(f"/api/v1/process-definitions/{KEY}/versions/1", headers=admin).get_json()["status"] == "superseded"
    # published versions are immutable: no second publish, no submit
    assert _publish(client, admin, KEY, 2).status_code == 409
    assert client.post(f"/api/v1/process-definitions/{KEY}/versions/2/submit", headers=admin).status_code == 409
    # abolish stops new dossiers: the catalog no longer lists it
    r = client.post(f"/api/v1/process-definitions/{KEY}/versions/2/abolish", headers=admin, json={"reason": "Bãi bỏ theo QĐ 100"})
    assert r.status_code == 200 and r.get_json()["status"] == "abolished"
    keys = [p["key"] for p in client.get("/api/v1/procedures", headers=admin).get_json()]
    assert KEY not in keys


def test_publish_needs_every_lane_bound(client, auth, demo, designer_headers):
    admin = auth.headers("admin")
    data = shipped_bpmn(KEY).replace(b'name="unit" value="CB-SNV-VT"', b'name="unit" value="NO-SUCH-UNIT"')
    r = upload(client, designer_headers, data)
    assert r.status_code == 201
    client.post(f"/api/v1/process-definitions/{KEY}/versions/2/submit", headers=designer_headers)
    r = _publish(client, admin, KEY, 2)
    assert r.status_code == 422 and r.get_json()["code"] == "unbound_lanes"
    assert any("NO-SUCH-UNIT" in line for line in r.get_json()["errors"]["lane_bindings"])
    lane = next(b for b in r.get_json()["errors"]["lane_bindings"] if "NO-SUCH-UNIT" in b).split(" ")[0]
    r = _publish(client, admin, KEY, 2, lane_bindings={lane: "CB-SNV-VT"})
    assert r.status_code == 200, r.get_json()


def test_replace_supersedes_the_old_procedure(client, auth, demo, designer_headers):
    admin = auth.headers("admin")
    data = shipped_bpmn(KEY).replace(f'id="{KEY}"'.encode(), b'id="cb_luu_tru_cap_lai_2026"')
    # publishing needs a receiving agency: the replacement is received where the old procedure was
    agency_id = client.get(f"/api/v1/process-definitions/{KEY}", headers=admin).get_json()["agency_id"]
    r = upload(client, designer_headers, data, replaces=KEY, agency_id=agency_id)
    assert r.status_code == 201, r.get_json()
    r = client.get("/api/v1/process-definitions/cb_luu_tru_cap_lai_2026", headers=admin)
    assert r.get_json()["replaces_key"] == KEY
    client.post("/api/v1/process-definitions/cb_luu_tru_cap_lai_2026/versions/1/submit", headers=designer_headers)
    assert _publish(client, admin, "cb_luu_tru_cap_lai_2026", 1).status_code == 200
    assert client.get(f"/api/v1/process-definitions/{KEY}/versions/1", headers=admin).get_json()["status"] == "superseded"


def test_documentation_only_diagram_is_stored_but_not_publishable(client, designer_headers, shared_dir):
    data = (shared_dir / "bpmn-corpus/miwg/reference/A.1.0.bpmn").read_bytes()
    r = upload(client, designer_headers, data)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["is_executable"] is False and body["publishable"] is False
    r = client.post(f"/api/v1/process-definitions/{body['key']}/versions/1/submit", headers=designer_headers)
    assert r.status_code == 409 and r.get_json()["code"] == "not_publishable"


def test_file_without_diagram_interchange_is_accepted(client, designer_headers):
    from lxml import etree

    root = etree.fromstring(shipped_bpmn(KEY))
    for diagram in root.findall("{http://www.omg.org/spec/BPMN/20100524/DI}BPMNDiagram"):
        root.remove(diagram)
    r = upload(client, designer_headers, etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["has_diagram"] is False


def test_invalid_bpmn_is_422_with_line_and_nothing_stored(client, designer_headers, auth):
    bad = shipped_bpmn(KEY).replace(b'value="P0.25D"', b'value="hai ngay"', 1)
    r = upload(client, designer_headers, bad)
    assert r.status_code == 422
    body = r.get_json()
    assert r.mimetype == "application/problem+json" and body["code"] == "bpmn_invalid"
    issue = body["errors"][0]
    assert issue["code"] == "time_limit_invalid" and issue["line"] > 1 and issue["element_id"]
    assert client.get("/api/v1/process-definitions", headers=designer_headers).get_json() == []


def test_only_designers_and_admins_upload(client, auth):
    auth.create("clerk1", "clerk")
    r = upload(client, auth.headers("clerk1"), shipped_bpmn(KEY))
    assert r.status_code == 403


def test_unsupported_media_type(client, designer_headers):
    r = client.post("/api/v1/process-definitions", headers=designer_headers, json={"x": 1})
    assert r.status_code == 415 and r.mimetype == "application/problem+json"


def test_amendment_keeps_the_forms_and_legal_basis(client, auth, demo, designer_headers):
    admin = auth.headers("admin")
    r = upload(client, designer_headers, shipped_bpmn(KEY))
    assert r.status_code == 201
    v1 = client.get(f"/api/v1/process-definitions/{KEY}/versions/1", headers=admin).get_json()
    v2 = r.get_json()
    assert v2["forms"] == v1["forms"] and v2["forms"]
    assert v2["legal_basis"] == v1["legal_basis"] and v2["legal_basis"]
