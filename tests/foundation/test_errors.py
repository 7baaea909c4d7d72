"""Every error class answers application/problem+json, in Vietnamese by default and English on request."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError


def _assert_problem(r, status, code=None):
    assert r.status_code == status, r.data
    assert r.mimetype == "application/problem+json"
    body = r.get_json()
    assert body["status"] == status and body["type"].startswith("https://") and body["title"]
    assert b"Traceback" not in r.data and b"<html" not in r.data.lower()
    if code:
        assert body["code"] == code
    return body


def test_unknown_route(client):
    _assert_problem(client.get("/api/v1/nothing-here"), 404, "not_found")


def test_wrong_method(client):
    body = _assert_problem(client.delete("/api/v1/health"), 405, "method_not_allowed")
    assert body["title"]


def test_malformed_json(client):
    r = client.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    _assert_problem(r, 400, "invalid_json")


def test_wrong_types_and_unknown_fields(client, admin_headers):
    r = client.post("/api/v1/agencies", headers=admin_headers, json={"code": 12, "name": "X", "colour": "red"})
    body = _assert_problem(r, 422, "validation_failed")
    assert set(body["errors"]) == {"code", "colour"}


def test_missing_fields(client):
    body = _assert_problem(client.post("/api/v1/auth/token", json={}), 422, "validation_failed")
    assert set(body["errors"]) == {"username", "password"}


def test_oversize_body(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    r = client.post("/api/v1/auth/token", data="x" * 5000, content_type="application/json")
    _assert_problem(r, 413, "too_large")


def test_no_token(client):
    _assert_problem(client.get("/api/v1/agencies"), 401, "unauthorized")


def test_english_on_request(client):
    vi = client.get("/api/v1/agencies").get_json()["title"]
    en = client.get("/api/v1/agencies", headers={"Accept-Language": "en-US,en;q=0.9"}).get_json()["title"]
    assert vi.startswith("Cần đăng nhập")
    assert en.startswith("Authentication is required")


def test_database_down_is_503(app, client, admin_headers, monkeypatch):
    """A lost database connection is a 503 problem, not a 500 (the connection is broken, not mocked away)."""
    from app.extensions import db

    with app.app_context():
        engine = db.engine

    def refuse(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("could not connect to server: Connection refused"))

    monkeypatch.setattr(engine, "connect", refuse)
    monkeypatch.setattr(engine.pool, "connect", refuse)
    r = client.get("/api/v1/agencies", headers=admin_headers)
    body = _assert_problem(r, 503, "database_unavailable")
    assert r.headers["Retry-After"]
    assert body


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs", "/api/v1/health"])
def test_open_endpoints_need_no_token(client, path):
    assert client.get(path).status_code == 200


def test_docs_are_served_locally(client):
    page = client.get("/api/v1/docs").data.decode()
    assert "/api/v1/docs/static/swagger-ui-bundle.js" in page
    with client.get("/api/v1/docs/static/swagger-ui-bundle.js") as r:
        assert r.status_code == 200


def test_openapi_lists_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = set(spec["paths"])
    for rule in app.url_map.iter_rules():
        path = rule.rule
        if not path.startswith("/api/v1/") or path.startswith("/api/v1/docs") or path.endswith("openapi.json"):
            continue
        openapi_path = path.replace("<int:", "{").replace("<path:", "{").replace("<", "{").replace(">", "}")
        assert openapi_path in documented, openapi_path
