"""The applicant rates the service once, after the result; a low rating tells the units' leaders; leaders see
the ratings by unit, procedure, agency and month (the criteria of Decision 766's satisfaction part)."""
from __future__ import annotations

import csv
import io

from app.extensions import db
from app.notifications.models import Notification
from tests.dossiers.flow import CHAIR, CLERK, NA

GOOD = {"access": 5, "papers": 4, "officers": 5, "timeliness": 4, "result": 5}
LOW = {"access": 4, "papers": 2, "officers": 1, "timeliness": 3, "result": 4}


def finished(flow) -> dict:
    receipt = flow.start()
    flow.run_to_end(receipt["id"])
    return receipt


def rate(flow, receipt, scores, expect=201, **extra):
    body = {"secret": receipt["lookup_secret"], "scores": scores, **extra}
    r = flow.client.post(f"/api/v1/public/dossiers/{receipt['code']}/rating", json=body)
    assert r.status_code == expect, r.get_json()
    return r.get_json()


def test_one_rating_after_the_result_and_clear_refusals(flow):
    open_one = flow.start()
    refused = rate(flow, open_one, GOOD, expect=409)
    assert refused["code"] == "rating_not_open"
    receipt = finished(flow)
    wrong = flow.client.post(f"/api/v1/public/dossiers/{receipt['code']}/rating",
                             json={"secret": "sai-ma", "scores": GOOD})
    assert wrong.status_code == 404 and wrong.get_json()["code"] == "not_found"
    assert rate(flow, receipt, {**GOOD, "result": 6}, expect=422)["code"] == "validation_failed"
    assert rate(flow, receipt, {k: v for k, v in GOOD.items() if k != "papers"}, expect=422)["code"] \
        == "validation_failed"
    assert rate(flow, receipt, {**GOOD, "speed": 5}, expect=422)["code"] == "validation_failed"
    assert rate(flow, receipt, {**GOOD, "access": "5"}, expect=422)["code"] == "validation_failed"
    assert rate(flow, receipt, GOOD, expect=422, comment="x" * 1001)["code"] == "validation_failed"
    done = rate(flow, receipt, GOOD, comment="Cán bộ hướng dẫn tận tình")
    assert done["total"] == 23 and done["scores"] == GOOD and done["comment"] == "Cán bộ hướng dẫn tận tình"
    again = rate(flow, receipt, LOW, expect=409)
    assert again["code"] == "already_rated"
    lookup = flow.client.get(f"/api/v1/public/dossiers/{receipt['code']}?secret={receipt['lookup_secret']}").get_json()
    assert lookup["rating"]["open"] is False and lookup["rating"]["rated_at"]


def test_a_low_rating_tells_the_leaders_of_the_units_that_handled_it(flow):
    receipt = finished(flow)
    rate(flow, receipt, LOW, comment="Phải đi lại nhiều lần")
    with flow.app.app_context():
        told = db.session.query(Notification).filter_by(kind="low_satisfaction").all()
        who = {n.recipient_officer_id for n in told}
        texts = {n.text for n in told}
    assert len(told) == len(who) >= 2  # the desk's, the division's and the commune's leaders, each once
    text = texts.pop()
    assert receipt["code"] in text and "Thái độ, sự hướng dẫn của công chức" in text and "Phải đi lại nhiều lần" in text
    inbox = flow.client.get("/api/v1/notifications", headers=flow.h(CHAIR)).get_json()
    assert any(n["kind"] == "low_satisfaction" for n in inbox)
    good = finished(flow)
    rate(flow, good, GOOD)
    with flow.app.app_context():
        assert db.session.query(Notification).filter_by(kind="low_satisfaction").count() == len(who)


def test_leaders_see_satisfaction_by_unit_procedure_agency_and_month(flow):
    first, second = finished(flow), finished(flow)
    rate(flow, first, GOOD)
    rate(flow, second, LOW)
    url = "/api/v1/reports/satisfaction?from=2026-03-01&to=2026-03-31"
    total = flow.client.get(url, headers=flow.h(CHAIR)).get_json()["total"]
    assert total["ratings"] == 2 and total["low"] == 1 and total["satisfied_rate"] == 0.5
    assert total["mean"] == {"access": 4.5, "papers": 3.0, "officers": 3.0, "timeliness": 3.5, "result": 4.5}
    assert total["overall"] == 3.7  # (23 + 14) / 2 / 5

    by_unit = flow.client.get(url + "&group_by=unit", headers=flow.h(CHAIR)).get_json()
    units = {r["key"]: r for r in by_unit["rows"]}
    assert {"NA-HN-TTPVHCC-MC", "NA-HN-KTHTDT", "NA-HN-LD"} <= set(units)
    assert all(r["ratings"] == 2 for r in units.values())  # each unit counts each dossier once
    by_procedure = flow.client.get(url + "&group_by=procedure", headers=flow.h(CHAIR)).get_json()
    assert [(r["key"], r["ratings"]) for r in by_procedure["rows"]] == [(NA, 2)]
    by_agency = flow.client.get(url + "&group_by=agency", headers=flow.h(CHAIR)).get_json()
    assert [(r["key"], r["ratings"]) for r in by_agency["rows"]] == [("NA-HN", 2)]
    by_month = flow.client.get("/api/v1/reports/satisfaction?from=2026-02-01&to=2026-04-30&group_by=month",
                               headers=flow.h(CHAIR)).get_json()
    assert [(r["key"], r["ratings"]) for r in by_month["rows"]] == [("2026-02", 0), ("2026-03", 2), ("2026-04", 0)]
    unit = flow.client.get(url + "&unit=NA-HN-KTHTDT", headers=flow.h(CHAIR)).get_json()["total"]
    assert unit["ratings"] == 2

    exported = flow.client.get(url + "&group_by=unit&format=csv", headers=flow.h(CHAIR))
    assert exported.status_code == 200 and exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Mã", "Tên", "Số lượt đánh giá"] and rows[-1][1] == "Tổng số"

    other = flow.client.get(url, headers=flow.h("cb.ha.chutich")).get_json()["total"]
    assert other["ratings"] == 0  # another province's leader sees none of them
    officer = flow.client.get(url, headers=flow.h(CLERK))
    assert officer.status_code == 403
