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
