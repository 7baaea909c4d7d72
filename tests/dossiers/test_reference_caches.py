"""Per-process caches of the organisation and calendars: used on the hot path, and never stale after a change.

Each process keeps the agency and unit trees, unit names and built calendars keyed by the tokens of
``app.cache_versions``; these tests change the organisation over the API and read again, as another worker
would, and check that a dossier read no longer queries the units at all.
"""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from app import cache_versions
from app.extensions import db
from tests.dossiers.flow import CLERK


@contextmanager
def statements(app):
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_renamed_unit_shows_on_the_next_read_and_reads_do_not_query_units(app, client, flow, auth):
    dossier = flow.start()
    step = dossier["current_steps"][0]
    assert step["unit"]["name"] == "Bộ phận tiếp nhận và trả kết quả"
    flow.dossier(dossier["id"])  # warm: this process now holds the unit names
    with statements(app) as seen:
        read = flow.dossier(dossier["id"])
    assert read["current_steps"][0]["unit"]["code"] == step["unit"]["code"]
    assert not [s for s in seen if " FROM units" in s], seen  # names came from the per-process copy

    unit_id = step["unit"]["id"]
    renamed = client.patch(f"/api/v1/units/{unit_id}", headers=auth.headers("admin"),
                           json={"name": "Bộ phận Tiếp nhận và Trả kết quả"})
    assert renamed.status_code == 200, renamed.get_json()
    assert flow.dossier(dossier["id"])["current_steps"][0]["unit"]["name"] == "Bộ phận Tiếp nhận và Trả kết quả"


def test_organisation_token_changes_with_the_tree_and_not_on_a_refused_change(app, client, admin_headers):
    def token():
        with app.app_context():
            value = cache_versions.token_of(db.session, cache_versions.ORGANISATION)
            db.session.rollback()
            return value

    before = token()
    created = client.post("/api/v1/agencies", headers=admin_headers,
                          json={"code": "QT", "name": "Quảng Trị", "kind": "province"})
    assert created.status_code == 201, created.get_json()
    after_create = token()
    assert after_create is not None and after_create != before
    # a refused change (duplicate code) rolls back everything, the token included
    duplicate = client.post("/api/v1/agencies", headers=admin_headers,
                            json={"code": "QT", "name": "Quảng Trị", "kind": "province"})
    assert duplicate.status_code == 409
    assert token() == after_create
    renamed = client.patch(f"/api/v1/agencies/{created.get_json()['id']}", headers=admin_headers,
                           json={"name": "Tỉnh Quảng Trị"})
    assert renamed.status_code == 200
    assert token() not in (before, after_create)


def test_an_agency_moved_under_a_province_gets_the_province_days_off_at_once(client, admin_headers):
    def agency(code: str, parent_id: int | None = None) -> int:
        r = client.post("/api/v1/agencies", headers=admin_headers,
                        json={"code": code, "name": code, "kind": "commune" if parent_id else "province",
                              "parent_id": parent_id})
        assert r.status_code == 201, r.get_json()
        return r.get_json()["id"]

    def reception_start(agency_id: int) -> str:
        r = client.get("/api/v1/calendar/due-date", headers=admin_headers, query_string={
            "agency": agency_id, "start": "2026-03-06T15:30:00+07:00", "duration": "PT1H"})
        assert r.status_code == 200, r.get_json()
        return r.get_json()["reception_start"]

    province, commune = agency("TH"), agency("TH-XA")
    off = client.post(f"/api/v1/agencies/{province}/calendar/overrides", headers=admin_headers,
                      json={"day": "2026-03-09", "kind": "day_off", "decision": "Quyết định 12/QĐ-UBND"})
    assert off.status_code == 201, off.get_json()
    assert reception_start(commune) == "2026-03-09T07:00:00+07:00"  # not under the province yet: cached so
    moved = client.patch(f"/api/v1/agencies/{commune}", headers=admin_headers, json={"parent_id": province})
    assert moved.status_code == 200, moved.get_json()
    # the calendar token did not change, the organisation token did: the commune now inherits Monday off
    assert reception_start(commune) == "2026-03-10T07:00:00+07:00"


def test_reads_still_work_after_the_tokens_are_gone(app, client, flow):
    """An emptied token table (a restore, a hand edit) means "do not cache", never a stale or failed read."""
    dossier = flow.start()
    with app.app_context():
        db.session.execute(cache_versions.CacheVersion.__table__.delete())
        db.session.commit()
    read = client.get(f"/api/v1/dossiers/{dossier['id']}", headers=flow.h(CLERK))
    assert read.status_code == 200
    assert read.get_json()["current_steps"][0]["unit"]["name"] == "Bộ phận tiếp nhận và trả kết quả"
