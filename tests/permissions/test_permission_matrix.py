"""The permission table, proved route by route: every endpoint × method × role, no token, expired token.

Generated from ``app.url_map``: a route without a row in :data:`app.auth.permissions.PERMISSIONS` fails
here, and the guard refuses it (403) in the running app.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask.views import MethodView

from app.auth import permissions
from tests.permissions.conftest import PRINCIPALS

ROLES = tuple(PRINCIPALS)
#: PUBLIC rows whose view checks its own credential (the metrics token is not an officer's token).
VIEW_CHECKED = {"metrics.Metrics"}
DUMMY = {"int": "987654", "path": "nothing-here.css", "default": "no_such_key"}


def _routes(app) -> list[tuple[str, str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            url = re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", lambda m: DUMMY.get(m.group(1) or "default", "x"),
                         rule.rule)
            if rule.endpoint not in VIEW_CHECKED:
                found.append((rule.endpoint, method, url))
    # logging out ends the session the other requests use: last
    return sorted(found, key=lambda r: (r[0] == "auth.Logout", r[0], r[1]))


def _call(client, method: str, url: str, headers: dict | None = None):
    kwargs = {"headers": headers or {}}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    return client.open(url, method=method, **kwargs)


def test_every_route_has_a_rule(app) -> None:
    missing = [(e, m) for e, m, _ in _routes(app) if permissions.rule_for(e, m) is None]
    assert missing == [], f"routes without a permission rule (add them to app/auth/permissions.py): {missing}"


def test_table_has_no_stale_rows_and_auditors_only_read(app) -> None:
    live = {(e, m) for e, m, _ in _routes(app)} | {
        (r.endpoint, m) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}}
    stale = [(e, m) for e, methods in permissions.PERMISSIONS.items() for m in methods if (e, m) not in live]
    assert stale == []
    for (endpoint, method) in live:
        rule = permissions.rule_for(endpoint, method)
        auditor_in = "auditor" in permissions.allowed_roles(rule)
        if method == "GET":
            assert auditor_in, f"auditors read everything: {endpoint} GET"
        elif rule != permissions.PUBLIC and (endpoint, method) not in permissions.SELF_SERVICE:
            assert not auditor_in, f"auditors change nothing: {endpoint} {method}"


@pytest.mark.parametrize("role", ROLES)
def test_role_gets_exactly_what_the_table_says(app, client, role_headers, role) -> None:
    headers = role_headers[role]
    wrong = []
    for endpoint, method, url in _routes(app):
        rule = permissions.rule_for(endpoint, method)
        status = _call(client, method, url, headers).status_code
        allowed = permissions.allows(rule, [role])
        if status >= 500 or (allowed and status in (401, 403)) or (not allowed and status != 403):
            wrong.append((endpoint, method, status, "allowed" if allowed else "denied"))
    assert wrong == []


def test_no_token_gets_401_except_public(app, client, demo) -> None:
    wrong = []
    for endpoint, method, url in _routes(app):
        status = _call(client, method, url).status_code
        public = permissions.rule_for(endpoint, method) == permissions.PUBLIC
        if status >= 500 or (public and status in (401, 403)) or (not public and status != 401):
            wrong.append((endpoint, method, status))
    assert wrong == []


def test_expired_token_gets_401_except_public(app, client, clock, role_headers) -> None:
    clock.advance(timedelta(seconds=app.config["ACCESS_TOKEN_TTL"] + 1))
    wrong = []
    for endpoint, method, url in _routes(app):
        response = _call(client, method, url, role_headers["admin"])
        public = permissions.rule_for(endpoint, method) == permissions.PUBLIC
        if response.status_code >= 500 or (public and response.status_code in (401, 403)) or (
                not public and (response.status_code, response.get_json()["code"]) != (401, "token_expired")):
            wrong.append((endpoint, method, response.status_code))
    assert wrong == []


def test_other_agency_officers_get_what_their_role_allows(app, client, demo, login) -> None:
    """The role decides 401/403 for them exactly as for their NA-HN peers (objects: see test_scope)."""
    headers = login("cb.ha.vhxh.congchuc")
    for endpoint, method, url in _routes(app):
        status = _call(client, method, url, headers).status_code
        allowed = permissions.allows(permissions.rule_for(endpoint, method), ["officer"])
        assert status < 500 and (status not in (401, 403) if allowed else status == 403), (endpoint, method, status)


def test_an_endpoint_without_a_rule_is_refused(app, client, auth) -> None:
    class Unlisted(MethodView):
        def get(self):
            return {"open": True}

    app.add_url_rule("/api/v1/unlisted", view_func=Unlisted.as_view("unlisted"))
    auth.create("admin", "admin")
    admin_headers = auth.headers("admin")
    response = client.get("/api/v1/unlisted", headers=admin_headers)
    assert response.status_code == 403
    assert response.get_json()["code"] == "no_permission_rule"
    assert response.mimetype == "application/problem+json"
