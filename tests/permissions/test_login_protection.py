"""Failed-login throttling (DB-backed, app clock), token revocation and expiry, passwords never logged."""
from __future__ import annotations

import logging
from datetime import timedelta

import jwt

from tests.conftest import TEST_PASSWORD

TOKEN = "/api/v1/auth/token"


def _audit(client, headers, **query):
    r = client.get("/api/v1/audit", headers=headers, query_string=query)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_eleventh_wrong_password_in_a_minute_is_429_and_audited(app, client, clock, auth) -> None:
    auth.create("admin", "admin")
    auth.create("victim", "officer")
    for _ in range(10):
        assert client.post(TOKEN, json={"username": "victim", "password": "wrong"}).status_code == 401
    r = client.post(TOKEN, json={"username": "victim", "password": "wrong"})
    assert r.status_code == 429 and r.mimetype == "application/problem+json"
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    # even the right password waits: the attacker learns nothing during the lock-out
    assert client.post(TOKEN, json={"username": "victim", "password": TEST_PASSWORD}).status_code == 429
    clock.advance(timedelta(seconds=61))
    headers = auth.headers("admin")
    assert auth.token("victim")["access_token"]
    failed = _audit(client, headers, action="auth.login_failed", object_id="victim")
    assert len(failed) == 10 and all(e["outcome"] == "denied" for e in failed)
    throttled = _audit(client, headers, action="auth.login_throttled")
    assert len(throttled) == 2 and throttled[0]["client_address"]


def test_throttle_counts_per_address_across_accounts(app, client, auth) -> None:
    app.config["THROTTLE_LOGIN_ADDRESS"] = (5, 60)
    for i in range(5):
        assert client.post(TOKEN, json={"username": f"nobody{i}", "password": "x"}).status_code == 401
    assert client.post(TOKEN, json={"username": "someone-else", "password": "x"}).status_code == 429


def test_passwords_are_never_logged(app, client, auth, caplog) -> None:
    auth.create("clerk1", "clerk")
    secret_wrong, secret_new = "Wrong-Pass-7731xyz", "Brand-New-Pass-9924abc"
    with caplog.at_level(logging.DEBUG):
        client.post(TOKEN, json={"username": "clerk1", "password": secret_wrong})
        headers = auth.headers("clerk1")
        r = client.post("/api/v1/auth/password", headers=headers,
                        json={"current_password": TEST_PASSWORD, "new_password": secret_new})
        assert r.status_code == 204
    for text in (secret_wrong, secret_new, TEST_PASSWORD):
        assert text not in caplog.text


def test_logout_password_change_and_disabling_revoke_tokens(app, client, auth, admin_headers) -> None:
    officer_id = auth.create("o1", "officer")
    me = "/api/v1/auth/me"
    h1 = auth.headers("o1")
    assert client.post("/api/v1/auth/logout", headers=h1).status_code == 204
    assert client.get(me, headers=h1).status_code == 401
    h2, h3 = auth.headers("o1"), auth.headers("o1")
    assert client.post("/api/v1/auth/password", headers=h2,
                       json={"current_password": TEST_PASSWORD, "new_password": "another-long-pass-1"}).status_code == 204
    assert client.get(me, headers=h3).status_code == 401
    h4 = auth.headers("o1", "another-long-pass-1")
    assert client.patch(f"/api/v1/officers/{officer_id}", headers=admin_headers,
                        json={"is_active": False}).status_code == 200
    r = client.get(me, headers=h4)
    assert r.status_code == 401 and r.get_json()["code"] == "token_revoked"


def test_tampered_expired_and_foreign_signed_tokens_are_401(app, client, clock, auth) -> None:
    auth.create("o2", "officer")
    token = auth.token("o2")["access_token"]
    me = "/api/v1/auth/me"
    head, body, sig = token.split(".")
    tampered = f"{head}.{body[:-2]}{'A' if body[-2] != 'A' else 'B'}{body[-1]}.{sig}"
    claims = jwt.decode(token, options={"verify_signature": False})
    foreign = jwt.encode({**claims, "sub": "1"}, "someone-elses-secret-0123456789-abcdefghij", algorithm="HS256")
    unsigned = jwt.encode(claims, None, algorithm="none") if hasattr(jwt, "encode") else "x.y."
    for bad in (tampered, foreign, unsigned, "not-a-token", "a.b.c", ""):
        r = client.get(me, headers={"Authorization": f"Bearer {bad}"})
        assert r.status_code == 401, bad
    clock.advance(timedelta(seconds=app.config["ACCESS_TOKEN_TTL"] + 1))
    r = client.get(me, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and r.get_json()["code"] == "token_expired"
