"""Agency scope on people and on the audit trail: a leader or an agency's admin sees only their agencies."""
from __future__ import annotations

from tests.conftest import DEMO_PASSWORD


def _ids(client, headers):
    r = client.get("/api/v1/officers?page_size=100", headers=headers)
    assert r.status_code == 200, r.get_json()
    return {o["username"]: o["id"] for o in r.get_json()}


def test_a_leader_lists_only_people_of_their_agencies(client, auth, demo):
    leader = auth.headers("na.hn.ktht.truongphong", DEMO_PASSWORD)  # Nghệ An commune
    seen = _ids(client, leader)
    assert "na.hn.ktht.chuyenvien" in seen
    assert not any(name.startswith("cb.") for name in seen)  # nobody of Cao Bằng
    everyone = _ids(client, auth.headers("admin"))  # the system administrator sees all
    cao_bang = everyone["cb.ha.vhxh.congchuc"]
    assert client.get(f"/api/v1/officers/{cao_bang}", headers=leader).status_code == 404  # not said to exist
    assert client.get(f"/api/v1/officers/{seen['na.hn.ktht.chuyenvien']}", headers=leader).status_code == 200


def test_an_agency_admin_reads_only_their_agency_audit(client, auth, demo, app):
    from app.extensions import db
    from app.org.models import Agency

    with app.app_context():
        na = db.session.query(Agency).filter_by(code="NA-HN").one().id
    admin = auth.headers("admin")
    r = client.post("/api/v1/officers", headers=admin, json={
        "username": "na.quantri", "full_name": "Quản trị xã", "password": "long-enough-pass", "roles": ["admin"],
        "agency_id": na})
    assert r.status_code == 201, r.get_json()
    for who in ("na.hn.ktht.truongphong", "cb.ha.vhxh.congchuc"):  # each leaves a denied attempt in the trail
        denied = client.post("/api/v1/agencies", headers=auth.headers(who, DEMO_PASSWORD), json={"code": "X", "name": "X"})
        assert denied.status_code == 403
    events = client.get("/api/v1/audit?outcome=denied&page_size=100",
                        headers=auth.headers("na.quantri", "long-enough-pass")).get_json()
    actors = {e["actor_username"] for e in events}
    assert "na.hn.ktht.truongphong" in actors and "cb.ha.vhxh.congchuc" not in actors
    everything = client.get("/api/v1/audit?outcome=denied&page_size=100", headers=admin).get_json()
    assert "cb.ha.vhxh.congchuc" in {e["actor_username"] for e in everything}
