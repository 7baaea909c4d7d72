"""Form 03 (phiếu từ chối tiếp nhận giải quyết hồ sơ): a dossier the desk does not receive is recorded with its
code and reason, closed at once, with no clock, and counted as refused — not received, not resolved."""
from __future__ import annotations

import pytest

from tests.documents.driver import KEY, Docs
from tests.dossiers.flow import APPLICANT, CLERK


@pytest.fixture()
def docs(demo, client, clock) -> Docs:
    driver = Docs(client, clock)
    driver.publish()
    return driver


def _refuse(docs: Docs, body: dict, username: str = CLERK, expect: int = 201, key: str = KEY) -> dict:
    r = docs.client.post(f"/api/v1/procedures/{key}/refusals", json=body, headers=docs.h(username))
    assert r.status_code == expect, r.get_json()
    return r.get_json()


def test_a_refusal_is_recorded_closed_and_printed(docs, client):
    form = _refuse(docs, {"applicant": APPLICANT, "documents": [{"component": "don_de_nghi"}],
                          "reason": "Không thuộc thẩm quyền giải quyết của UBND xã"})
    assert form["code"].startswith("NA-HN-") and form["lookup_secret"]
    assert form["documents"][0]["name"] == "Đơn đề nghị cấp giấy phép" and form["refused_by"]
    dossier = docs.dossier(form["id"])
    assert (dossier["status"], dossier["due_at"], dossier["current_steps"]) == ("refused", None, [])
    page = client.get(f"/api/v1/dossiers/{form['id']}/refusal?format=html", headers=docs.h(CLERK)).text
    for text in ("Mẫu số 03", "Phiếu từ chối tiếp nhận giải quyết hồ sơ", "Không thuộc thẩm quyền", form["code"]):
        assert text in page, text
    # nothing can be done to it: no file, no supplement request, no withdrawal
    assert docs.upload(form["id"], "don_de_nghi", b"%PDF-1.4", "a.pdf", expect=409)["code"] == "dossier_closed"
    r = client.post(f"/api/v1/dossiers/{form['id']}/withdraw", json={"reason": "x"}, headers=docs.h(CLERK))
    assert r.status_code == 409
    lookup = client.get(f"/api/v1/public/dossiers/{form['code']}?secret={form['lookup_secret']}").get_json()
    assert lookup["status"] == "refused"
    assert client.get(f"/api/v1/dossiers/{form['id']}/receipt", headers=docs.h(CLERK)).status_code == 404  # no form 01
    # a dossier that was received has no form 03
    received = docs.receive()
    assert client.get(f"/api/v1/dossiers/{received['id']}/refusal", headers=docs.h(CLERK)).status_code == 404


def test_refused_dossiers_are_counted_apart_in_the_reports_and_booked(docs, client):
    _refuse(docs, {"applicant": APPLICANT, "reason": "Hồ sơ không đúng thủ tục"})
    docs.receive()
    leader = docs.h("na.hn.chutich")
    summary = client.get("/api/v1/reports/summary?from=2026-03-01&to=2026-03-31", headers=leader).get_json()
    total = summary["total"]
    assert (total["received"]["total"], total["refused"], total["resolved"]["total"]) == (1, 1, 0)
    assert total["in_progress"]["total"] == 1
    by_procedure = client.get("/api/v1/reports/summary?from=2026-03-01&to=2026-03-31&group_by=procedure",
                              headers=leader).get_json()
    assert by_procedure["total"]["refused"] == 1
    book = client.get("/api/v1/reports/tracking-book?from=2026-03-01&to=2026-03-31", headers=docs.h(CLERK)).get_json()
    notes = [row["note"] for row in book["rows"]]
    assert "Từ chối tiếp nhận: Hồ sơ không đúng thủ tục" in notes


def test_bad_refusals_change_nothing(docs, client):
    assert _refuse(docs, {"applicant": APPLICANT, "reason": ""}, expect=422)["code"] == "validation_failed"
    assert _refuse(docs, {"applicant": APPLICANT, "reason": "x", "documents": [{"component": "nope"}]},
                   expect=422)["code"] == "component_unknown"
    assert _refuse(docs, {"applicant": APPLICANT, "reason": "x"}, key="no_such_procedure", expect=404)
    assert _refuse(docs, {"applicant": APPLICANT, "reason": "x"}, username="na.hn.ktht.chuyenvien", expect=403)
    listed = client.get("/api/v1/dossiers", headers=docs.h(CLERK)).get_json()
    assert listed == []
