"""Security headers on every response; CORS closed unless an origin is configured."""
from __future__ import annotations


def test_headers_on_api_and_errors(client):
    for response in (client.get("/api/v1/health"), client.get("/api/v1/nothing")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert response.headers["Cache-Control"] == "no-store"


def test_docs_page_gets_a_page_policy(client):
    response = client.get("/api/v1/docs")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_cors_closed_by_default_and_open_for_configured_origin(app, client):
    r = client.get("/api/v1/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in r.headers
    app.config["CORS_ORIGINS"] = "https://motcua.caobang.gov.vn"
    r = client.get("/api/v1/health", headers={"Origin": "https://motcua.caobang.gov.vn"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://motcua.caobang.gov.vn"
    r = client.get("/api/v1/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in r.headers
