"""The contract generated clients rely on (issue #15, item 4): required bodies, public operations."""
from __future__ import annotations

import pytest

from tests.dossiers.flow import ACTOR, Flow


@pytest.mark.parametrize("body", [{}, None])
def test_an_empty_patch_is_refused(client, admin_headers, body):
    agency = client.post("/api/v1/agencies", headers=admin_headers, json={"code": "X", "name": "Sở X"}).get_json()
    unit = client.post("/api/v1/units", headers=admin_headers,
                       json={"code": "UX", "name": "Phòng X", "agency_id": agency["id"]}).get_json()
    officer = client.get("/api/v1/auth/me", headers=admin_headers).get_json()
    for url in (f"/api/v1/agencies/{agency['id']}", f"/api/v1/units/{unit['id']}", f"/api/v1/officers/{officer['id']}"):
        before = client.get(url, headers=admin_headers).get_json()
        response = client.patch(url, headers=admin_headers, json=body)
        assert response.status_code == 422, (url, response.get_json())
        assert client.get(url, headers=admin_headers).get_json() == before


def test_a_completion_needs_its_data(client, clock, demo):
    flow = Flow(client, clock)
    dossier = flow.start()
    step = flow.current(dossier["id"])
    refused = client.post(f"/api/v1/tasks/{step['id']}/complete", json={}, headers=flow.h(ACTOR[step["spec_id"]]))
    assert refused.status_code == 422 and "data" in refused.get_json()["errors"]
    assert flow.current(dossier["id"])["id"] == step["id"]


def test_public_operations_say_they_need_no_credentials(client):
    """Generated clients must not send (or demand) a token where none is needed (issue #15, item 4)."""
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/health", "/api/v1/auth/token", "/api/v1/auth/refresh", "/api/v1/public/dossiers/{code}"):
        for method, operation in spec["paths"][path].items():
            if method in ("get", "post"):
                assert operation.get("security") == [], (path, method)
    assert spec["paths"]["/api/v1/dossiers"]["get"].get("security") is None  # the global bearer/API key rule


def test_a_schema_valid_request_refused_for_a_rule_names_the_rule(client, admin_headers):
    """``validation_failed`` is the schema layer's; a rule of content or state has its own code (issue #15.4:
    a client validating against the document can tell "my request is malformed" from "agency 999 is gone")."""
    shape = client.post("/api/v1/units", headers=admin_headers, json={"code": "U", "name": "Phòng"})
    assert shape.status_code == 422 and shape.get_json()["code"] == "validation_failed"  # agency_id missing
    gone = client.post("/api/v1/units", headers=admin_headers, json={"code": "U", "name": "Phòng", "agency_id": 999})
    assert gone.status_code == 422 and gone.get_json()["code"] == "unknown_reference", gone.get_json()
    assert "agency_id" in gone.get_json()["errors"]
    orphan = client.post("/api/v1/agencies", headers=admin_headers, json={"code": "X", "name": "Sở X", "parent_id": 999})
    assert orphan.get_json()["code"] == "unknown_reference"


def test_integers_are_bounded_where_the_document_says(client, admin_headers):
    """Every input integer is documented and checked as 64-bit; a longer one is the schema layer's 422, not
    the database's; a page past the last is an empty page (page × size is never bound)."""
    spec = client.get("/api/v1/openapi.json").get_json()
    agency_id = next(p for p in spec["paths"]["/api/v1/dossiers"]["get"]["parameters"] if p["name"] == "agency_id")
    assert agency_id["schema"]["maximum"] == 2**63 - 1 and agency_id["schema"]["minimum"] == -(2**63)
    assert spec["components"]["schemas"]["OfficerIn"]["properties"]["unit_ids"]["items"]["maximum"] == 2**63 - 1
    huge = client.get(f"/api/v1/dossiers?agency_id={2**64}", headers=admin_headers)
    assert huge.status_code == 422 and huge.get_json()["code"] == "validation_failed"
    far = client.get(f"/api/v1/agencies?page={2**62}&page_size=100", headers=admin_headers)
    assert far.status_code == 200 and far.get_json() == []


def test_a_nullable_nested_body_admits_only_its_schema_or_null(client, admin_headers):
    """apispec's OpenAPI 3.0 form of a nullable nested schema admitted any object; ours is ``allOf`` + nullable."""
    spec = client.get("/api/v1/openapi.json").get_json()
    sessions = spec["components"]["schemas"]["SettingsIn"]["properties"]["sessions"]
    assert sessions["allOf"] == [{"$ref": "#/components/schemas/WeekSessionsIn"}] and sessions["nullable"] is True
    assert '"anyOf"' not in str(spec).replace("'", '"')
    agency = client.post("/api/v1/agencies", headers=admin_headers, json={"code": "X", "name": "Sở X"}).get_json()
    refused = client.put(f"/api/v1/agencies/{agency['id']}/calendar/settings", headers=admin_headers,
                         json={"sessions": {"mon": [["08:00", "11:30"]]}})
    assert refused.status_code == 422 and refused.get_json()["code"] == "validation_failed"


def test_dossier_data_keys_are_a_named_rule(client, clock, demo):
    """OpenAPI 3.0 cannot state a rule on an object's keys: the service's own code says which rule failed."""
    flow = Flow(client, clock)
    bad = flow.start(expect=422, data={"1x": "a", "ok_key": 1})
    assert bad["code"] == "data_key_invalid" and list(bad["errors"]) == ["data.1x"]
