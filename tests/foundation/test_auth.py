"""Tokens: issue, expiry against the injected clock, refresh rotation, logout, tampering, API keys."""
from __future__ import annotations

from datetime import timedelta

import jwt


def test_token_issue_and_use(client, auth):
    auth.create("clerk1", "clerk")
    body = auth.token("clerk1")
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    r = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert r.status_code == 200 and r.get_json()["username"] == "clerk1"


def test_wrong_password_and_unknown_user_look_the_same(client, auth):
    auth.create("clerk1", "clerk")
    a = client.post("/api/v1/auth/token", json={"username": "clerk1", "password": "wrong-password"})
    b = client.post("/api/v1/auth/token", json={"username": "nobody", "password": "wrong-password"})
    assert a.status_code == b.status_code == 401
    assert a.get_json()["code"] == b.get_json()["code"] == "bad_credentials"
    assert a.get_json()["title"] == b.get_json()["title"]


def test_token_expires_when_clock_moves(client, auth, clock):
    auth.create("clerk1", "clerk")
    headers = auth.headers("clerk1")
    clock.advance(timedelta(seconds=899))
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    clock.advance(timedelta(seconds=2))
    r = client.get("/api/v1/auth/me", headers=headers)
    assert r.status_code == 401
    assert r.get_json()["code"] == "token_expired"


def test_refresh_rotates_and_old_refresh_is_refused(client, auth, clock):
    auth.create("clerk1", "clerk")
    first = auth.token("clerk1")
    clock.advance(timedelta(hours=1))
    r = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200
    second = r.get_json()
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {second['access_token']}"}).status_code == 200
    r = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 401


def test_logout_revokes_access_token_at_once(client, auth):
    auth.create("clerk1", "clerk")
    tokens = auth.token("clerk1")
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    r = client.get("/api/v1/auth/me", headers=headers)
    assert r.status_code == 401 and r.get_json()["code"] == "token_revoked"
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401


def test_password_change_revokes_old_tokens(client, auth):
    auth.create("clerk1", "clerk")
    headers = auth.headers("clerk1")
    r = client.post("/api/v1/auth/password", headers=headers,
                    json={"current_password": "correct-horse-battery", "new_password": "another-long-password"})
    assert r.status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    assert auth.token("clerk1", "another-long-password")["access_token"]


def test_tampered_and_foreign_tokens_refused(client, auth, app):
    auth.create("clerk1", "clerk")
    token = auth.token("clerk1")["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    foreign = jwt.encode({**claims, "sub": "1"}, "another-secret-that-is-long-enough-0123456789", algorithm="HS256")
    none_alg = jwt.encode(claims, None, algorithm="none")
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for bad in (foreign, none_alg, tampered, "not-a-token", ""):
        r = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {bad}"})
        assert r.status_code == 401, bad
        assert r.mimetype == "application/problem+json"
    r = client.get("/api/v1/auth/me")
    assert r.status_code == 401 and "WWW-Authenticate" in r.headers


def test_api_key_for_integrations(client, auth, admin_headers):
    officer_id = auth.create("integration", "clerk")
    r = client.post("/api/v1/api-keys", headers=admin_headers, json={"name": "Cổng DVC", "officer_id": officer_id})
    assert r.status_code == 201
    key = r.get_json()["key"]
    assert key.startswith("mcf_")
    r = client.get("/api/v1/auth/me", headers={"X-API-Key": key})
    assert r.status_code == 200 and r.get_json()["username"] == "integration"
    r = client.get("/api/v1/api-keys", headers=admin_headers)
    assert "key" not in r.get_json()[0] and r.get_json()[0]["name"] == "Cổng DVC"
    key_id = r.get_json()[0]["id"]
    assert client.post(f"/api/v1/api-keys/{key_id}/revoke", headers=admin_headers).status_code == 200
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": key}).status_code == 401
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": key[:-3] + "xyz"}).status_code == 401
