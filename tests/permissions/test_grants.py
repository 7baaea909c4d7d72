"""Nobody grants what they do not hold (issue #25, item 1): an agency administrator against every write.

The organisation: a province with two departments, A (the agency admin's, with a commune A1 below it) and B.
``test_every_admin_write_is_walked`` makes sure each write endpoint an admin may call has a case here, so a new
one cannot slip past; each case is tried as the agency admin with targets outside its tree and must be refused
without changing anything, and the same kind of write inside the tree still works.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.auth import permissions
from app.auth.models import ApiKey
from app.documents.models import TrustAnchor
from app.extensions import db
from app.org import service as org
from app.org.models import Agency, Officer, Unit
from tests.conftest import TEST_PASSWORD


@pytest.fixture()
def tree(app, auth):
    """Ids of the organisation; the agency admin ``aa`` administers department A and its commune A1."""
    with app.app_context():
        now = app.extensions["clock"].now()
        s = db.session
        province = org.create_agency(session=s, agency_in={"code": "P", "name": "Tỉnh", "kind": "province"}, now=now)
        dept_a = org.create_agency(session=s, agency_in={"code": "A", "name": "Sở A", "parent_id": province.id}, now=now)
        commune = org.create_agency(session=s, agency_in={"code": "A1", "name": "Xã A1", "parent_id": dept_a.id}, now=now)
        dept_b = org.create_agency(session=s, agency_in={"code": "B", "name": "Sở B", "parent_id": province.id}, now=now)
        unit_a = org.create_unit(session=s, unit_in={"code": "UA", "name": "Phòng A", "agency_id": dept_a.id}, now=now)
        unit_a1 = org.create_unit(session=s, unit_in={"code": "UA1", "name": "Bộ phận A1", "agency_id": commune.id},
                                  now=now)
        unit_b = org.create_unit(session=s, unit_in={"code": "UB", "name": "Phòng B", "agency_id": dept_b.id}, now=now)

        def officer(username: str, roles: list[str], agency_id: int | None, units: list[int]) -> int:
            body = {"username": username, "full_name": username.upper(), "password": TEST_PASSWORD,
                    "roles": roles, "unit_ids": units}
            if agency_id is not None:
                body["agency_id"] = agency_id
            created = org.create_officer(session=s, officer_in=body, now=now)
            created.agency_id = agency_id  # None for the system admin (not derived from units)
            return created.id

        ids = {
            "province": province.id, "A": dept_a.id, "A1": commune.id, "B": dept_b.id,
            "UA": unit_a.id, "UA1": unit_a1.id, "UB": unit_b.id,
            "root": officer("root", ["admin"], None, []),
            "aa": officer("aa", ["admin"], dept_a.id, [unit_a.id]),
            "oa": officer("oa", ["officer"], dept_a.id, [unit_a.id]),
            "ob": officer("ob", ["officer"], dept_b.id, [unit_b.id]),
            "admin_b": officer("admin-b", ["admin"], dept_b.id, [unit_b.id]),
            # inside A's tree but holding a role only a system admin grants
            "aud": officer("aud", ["auditor"], dept_a.id, [unit_a.id]),
            # home agency A, but a unit in B: not wholly A's
            "mixed": officer("mixed", ["officer"], dept_a.id, [unit_a.id, unit_b.id]),
        }
        s.flush()
        from app.auth import service as auth_service

        key_b, _plain = auth_service.create_api_key(session=s, officer=s.get(Officer, ids["ob"]), name="B", now=now)
        ids["key_b"] = key_b.id
        s.commit()
    return ids


@pytest.fixture()
def aa(auth, tree):
    return auth.headers("aa")


def _snapshot(app) -> dict:
    """Everything a refused write could have changed."""
    with app.app_context():
        s = db.session
        return {
            "agencies": sorted((a.id, a.code, a.name, a.parent_id) for a in s.query(Agency)),
            "units": sorted((u.id, u.code, u.name, u.agency_id) for u in s.query(Unit)),
            "officers": sorted((o.id, o.username, o.agency_id, o.token_version, o.password_hash, tuple(o.roles),
                                tuple(u.id for u in o.units), o.is_active) for o in s.query(Officer)),
            "keys": sorted((k.id, k.officer_id, k.revoked_at is None) for k in s.query(ApiKey)),
            "trust_anchors": sorted((a.id, a.agency_id) for a in s.query(TrustAnchor)),
        }


def _outside_cases(t: dict) -> list[tuple[str, str, str, dict | None]]:
    """(endpoint, method, url, body): writes an agency admin of A must never get through."""
    new = {"username": "evil", "full_name": "Evil", "password": TEST_PASSWORD}
    return [
        ("org.Agencies", "POST", "/api/v1/agencies", {"code": "TOP", "name": "Top"}),
        ("org.Agencies", "POST", "/api/v1/agencies", {"code": "UNDERB", "name": "Under B", "parent_id": t["B"]}),
        ("org.Agencies", "POST", "/api/v1/agencies", {"code": "UNDERP", "name": "Under P", "parent_id": t["province"]}),
        ("org.AgencyById", "PATCH", f"/api/v1/agencies/{t['B']}", {"name": "Renamed"}),
        ("org.AgencyById", "PATCH", f"/api/v1/agencies/{t['A1']}", {"parent_id": t["B"]}),
        ("org.AgencyById", "PATCH", f"/api/v1/agencies/{t['A1']}", {"parent_id": None}),
        ("org.AgencyById", "PATCH", f"/api/v1/agencies/{t['A']}", {"parent_id": None}),
        ("org.AgencyById", "DELETE", f"/api/v1/agencies/{t['B']}", None),
        ("org.Units", "POST", "/api/v1/units", {"code": "UX", "name": "X", "agency_id": t["B"]}),
        ("org.UnitById", "PATCH", f"/api/v1/units/{t['UB']}", {"name": "Renamed"}),
        ("org.UnitById", "DELETE", f"/api/v1/units/{t['UB']}", None),
        ("org.Officers", "POST", "/api/v1/officers", {**new, "agency_id": None, "roles": ["admin"]}),
        ("org.Officers", "POST", "/api/v1/officers", {**new, "agency_id": t["B"]}),
        ("org.Officers", "POST", "/api/v1/officers", {**new, "unit_ids": [t["UB"]]}),
        ("org.Officers", "POST", "/api/v1/officers", {**new, "agency_id": t["A"], "roles": ["auditor"]}),
        ("org.OfficerById", "PATCH", f"/api/v1/officers/{t['aa']}", {"agency_id": None}),
        ("org.OfficerById", "PATCH", f"/api/v1/officers/{t['aa']}", {"agency_id": t["B"]}),
        ("org.OfficerById", "PATCH", f"/api/v1/officers/{t['aa']}", {"roles": ["admin", "auditor"]}),
        ("org.OfficerById", "PATCH", f"/api/v1/officers/{t['oa']}", {"unit_ids": [t["UB"]]}),
        ("org.OfficerById", "PATCH", f"/api/v1/officers/{t['ob']}", {"roles": ["leader"]}),
        ("org.OfficerById", "PATCH", f"/api/v1/officers/{t['root']}", {"password": "taken-over-123"}),
        ("org.OfficerById", "PATCH", f"/api/v1/officers/{t['aud']}", {"password": "taken-over-123"}),
        ("org.OfficerById", "PATCH", f"/api/v1/officers/{t['mixed']}", {"roles": ["leader"]}),
        ("auth.ApiKeys", "POST", "/api/v1/api-keys", {"name": "as root", "officer_id": t["root"]}),
        ("auth.ApiKeys", "POST", "/api/v1/api-keys", {"name": "as B", "officer_id": t["ob"]}),
        ("auth.ApiKeys", "POST", "/api/v1/api-keys", {"name": "as admin B", "officer_id": t["admin_b"]}),
        ("auth.ApiKeys", "POST", "/api/v1/api-keys", {"name": "as auditor", "officer_id": t["aud"]}),
        ("auth.ApiKeyRevoke", "POST", f"/api/v1/api-keys/{t['key_b']}/revoke", None),
        ("calendar.Overrides", "POST", f"/api/v1/agencies/{t['B']}/calendar/overrides",
         {"date": "2026-03-10", "kind": "day_off", "reason": "x"}),
        ("calendar.Settings", "PUT", f"/api/v1/agencies/{t['B']}/calendar/settings", {}),
        ("calendar.OverrideById", "DELETE", f"/api/v1/agencies/{t['B']}/calendar/overrides/1", None),
        # a CA another agency would then trust for its signatures (the body is refused before it is read)
        ("documents.TrustAnchors", "POST", f"/api/v1/agencies/{t['B']}/trust-anchors", {"pem": "x"}),
        ("documents.TrustAnchorById", "DELETE", f"/api/v1/agencies/{t['B']}/trust-anchors/1", None),
        ("applicant_notices.Templates", "POST", "/api/v1/notice-templates",
         {"event": "received", "body": "Hồ sơ {ma_ho_so}", "agency_id": t["B"]}),
        ("applicant_notices.Templates", "POST", "/api/v1/notice-templates", {"event": "received", "body": "Mọi nơi"}),
    ]


#: Admin writes whose outside-the-tree cases live in other tests (named here so the walk stays complete).
COVERED_ELSEWHERE = {
    ("dossiers.DossierRetry", "POST"): "test_agency_admin_retries_only_its_dossiers_and_due_work",
    ("scheduler.DueWorkRetry", "POST"): "test_agency_admin_retries_only_its_dossiers_and_due_work",
    ("notifications.MarkRead", "POST"): "one's own inbox: another officer's notice is 404 (app.notifications)",
    ("applicant_notices.NoticeRetry", "POST"): "tests/applicant/test_notices.py::test_agency_admin_touches_only_its_own",
    ("applicant_notices.TemplateById", "DELETE"): "tests/applicant/test_notices.py::test_agency_admin_touches_only_its_own",
    ("applicant_notices.TemplatePreview", "POST"): "fills a template with sample values; stores nothing",
    ("external_tasks.Unlock", "POST"): "tests/external_tasks/test_external_tasks.py::test_another_agency_s_admin",
    ("external_tasks.Retries", "PUT"): "tests/external_tasks/test_external_tasks.py::test_another_agency_s_admin",
}
#: Definitions are scoped by app.auth.scope for designers and agency admins (tests/permissions/test_designer_scope.py).
DEFINITION_ENDPOINTS = "definitions.", "authoring."


def test_every_admin_write_is_walked(tree):
    walked = {(endpoint, method) for endpoint, method, _url, _body in _outside_cases(tree)}
    for endpoint, methods in permissions.PERMISSIONS.items():
        for method, rule in methods.items():
            if method in ("GET", "HEAD") or endpoint.startswith(DEFINITION_ENDPOINTS):
                continue
            if rule in (permissions.PUBLIC, permissions.ANY_AUTHENTICATED) or "admin" not in rule:
                continue
            assert (endpoint, method) in walked or (endpoint, method) in COVERED_ELSEWHERE, (
                f"{method} {endpoint} is an admin write with no outside-the-tree case in this file")


def test_agency_admin_never_writes_outside_its_tree(app, client, tree, aa):
    before = _snapshot(app)
    for endpoint, method, url, body in _outside_cases(tree):
        response = client.open(url, method=method, json=body, headers=aa)
        assert response.status_code in (403, 404, 422), (endpoint, method, url, body, response.get_json())
        assert response.status_code != 500
    assert _snapshot(app) == before


def test_system_scope_is_granted_by_a_system_admin_only(client, auth, tree, aa):
    created = client.post("/api/v1/officers", headers=aa, json={
        "username": "evil", "full_name": "Evil", "password": TEST_PASSWORD, "agency_id": None, "roles": ["admin"]})
    assert created.status_code == 403 and created.get_json()["code"] == "beyond_your_scope"
    moved = client.patch(f"/api/v1/officers/{tree['aa']}", headers=aa, json={"agency_id": None})
    assert moved.status_code == 403
    root = auth.headers("root")
    made = client.post("/api/v1/officers", headers=root, json={
        "username": "second-root", "full_name": "Root 2", "password": TEST_PASSWORD, "agency_id": None,
        "roles": ["admin", "auditor"]})
    assert made.status_code == 201 and made.get_json()["agency_id"] is None


def test_agency_admin_still_administers_its_own_tree(client, tree, aa):
    sub = client.post("/api/v1/agencies", headers=aa, json={"code": "A2", "name": "Xã A2", "parent_id": tree["A"]})
    assert sub.status_code == 201
    unit = client.post("/api/v1/units", headers=aa, json={"code": "UA2", "name": "Bộ phận A2",
                                                            "agency_id": sub.get_json()["id"]})
    assert unit.status_code == 201
    # no agency given: the unit's agency, never system scope
    officer = client.post("/api/v1/officers", headers=aa, json={
        "username": "clerk-a2", "full_name": "Văn thư A2", "password": TEST_PASSWORD,
        "unit_ids": [unit.get_json()["id"]], "roles": ["clerk", "leader", "admin"]})
    assert officer.status_code == 201, officer.get_json()
    assert officer.get_json()["agency_id"] == sub.get_json()["id"]
    bare = client.post("/api/v1/officers", headers=aa, json={
        "username": "bare", "full_name": "Không đơn vị", "password": TEST_PASSWORD})
    assert bare.status_code == 201 and bare.get_json()["agency_id"] == tree["A"]
    changed = client.patch(f"/api/v1/officers/{tree['oa']}", headers=aa,
                           json={"unit_ids": [tree["UA1"]], "roles": ["officer", "leader"]})
    assert changed.status_code == 200
    moved = client.patch(f"/api/v1/agencies/{tree['A1']}", headers=aa, json={"parent_id": sub.get_json()["id"]})
    assert moved.status_code == 200
    key = client.post("/api/v1/api-keys", headers=aa, json={"name": "A's integration", "officer_id": tree["oa"]})
    assert key.status_code == 201
    assert client.post(f"/api/v1/api-keys/{key.get_json()['id']}/revoke", headers=aa).status_code == 200


def test_agency_admin_lists_only_its_keys(client, auth, tree, aa):
    client.post("/api/v1/api-keys", headers=aa, json={"name": "A's", "officer_id": tree["oa"]})
    mine = client.get("/api/v1/api-keys", headers=aa).get_json()
    assert [k["officer"]["username"] for k in mine] == ["oa"]
    everything = client.get("/api/v1/api-keys", headers=auth.headers("root")).get_json()
    assert sorted(k["officer"]["username"] for k in everything) == ["oa", "ob"]


def test_a_key_minted_for_the_system_admin_is_refused(client, auth, tree, aa):
    """The probe's escalation: a key with the system admin's identity (201 before)."""
    response = client.post("/api/v1/api-keys", headers=aa, json={"name": "as root", "officer_id": tree["root"]})
    assert response.status_code == 404
    with_root = client.post("/api/v1/api-keys", headers=auth.headers("root"),
                            json={"name": "ok", "officer_id": tree["root"]})
    assert with_root.status_code == 201


def test_agency_admin_retries_only_its_dossiers_and_due_work(app, client, auth, demo, clock):
    """A demo dossier (NA-HN's) and its due work are another agency's to an admin of a new agency."""
    from app.scheduler.due_work_models import DueWork
    from tests.dossiers.flow import Flow

    dossier = Flow(client, clock).start()
    with app.app_context():
        now = clock.now()
        other = org.create_agency(session=db.session, agency_in={"code": "OTHER", "name": "Sở khác"}, now=now)
        admin = org.create_officer(session=db.session, now=now, officer_in={
            "username": "other-admin", "full_name": "Other", "password": TEST_PASSWORD, "roles": ["admin"],
            "agency_id": other.id})
        items = [DueWork(kind=kind, dossier_id=dossier_id, due_at=now - timedelta(hours=1), status="failed",
                         attempts=3, created_at=now, dedupe_key=f"test:{kind}", payload={})
                 for kind, dossier_id in (("daily_digest", None), ("step_overdue", dossier["id"]))]
        db.session.add_all(items)
        db.session.commit()
        item_ids, admin_id = [item.id for item in items], admin.id
    assert admin_id
    other_admin = auth.headers("other-admin")
    for item_id in item_ids:
        assert client.post(f"/api/v1/scheduler/due-work/{item_id}/retry", headers=other_admin).status_code == 404
    assert client.post(f"/api/v1/dossiers/{dossier['id']}/retry", headers=other_admin, json={}).status_code == 404
    # reading stays open to admins (scope module doc), and the system admin still retries
    assert client.get(f"/api/v1/dossiers/{dossier['id']}", headers=other_admin).status_code == 200
    root = auth.headers("admin")
    assert client.post(f"/api/v1/scheduler/due-work/{item_ids[0]}/retry", headers=root).status_code == 200
