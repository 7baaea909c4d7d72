"""Per-agency working calendars over HTTP: due dates, days of a year, overrides and their inheritance."""
from __future__ import annotations

import pytest

from app.calendar import service
from app.extensions import db

PROBLEM = "application/problem+json"


@pytest.fixture()
def tree(client, admin_headers):
    """A province with a commune under it, and an unrelated province."""
    def agency(code: str, parent_id: int | None = None) -> int:
        response = client.post("/api/v1/agencies", headers=admin_headers, json={
            "code": code, "name": code, "kind": "commune" if parent_id else "province", "parent_id": parent_id})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    province = agency("HN")
    commune = agency("HN-XA", province)
    other = agency("HP")
    return {"province": province, "commune": commune, "other": other}


def _override(client, headers, agency_id, **body):
    body.setdefault("decision", "Quyết định 12/QĐ-UBND")
    return client.post(f"/api/v1/agencies/{agency_id}/calendar/overrides", headers=headers, json=body)


def _due(client, headers, **query):
    return client.get("/api/v1/calendar/due-date", headers=headers, query_string=query)


# --- due date ---------------------------------------------------------------------------------------------

def test_due_date_counts_working_time_and_applies_the_reception_rule(client, admin_headers, tree):
    body = _due(client, admin_headers, agency=tree["commune"], start="2026-03-02T08:00:00+07:00",
                duration="P1D").get_json()
    assert body["reception_start"] == "2026-03-02T08:00:00+07:00"
    assert body["due_at"] == "2026-03-03T08:00:00+07:00"
    assert body["working_time"] == "PT8H"
    # received after 15:00 on Friday: counting starts Monday 07:00
    late = _due(client, admin_headers, agency=tree["commune"], start="2026-03-06T15:30:00+07:00",
                duration="PT4H").get_json()
    assert late["reception_start"] == "2026-03-09T07:00:00+07:00"
    assert late["due_at"] == "2026-03-09T11:00:00+07:00"


def test_due_date_without_agency_uses_national_calendar(client, admin_headers):
    response = _due(client, admin_headers, start="2026-03-02T01:00:00Z", duration="PT2H")
    assert response.status_code == 200
    assert response.get_json()["due_at"] == "2026-03-02T10:00:00+07:00"


def test_new_year_2026_swap_is_shipped_as_national_override(app, client, admin_headers, clock):
    with app.app_context():
        lines = service.load_national_overrides(session=db.session, now=clock.now())
        again = service.load_national_overrides(session=db.session, now=clock.now())
        db.session.commit()
    assert lines and again == []
    body = _due(client, admin_headers, start="2025-12-31T14:00:00+07:00", duration="PT1H").get_json()
    assert body["due_at"] == "2025-12-31T15:00:00+07:00"
    body = _due(client, admin_headers, start="2025-12-31T16:00:00+07:00", duration="PT1H").get_json()
    assert body["reception_start"] == "2026-01-05T07:00:00+07:00"  # after 15:00; 1/1 and 2/1 off, weekend
    assert body["due_at"] == "2026-01-05T08:00:00+07:00"
    body = _due(client, admin_headers, start="2026-01-09T16:00:00+07:00", duration="PT2H").get_json()
    assert body["reception_start"] == "2026-01-10T07:00:00+07:00"  # the make-up Saturday
    assert body["due_at"] == "2026-01-10T09:00:00+07:00"
    days = client.get("/api/v1/calendar/days", headers=admin_headers, query_string={"year": 2026}).get_json()
    off = {d["day"]: d for d in days["days_off"]}
    assert off["2026-01-02"]["source"] == "override" and "Tết Dương lịch" in off["2026-01-02"]["decision"]
    assert off["2026-02-17"]["source"] == "holidays_package"
    worked = {d["day"]: d for d in days["extra_working_days"]}
    assert worked["2026-01-10"]["source"] == "override"


def test_a_completed_citation_in_the_shipped_file_updates_rows_loaded_before(app, clock, tmp_path):
    import json

    from app.calendar.models import CalendarOverride

    shipped = json.loads(service.NATIONAL_OVERRIDES_FILE.read_text("utf-8"))
    assert all("12729/VPCP-KGVX" in item["decision"] for item in shipped["overrides"])
    older = {"overrides": [{**item, "decision": "Bộ Nội vụ: số văn bản cần bổ sung"} for item in shipped["overrides"]]}
    older_file = tmp_path / "older.json"
    older_file.write_text(json.dumps(older, ensure_ascii=False), "utf-8")
    with app.app_context():
        service.load_national_overrides(session=db.session, now=clock.now(), path=older_file)
        token = service.calendar_token(session=db.session)
        lines = service.load_national_overrides(session=db.session, now=clock.now())
        db.session.commit()
        assert lines == ["Updated the decision of 2 shipped override(s) from national_overrides.json."]
        assert service.calendar_token(session=db.session) != token  # every process sees the new text
        rows = db.session.query(CalendarOverride).filter(CalendarOverride.agency_id.is_(None)).all()
        assert {row.decision for row in rows} == {item["decision"] for item in shipped["overrides"]}
        assert service.load_national_overrides(session=db.session, now=clock.now()) == []


@pytest.mark.parametrize("duration", ["P1Y", "P1M", "-P1D", "PT-4H", "abc", "P", "1D", "P9999D", ""])
def test_due_date_refuses_bad_durations(client, admin_headers, duration):
    response = _due(client, admin_headers, start="2026-03-02T08:00:00+07:00", duration=duration)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == PROBLEM
    assert "duration" in response.get_json()["errors"]


@pytest.mark.parametrize("start", ["2026-03-02T08:00:00", "2026-03-02", "not-a-date", "1850-01-01T08:00:00+07:00"])
def test_due_date_refuses_naive_or_bad_starts(client, admin_headers, start):
    response = _due(client, admin_headers, start=start, duration="P1D")
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert "start" in response.get_json()["errors"]


def test_due_date_unknown_agency_and_missing_params(client, admin_headers):
    response = _due(client, admin_headers, agency=999, start="2026-03-02T08:00:00+07:00", duration="P1D")
    assert response.status_code == 404 and response.get_json()["code"] == "unknown_agency"
    assert _due(client, admin_headers, start="2026-03-02T08:00:00+07:00").status_code == 422
    assert _due(client, admin_headers, duration="P1D").status_code == 422


def test_calendar_needs_a_token(client):
    response = _due(client, {}, start="2026-03-02T08:00:00+07:00", duration="P1D")
    assert response.status_code == 401


# --- days -------------------------------------------------------------------------------------------------

def test_days_lists_package_holidays_with_names(client, admin_headers, tree):
    body = client.get("/api/v1/calendar/days", headers=admin_headers,
                      query_string={"agency": tree["commune"], "year": 2025}).get_json()
    off = {d["day"]: d for d in body["days_off"]}
    assert off["2025-09-02"]["name"] == "National Day" and off["2025-09-02"]["source"] == "holidays_package"
    assert "2025-04-26" in {d["day"] for d in body["extra_working_days"]}  # the package's make-up Saturday


@pytest.mark.parametrize("year", [1899, 1999, 2101, 99999])
def test_days_refuses_years_out_of_range(client, admin_headers, year):
    response = client.get("/api/v1/calendar/days", headers=admin_headers, query_string={"year": year})
    assert response.status_code == 422
    assert response.get_json()["code"] == "year_out_of_range"


def test_days_refuses_missing_year_and_unknown_agency(client, admin_headers):
    assert client.get("/api/v1/calendar/days", headers=admin_headers).status_code == 422
    response = client.get("/api/v1/calendar/days", headers=admin_headers, query_string={"year": 2026, "agency": 77})
    assert response.status_code == 404


# --- overrides --------------------------------------------------------------------------------------------

def test_province_override_is_inherited_by_commune_and_child_wins(client, admin_headers, tree):
    # Monday 9/3/2026 off for the whole province (a local event)
    created = _override(client, admin_headers, tree["province"], day="2026-03-09", kind="day_off",
                        note="Lễ hội địa phương")
    assert created.status_code == 201, created.get_json()
    assert created.get_json()[0]["decision"] == "Quyết định 12/QĐ-UBND"
    start = "2026-03-06T15:30:00+07:00"  # Friday after 15:00
    commune = _due(client, admin_headers, agency=tree["commune"], start=start, duration="PT1H").get_json()
    assert commune["reception_start"] == "2026-03-10T07:00:00+07:00"
    other = _due(client, admin_headers, agency=tree["other"], start=start, duration="PT1H").get_json()
    assert other["reception_start"] == "2026-03-09T07:00:00+07:00"
    # the commune works that day anyway: its own override wins over the province's
    assert _override(client, admin_headers, tree["commune"], day="2026-03-09", kind="working_day").status_code == 201
    commune = _due(client, admin_headers, agency=tree["commune"], start=start, duration="PT1H").get_json()
    assert commune["reception_start"] == "2026-03-09T07:00:00+07:00"
    days = client.get("/api/v1/calendar/days", headers=admin_headers,
                      query_string={"agency": tree["commune"], "year": 2026}).get_json()
    assert "2026-03-09" not in {d["day"] for d in days["days_off"]}
    province_days = client.get("/api/v1/calendar/days", headers=admin_headers,
                               query_string={"agency": tree["province"], "year": 2026}).get_json()
    entry = next(d for d in province_days["days_off"] if d["day"] == "2026-03-09")
    assert entry["agency_id"] == tree["province"] and entry["note"] == "Lễ hội địa phương"


def test_cache_is_invalidated_by_a_change(app, client, admin_headers, tree):
    start = "2026-03-06T15:30:00+07:00"
    before = _due(client, admin_headers, agency=tree["commune"], start=start, duration="PT1H").get_json()
    assert before["reception_start"] == "2026-03-09T07:00:00+07:00"
    with app.app_context():
        token_before = service.calendar_token(session=db.session)
    created = _override(client, admin_headers, tree["province"], day="2026-03-09", kind="day_off").get_json()
    with app.app_context():
        assert service.calendar_token(session=db.session) != token_before
    after = _due(client, admin_headers, agency=tree["commune"], start=start, duration="PT1H").get_json()
    assert after["reception_start"] == "2026-03-10T07:00:00+07:00"
    deleted = client.delete(f"/api/v1/agencies/{tree['province']}/calendar/overrides/{created[0]['id']}",
                            headers=admin_headers)
    assert deleted.status_code == 204
    again = _due(client, admin_headers, agency=tree["commune"], start=start, duration="PT1H").get_json()
    assert again["reception_start"] == "2026-03-09T07:00:00+07:00"


def test_cached_calendar_is_reused_while_nothing_changes(app, tree, clock):
    with app.app_context():
        first = service.calendar_for_agency(session=db.session, agency_id=tree["commune"], around=clock.now())
        second = service.calendar_for_agency(session=db.session, agency_id=tree["commune"], around=clock.now())
        assert first is second


def test_list_and_delete_overrides(client, admin_headers, tree):
    _override(client, admin_headers, tree["province"], day_from="2026-05-04", day_to="2026-05-06", kind="day_off")
    listed = client.get(f"/api/v1/agencies/{tree['province']}/calendar/overrides", headers=admin_headers,
                        query_string={"year": 2026})
    assert [o["day"] for o in listed.get_json()] == ["2026-05-04", "2026-05-05", "2026-05-06"]
    assert client.get(f"/api/v1/agencies/{tree['commune']}/calendar/overrides",
                      headers=admin_headers).get_json() == []
    wrong_agency = client.delete(f"/api/v1/agencies/{tree['commune']}/calendar/overrides/"
                                 f"{listed.get_json()[0]['id']}", headers=admin_headers)
    assert wrong_agency.status_code == 404


def test_duplicate_and_overlapping_overrides_conflict(client, admin_headers, tree):
    assert _override(client, admin_headers, tree["province"], day_from="2026-05-04", day_to="2026-05-06",
                     kind="day_off").status_code == 201
    same = _override(client, admin_headers, tree["province"], day="2026-05-05", kind="day_off")
    assert same.status_code == 409 and same.get_json()["code"] == "duplicate_override"
    overlap = _override(client, admin_headers, tree["province"], day_from="2026-05-06", day_to="2026-05-08",
                        kind="day_off")
    assert overlap.status_code == 409
    assert [e["day"] for e in overlap.get_json()["errors"]["day"]] == ["2026-05-06"]
    both = _override(client, admin_headers, tree["province"], day="2026-05-04", kind="working_day")
    assert both.status_code == 409 and both.get_json()["code"] == "override_both_kinds"
    assert both.mimetype == PROBLEM


@pytest.mark.parametrize("body", [
    {"kind": "day_off"},                                                  # no day
    {"day": "2026-05-04", "kind": "holiday"},                             # unknown kind
    {"day": "2026-05-04", "day_from": "2026-05-04", "kind": "day_off"},   # both forms
    {"day_from": "2026-05-08", "day_to": "2026-05-04", "kind": "day_off"},  # backwards
    {"day_from": "2026-01-01", "day_to": "2026-03-01", "kind": "day_off"},  # too long
    {"day": "1850-05-04", "kind": "day_off"},                             # year out of range
    {"day": "2026-02-30", "kind": "day_off"},                             # not a date
    {"day": "2026-05-04", "kind": "day_off", "decision": ""},             # no decision
    {"day": "2026-05-04", "kind": "day_off", "colour": "red"},            # unknown field
])
def test_bad_overrides_are_refused(client, admin_headers, tree, body):
    response = _override(client, admin_headers, tree["province"], **body)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == PROBLEM


def test_overrides_of_unknown_agency_and_non_admins(client, admin_headers, auth, tree):
    assert _override(client, admin_headers, 4242, day="2026-05-04", kind="day_off").status_code == 404
    assert client.get("/api/v1/agencies/4242/calendar/overrides", headers=admin_headers).status_code == 404
    auth.create("clerk1", "clerk")
    clerk = auth.headers("clerk1")
    assert _override(client, clerk, tree["province"], day="2026-05-04", kind="day_off").status_code == 403
    assert client.get(f"/api/v1/agencies/{tree['province']}/calendar/overrides", headers=clerk).status_code == 200


def test_settings_are_inherited_and_change_due_dates(client, admin_headers, tree):
    url = f"/api/v1/agencies/{tree['province']}/calendar/settings"
    saturday_morning = {str(d): [["07:00", "11:30"], ["13:30", "17:00"]] for d in range(5)}
    saturday_morning["5"] = [["07:30", "11:30"]]
    response = client.put(url, headers=admin_headers, json={"sessions": saturday_morning, "reception_cutoff": "16:00"})
    assert response.status_code == 200, response.get_json()
    child = client.get(f"/api/v1/agencies/{tree['commune']}/calendar/settings", headers=admin_headers).get_json()
    assert child["own"]["sessions"] is None and child["effective"]["reception_cutoff"] == "16:00"
    assert child["effective"]["sessions"]["5"] == [["07:30", "11:30"]]
    body = _due(client, admin_headers, agency=tree["commune"], start="2026-03-06T15:30:00+07:00",
                duration="PT2H").get_json()
    assert body["reception_start"] == "2026-03-06T15:30:00+07:00"   # before the 16:00 cut-off
    assert body["due_at"] == "2026-03-07T08:00:00+07:00"            # 1.5 h Friday, 0.5 h Saturday
    bad = client.put(url, headers=admin_headers, json={"sessions": {"0": [["11:00", "08:00"]]}})
    assert bad.status_code == 422
