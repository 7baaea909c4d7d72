"""Issue #25, items 3 and 5–9: what an outside probe got through, each refused now."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import jwt
import pytest
from sqlalchemy import event

from app.extensions import db
from app.org import passwords
from tests.conftest import TEST_PASSWORD
from tests.dossiers.flow import Flow

TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/refresh"
SECRET = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


# --- 3. refresh tokens end with the account's tokens; a reused one ends its login -------------------------

def _login(client, username: str = "o1", password: str = TEST_PASSWORD) -> dict:
    response = client.post(TOKEN, json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _refresh(client, token: str):
    return client.post(REFRESH, json={"refresh_token": token})


def test_password_change_ends_other_sessions_refresh_tokens(client, auth):
    auth.create("o1", "officer")
    other, mine = _login(client), _login(client)
    changed = client.post("/api/v1/auth/password", headers={"Authorization": f"Bearer {mine['access_token']}"},
                          json={"current_password": TEST_PASSWORD, "new_password": "a-brand-new-pass-1"})
    assert changed.status_code == 204
    assert _refresh(client, other["refresh_token"]).status_code == 401
    assert _refresh(client, mine["refresh_token"]).status_code == 401
    assert _login(client, password="a-brand-new-pass-1")["refresh_token"]


def test_admin_reset_and_disabling_end_refresh_tokens(client, auth, admin_headers):
    officer_id = auth.create("o1", "officer")
    before_reset = _login(client)
    reset = client.patch(f"/api/v1/officers/{officer_id}", headers=admin_headers, json={"password": "reset-by-admin-1"})
    assert reset.status_code == 200
    assert _refresh(client, before_reset["refresh_token"]).status_code == 401
    before_disable = _login(client, password="reset-by-admin-1")
    client.patch(f"/api/v1/officers/{officer_id}", headers=admin_headers, json={"is_active": False})
    client.patch(f"/api/v1/officers/{officer_id}", headers=admin_headers, json={"is_active": True})
    assert _refresh(client, before_disable["refresh_token"]).status_code == 401


def test_a_reused_refresh_token_ends_its_whole_login(client, auth):
    auth.create("o1", "officer")
    stolen = _login(client)
    rotated = _refresh(client, stolen["refresh_token"]).get_json()
    reused = _refresh(client, stolen["refresh_token"])
    assert reused.status_code == 401 and reused.get_json()["code"] == "token_reused"
    # the legitimate holder's newer tokens end too: the thief and the owner cannot be told apart
    assert _refresh(client, rotated["refresh_token"]).status_code == 401
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {rotated['access_token']}"}
                      ).status_code == 401
    assert _login(client)["access_token"]  # a new login is unaffected


def test_api_keys_show_their_owner_and_are_scoped_and_expire(client, auth, admin_headers, clock):
    officer_id = auth.create("integration", "officer", "leader")
    created = client.post("/api/v1/api-keys", headers=admin_headers, json={
        "name": "cổng dịch vụ công", "officer_id": officer_id, "roles": ["officer"],
        "expires_at": (clock.now() + timedelta(days=1)).isoformat()})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["officer"]["username"] == "integration" and body["roles"] == ["officer"]
    key = {"X-API-Key": body["key"]}
    me = client.get("/api/v1/auth/me", headers=key).get_json()
    assert me["roles"] == ["officer"]  # the leader role is not the key's
    assert client.get("/api/v1/reports/summary", headers=key).status_code == 403  # leaders' reports
    listed = client.get("/api/v1/api-keys", headers=admin_headers).get_json()
    assert listed[0]["officer"]["username"] == "integration" and listed[0]["expires_at"]
    clock.advance(timedelta(days=1, seconds=1))
    assert client.get("/api/v1/auth/me", headers=key).status_code == 401
    admin_headers = auth.headers("admin")
    beyond = client.post("/api/v1/api-keys", headers=admin_headers,
                         json={"name": "x", "officer_id": officer_id, "roles": ["admin"]})
    assert beyond.status_code == 422 and "roles" in beyond.get_json()["errors"]
    past = client.post("/api/v1/api-keys", headers=admin_headers,
                       json={"name": "x", "officer_id": officer_id, "expires_at": clock.now().isoformat()})
    assert past.status_code == 422


# --- 5. throttles count atomically ------------------------------------------------------------------------

def _parallel(app, n: int, call) -> list[int]:
    barrier = threading.Barrier(min(n, 16))

    def one(i: int) -> int:
        client = app.test_client()
        if i < 16:
            barrier.wait()
        return call(client, i)

    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(one, range(n)))


def test_parallel_wrong_passwords_never_exceed_the_account_limit(app, auth):
    auth.create("victim", "officer")
    statuses = _parallel(app, 48, lambda c, _i: c.post(TOKEN, json={"username": "victim", "password": "x"})
                         .status_code)
    # in-flight attempts count: under contention a few fewer may pass, never more
    assert 1 <= statuses.count(401) <= 10 and statuses.count(401) + statuses.count(429) == 48, statuses


def test_parallel_failures_from_one_address_never_exceed_its_limit(app, auth):
    statuses = _parallel(app, 48, lambda c, i: c.post(TOKEN, json={"username": f"nobody{i}", "password": "x"})
                         .status_code)
    assert 1 <= statuses.count(401) <= 30 and statuses.count(401) + statuses.count(429) == 48, statuses


def test_parallel_lookups_never_exceed_the_limit(app):
    statuses = _parallel(app, 48, lambda c, _i: c.get("/api/v1/public/dossiers/NOPE?secret=abcdefgh").status_code)
    assert 18 <= statuses.count(429) < 48 and set(statuses) == {404, 429}, statuses


# --- 6. logins are bounded: successful ones per account, hashing per process ------------------------------

def test_successful_logins_are_throttled_per_account(app, client, auth):
    app.config["THROTTLE_LOGIN_SUCCESS"] = (3, 60)
    auth.create("o1", "officer")
    for _ in range(3):
        _login(client)
    refused = client.post(TOKEN, json={"username": "o1", "password": TEST_PASSWORD})
    assert refused.status_code == 429 and refused.headers["Retry-After"]


def test_successes_do_not_count_as_failures(app, client, auth):
    app.config["THROTTLE_LOGIN_ACCOUNT"] = (2, 60)
    auth.create("o1", "officer")
    for _ in range(5):
        _login(client)
    assert client.post(TOKEN, json={"username": "o1", "password": "x"}).status_code == 401


def test_hashing_is_bounded_per_process(monkeypatch):
    """More hashes than slots wait; past the wait a login is a clear 503, never an unbounded pile-up."""
    monkeypatch.setattr(passwords, "HASH_WAIT_SECONDS", 0.05)
    passwords.set_concurrency(1)
    try:
        running, peak, lock = [0], [0], threading.Lock()
        real = passwords._hasher

        class Counting:
            def verify(self, *args):
                with lock:
                    running[0] += 1
                    peak[0] = max(peak[0], running[0])
                threading.Event().wait(0.2)
                with lock:
                    running[0] -= 1
                return real.verify(*args)

        monkeypatch.setattr(passwords, "_hasher", Counting())
        outcomes: list[str] = []

        def login() -> None:
            try:
                passwords.verify_password(None, "x")
                outcomes.append("ran")
            except passwords.ServiceUnavailable as exc:
                outcomes.append(f"{exc.status}")

        threads = [threading.Thread(target=login) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert peak[0] == 1 and outcomes.count("ran") == 1 and outcomes.count("503") == 3
    finally:
        passwords.set_concurrency(passwords.HASH_CONCURRENCY)


def test_production_argon2_parameters_fit_a_small_server():
    from argon2 import PasswordHasher

    hasher = PasswordHasher(time_cost=passwords.TIME_COST, memory_cost=passwords.MEMORY_COST_KIB,
                            parallelism=passwords.PARALLELISM)
    assert passwords.MEMORY_COST_KIB <= 19 * 1024 and passwords.TIME_COST >= 2
    assert "m=19456,t=2,p=1" in hasher.hash("x")


# --- 7. deep JSON is a 422, not a RecursionError ----------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/procedures/x/dossiers", "/api/v1/tasks/1/complete"])
def test_deeply_nested_json_is_refused_before_parsing(client, auth, path):
    auth.create("clerk1", "clerk")
    headers = auth.headers("clerk1")
    body = '{"data": ' + "[" * 1000 + "]" * 1000 + "}"
    response = client.post(path, data=body, headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 422 and response.get_json()["code"] == "json_too_deep"


def test_nesting_depth_ignores_brackets_in_strings():
    from app.json_limits import nesting_depth

    assert nesting_depth('{"a": "[[[[[[[[{{{{"}') == 1
    assert nesting_depth('{"a": "\\"[[["}') == 1
    assert nesting_depth('[[[1], [2]], {"x": [3]}]') == 3
    assert nesting_depth("42") == 0


def test_ordinary_nesting_is_accepted(client, auth):
    auth.create("o1", "officer")
    body = '{"username": "o1", "password": "' + TEST_PASSWORD + '"}'
    assert client.post(TOKEN, data=body, headers={"Content-Type": "application/json"}).status_code == 200


# --- 8. a dossier out of scope costs what a missing one costs ---------------------------------------------

def test_out_of_scope_and_missing_dossiers_run_the_same_queries(app, client, clock, demo):
    dossier = Flow(client, clock).start()
    headers = Flow(client, clock).h("cb.snv.xdcq.chuyenvien")  # Cao Bằng: the Nghệ An dossier is not theirs

    def statements(dossier_id: int) -> tuple[int, dict, int]:
        seen: list[str] = []
        with app.app_context():
            engine = db.engine

        def count(_conn, _cursor, statement, *_args) -> None:
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            response = client.get(f"/api/v1/dossiers/{dossier_id}", headers=headers)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        body = response.get_json()
        body.pop("detail", None), body.pop("detail_en", None), body.pop("instance", None)
        return response.status_code, body, len(seen)

    existing, missing = statements(dossier["id"]), statements(dossier["id"] + 1000)
    assert existing[0] == missing[0] == 404
    assert existing[1] == missing[1]
    assert existing[2] == missing[2]


# --- 9. a JWT cannot outlive the configured lifetime ------------------------------------------------------

def test_far_future_expiry_is_refused_even_when_signed(client, auth, clock):
    officer_id = auth.create("o1", "officer")
    issued = jwt.decode(_login(client)["access_token"], SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert issued["sub"] == str(officer_id)
    far = jwt.encode({**issued, "exp": int((clock.now() + timedelta(days=3650)).timestamp())}, SECRET,
                     algorithm="HS256")
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {far}"}).status_code == 401
    normal = jwt.encode({**issued, "exp": int((clock.now() + timedelta(minutes=15)).timestamp())}, SECRET,
                        algorithm="HS256")
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {normal}"}).status_code == 200
