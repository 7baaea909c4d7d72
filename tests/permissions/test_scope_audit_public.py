"""Agency scope (404, never a leak), the audit trail (records refusals, read only), the public lookup."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from app.extensions import db
from tests.permissions.conftest import FOREIGN

HOSTILE = ["'; DROP TABLE officers; --", "<script>alert(1)</script>"]


def _same_problem(a, b) -> None:
    ja, jb = a.get_json(), b.get_json()
    assert a.status_code == b.status_code == 404
    assert (ja["code"], ja["title"]) == (jb["code"], jb["title"])


def test_other_agency_sees_nothing_of_a_dossier(client, login, na_dossier) -> None:
    dossier_id = na_dossier["id"]
    for _role, username in FOREIGN.items():
        h = login(username)
        for suffix in ("", "/receipt", "/control-sheet"):
            _same_problem(client.get(f"/api/v1/dossiers/{dossier_id}{suffix}", headers=h),
                          client.get(f"/api/v1/dossiers/987654{suffix}", headers=h))
        assert client.get("/api/v1/dossiers", headers=h).get_json() == []
        assert client.get("/api/v1/tasks", headers=h).get_json() == []
    h = login(FOREIGN["officer"])
    step_id = client.get("/api/v1/tasks", headers=login("na.hn.motcua")).get_json()[0]["id"]
    _same_problem(client.get(f"/api/v1/tasks/{step_id}", headers=h), client.get("/api/v1/tasks/987654", headers=h))
    _same_problem(client.post(f"/api/v1/tasks/{step_id}/claim", headers=h),
                  client.post("/api/v1/tasks/987654/claim", headers=h))


def test_officers_open_only_their_units_steps_and_leaders_their_sub_units(client, login, na_dossier) -> None:
    step_id = client.get("/api/v1/tasks", headers=login("na.hn.motcua")).get_json()[0]["id"]
    # same agency, another unit: 403 (the dossier is visible, the step is not theirs)
    assert client.get(f"/api/v1/tasks/{step_id}", headers=login("na.hn.vp.chuyenvien")).status_code == 403
    assert client.get("/api/v1/tasks", headers=login("na.hn.vp.chuyenvien")).get_json() == []
    # the commune chair leads every unit under NA-HN-LD (units.parent_id), not the public-service centre
    assert client.get(f"/api/v1/tasks/{step_id}", headers=login("na.hn.chutich")).status_code == 403


def test_a_clerk_receives_only_for_their_desk(client, login, demo) -> None:
    r = client.post("/api/v1/procedures/na_khau_tru_kinh_phi_boi_thuong/dossiers", headers=login(FOREIGN["clerk"]),
                    json={"applicant": {"name": "X"}, "documents": [], "data": {}})
    assert r.status_code == 403 and r.get_json()["code"] == "not_your_desk"


def test_refusals_are_audited_and_the_audit_api_filters(client, login, role_headers) -> None:
    assert client.post("/api/v1/agencies", headers=role_headers["officer"], json={}).status_code == 403
    assert client.get("/api/v1/officers").status_code == 401
    audit = client.get("/api/v1/audit", headers=role_headers["auditor"], query_string={"outcome": "denied"})
    assert audit.status_code == 200
    events = audit.get_json()
    forbidden = [e for e in events if e["action"] == "access.forbidden"]
    assert forbidden and forbidden[0]["actor_username"] == "na.hn.ktht.chuyenvien"
    assert forbidden[0]["after"]["endpoint"] == "org.Agencies" and forbidden[0]["after"]["method"] == "POST"
    assert any(e["action"] == "access.unauthenticated" and e["actor_id"] is None for e in events)
    assert client.get("/api/v1/audit", headers=role_headers["officer"]).status_code == 403
    only = client.get("/api/v1/audit", headers=role_headers["admin"],
                      query_string={"actor": "na.hn.ktht.chuyenvien", "outcome": "denied"}).get_json()
    assert {e["actor_username"] for e in only} == {"na.hn.ktht.chuyenvien"}


def test_changes_are_audited_and_no_route_changes_the_audit(app, client, login, na_dossier, role_headers) -> None:
    events = client.get("/api/v1/audit", headers=role_headers["auditor"],
                        query_string={"object_type": "dossier", "object_id": str(na_dossier["id"])}).get_json()
    assert any(e["action"] == "dossier.receive" and e["outcome"] == "allowed" for e in events)
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule:
            assert rule.methods - {"HEAD", "OPTIONS"} == {"GET"}
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert client.open("/api/v1/audit", method=method, headers=role_headers["admin"]).status_code == 405


def test_postgresql_refuses_update_and_delete_of_audit_rows(app, na_dossier) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the append-only trigger exists on PostgreSQL only")
        for statement in ("UPDATE audit_events SET summary = 'x'", "DELETE FROM audit_events"):
            with pytest.raises(Exception, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()


def test_hostile_text_is_stored_verbatim_and_returned_escaped(client, admin_headers) -> None:
    for name in HOSTILE:
        r = client.post("/api/v1/agencies", headers=admin_headers, json={"code": f"X{len(name)}", "name": name})
        assert r.status_code == 201, r.get_json()
        assert r.get_json()["name"] == name  # verbatim, inside a JSON string: never markup
        assert r.mimetype == "application/json" and r.headers.get("X-Content-Type-Options") == "nosniff"
    assert client.get("/api/v1/officers", headers=admin_headers).status_code == 200  # the table is still there


def test_public_lookup(client, app, na_dossier) -> None:
    code, secret = na_dossier["code"], na_dossier["lookup_secret"]
    r = client.get(f"/api/v1/public/dossiers/{code}", query_string={"secret": secret})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["status"] and body["current_units"] and "steps_done" in body and "due_at" in body
    raw = r.get_data(as_text=True)
    for private in ("Nguyễn Thị Hoa", "040190001234", "Trần Thị Ngọc Ánh", "applicant"):
        assert private not in raw
    _same_problem(client.get(f"/api/v1/public/dossiers/{code}", query_string={"secret": "wrong"}),
                  client.get("/api/v1/public/dossiers/NOPE-000", query_string={"secret": secret}))
    app.config["THROTTLE_PUBLIC_LOOKUP"] = (5, 60)
    statuses = [client.get(f"/api/v1/public/dossiers/{code}", query_string={"secret": "w"}).status_code
                for _ in range(5)]
    assert statuses[-1] == 429 and "Retry-After" in client.get(f"/api/v1/public/dossiers/{code}",
                                                               query_string={"secret": secret}).headers
