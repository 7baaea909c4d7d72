"""Issue #15.3: calendar settings are judged as a whole when written; whatever is stored never answers 500."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.calendar.models import CalendarSettings
from app.extensions import db


@pytest.fixture()
def tree(client, admin_headers):
    def agency(code: str, parent_id: int | None = None) -> int:
        response = client.post("/api/v1/agencies", headers=admin_headers, json={
            "code": code, "name": f"Cơ quan {code}", "kind": "commune" if parent_id else "province",
            "parent_id": parent_id})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    province = agency("TN")
    return {"province": province, "commune": agency("TN-XA", province)}


def _settings_url(agency_id: int) -> str:
    return f"/api/v1/agencies/{agency_id}/calendar/settings"


def _due(client, headers, agency_id):
    return client.get("/api/v1/calendar/due-date", headers=headers, query_string={
        "agency": agency_id, "start": "2026-03-02T08:00:00+07:00", "duration": "P1D"})


@pytest.mark.parametrize("body, field", [
    ({"sessions": {}, "reception_cutoff": "00:00"}, "sessions"),       # the probe's body
    ({"sessions": {}}, "sessions"),                                     # a week without any session
    ({"reception_cutoff": "00:00"}, "reception_cutoff"),                # before the office day starts
    ({"reception_cutoff": "07:00"}, "reception_cutoff"),                # at the first session: never counts today
    ({"reception_cutoff": "24:00"}, "reception_cutoff"),                # not a time of day
    ({"sessions": {"0": [["07:00", "11:30"], ["11:00", "17:00"]]}}, "sessions"),   # overlapping
    ({"sessions": {"0": [["13:30", "17:00"], ["07:00", "11:30"]]}}, "sessions"),   # out of order
    ({"sessions": {"0": [["07:00", "25:00"]]}}, "sessions"),                       # outside the day
    ({"sessions": {"0": [["08:00", "08:00"]]}}, "sessions"),                       # empty session
])
def test_settings_that_leave_no_working_week_are_refused(client, admin_headers, tree, body, field):
    url = _settings_url(tree["province"])
    before = client.get(url, headers=admin_headers).get_json()
    response = client.put(url, headers=admin_headers, json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"], response.get_json()
    assert client.get(url, headers=admin_headers).get_json() == before      # nothing half-written
    assert _due(client, admin_headers, tree["province"]).status_code == 200


def test_an_empty_body_changes_nothing_and_is_a_422(client, admin_headers, tree):
    response = client.put(_settings_url(tree["province"]), headers=admin_headers, json={})
    assert response.status_code == 422


def test_a_parent_change_that_breaks_an_inheriting_agency_names_it(client, admin_headers, tree):
    # the commune keeps its own 08:00 cut-off; the province moving every session to the afternoon would
    # leave the commune's cut-off before its first session
    ok = client.put(_settings_url(tree["commune"]), headers=admin_headers, json={"reception_cutoff": "08:00"})
    assert ok.status_code == 200, ok.get_json()
    afternoons = {str(d): [["13:00", "17:00"]] for d in range(5)}
    response = client.put(_settings_url(tree["province"]), headers=admin_headers, json={"sessions": afternoons})
    assert response.status_code == 422
    message = response.get_json()["errors"]["reception_cutoff"][0]
    assert str(tree["commune"]) in message
    # once the commune inherits again, the change with a cut-off that fits the afternoons is accepted
    assert client.put(_settings_url(tree["commune"]), headers=admin_headers,
                      json={"reception_cutoff": None}).status_code == 200
    fine = client.put(_settings_url(tree["province"]), headers=admin_headers,
                      json={"sessions": afternoons, "reception_cutoff": "16:00"})
    assert fine.status_code == 200, fine.get_json()
    assert _due(client, admin_headers, tree["commune"]).get_json()["due_at"] == "2026-03-03T17:00:00+07:00"  # 4 h a day


def test_stored_settings_that_cannot_make_a_week_answer_409_not_500(app, client, admin_headers, tree):
    with app.app_context():
        # written around the API, as a row from before this check existed would be
        db.session.add(CalendarSettings(agency_id=tree["province"], sessions={}, reception_cutoff="00:00",
                                        updated_at=datetime(2026, 1, 1, tzinfo=UTC)))
        db.session.commit()
    for agency_id in (tree["province"], tree["commune"]):
        response = _due(client, admin_headers, agency_id)
        assert response.status_code == 409, response.get_json()
        assert response.get_json()["code"] == "calendar_unusable"


def test_a_year_without_any_working_day_is_refused(client, admin_headers, tree):
    url = f"/api/v1/agencies/{tree['province']}/calendar/overrides"
    day, last = date(2027, 1, 1), date(2027, 12, 31)
    answers = []
    while day <= last:
        to = min(day + timedelta(days=30), last)
        answers.append(client.post(url, headers=admin_headers, json={
            "day_from": day.isoformat(), "day_to": to.isoformat(), "kind": "day_off",
            "decision": "Quyết định nghỉ cả năm"}))
        day = to + timedelta(days=1)
    assert [a.status_code for a in answers[:-1]] == [201] * (len(answers) - 1)
    assert answers[-1].status_code == 409, answers[-1].get_json()
    assert answers[-1].get_json()["code"] == "no_working_time"
    # the last range was not stored: its days still work
    response = client.get("/api/v1/calendar/due-date", headers=admin_headers, query_string={
        "agency": tree["province"], "start": "2027-12-30T08:00:00+07:00", "duration": "PT1H"})
    assert response.status_code == 200
    assert response.get_json()["due_at"].startswith("2027-12-30")
