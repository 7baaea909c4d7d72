"""Form 02 (phiếu yêu cầu bổ sung, hoàn thiện hồ sơ): it names what is missing, pauses the dossier, is
numbered and dated, and the supplement — the missing papers uploaded — answers it and resumes the dossier."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.documents import pki
from tests.documents.driver import APPRAISER, Docs, png
from tests.dossiers.flow import CLERK


@pytest.fixture()
def docs(demo, client, clock) -> Docs:
    driver = Docs(client, clock)
    driver.publish()
    return driver


def _ask(docs: Docs, dossier_id: int, body: dict, username: str = CLERK, expect: int = 201) -> dict:
    r = docs.client.post(f"/api/v1/dossiers/{dossier_id}/supplement-requests", json=body, headers=docs.h(username))
    assert r.status_code == expect, r.get_json()
    return r.get_json()


def _answer(docs: Docs, dossier_id: int, request_id: int, expect: int = 200, **body) -> dict:
    r = docs.client.post(f"/api/v1/dossiers/{dossier_id}/supplement-requests/{request_id}/answer", json=body,
                         headers=docs.h(CLERK))
    assert r.status_code == expect, r.get_json()
    return r.get_json()


def test_a_request_pauses_the_dossier_and_the_supplement_resumes_it(docs, clock):
    dossier = docs.receive()
    step = docs.step(dossier["id"], "Tham_dinh")
    due_before = datetime.fromisoformat(step["due_at"])
    asked = _ask(docs, dossier["id"], {"components": ["ban_ve"], "items": ["Ký lại trang 2 của đơn"],
                                       "reason": "Hồ sơ thiếu bản vẽ thiết kế"}, username=APPRAISER)
    assert asked["number"].endswith("/2026") and asked["components"] == [{"key": "ban_ve", "name": "Bản vẽ thiết kế"}]
    assert asked["items"] == ["Ký lại trang 2 của đơn"] and asked["requested_by"]["username"] == APPRAISER
    assert docs.dossier(dossier["id"])["status"] == "paused"
    sheet = docs.client.get(f"/api/v1/dossiers/{dossier['id']}/control-sheet", headers=docs.h(CLERK)).get_json()
    assert any("bổ sung hồ sơ (Mẫu 02)" in (row.get("note") or "") for row in sheet["rows"]), sheet["rows"]
    html = docs.client.get(f"/api/v1/dossiers/{dossier['id']}/supplement-requests/{asked['id']}?format=html",
                           headers=docs.h(CLERK)).text
    for text in ("Mẫu số 02", "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                 f"Số: {asked['number']}/PYCBS", "Bản vẽ thiết kế", "Ký lại trang 2 của đơn", dossier["code"]):
        assert text in html, text
    # a plain resume would leave the request open: refused
    r = docs.client.post(f"/api/v1/dossiers/{dossier['id']}/resume", json={}, headers=docs.h(CLERK))
    assert r.status_code == 409 and r.get_json()["code"] == "supplement_open"
    clock.advance(timedelta(days=1))  # a working day waiting (Tuesday 3/3/2026)
    early = _answer(docs, dossier["id"], asked["id"], expect=422)
    assert early["code"] == "supplement_incomplete" and early["errors"] == {"components": ["ban_ve"]}
    docs.upload(dossier["id"], "ban_ve", png(), "ban-ve.png")
    answered = _answer(docs, dossier["id"], asked["id"], note="Đã nhận bản vẽ")
    assert answered["answered_by"]["username"] == CLERK and answered["answer_note"] == "Đã nhận bản vẽ"
    after = docs.dossier(dossier["id"])
    assert after["status"] == "processing"
    moved = datetime.fromisoformat(next(s for s in after["current_steps"] if s["spec_id"] == "Tham_dinh")["due_at"])
    assert moved - due_before == timedelta(days=1)  # the day waited does not count
    assert _answer(docs, dossier["id"], asked["id"], expect=409)["code"] == "supplement_answered"
    listed = docs.client.get(f"/api/v1/dossiers/{dossier['id']}/supplement-requests", headers=docs.h(CLERK)).get_json()
    assert [r["id"] for r in listed] == [asked["id"]]


def test_requests_are_numbered_per_agency_and_year(docs):
    first, second = docs.receive(), docs.receive()
    a = _ask(docs, first["id"], {"items": ["Bổ sung ảnh"], "reason": "Thiếu ảnh"})
    b = _ask(docs, second["id"], {"components": ["ban_ve"], "reason": "Thiếu bản vẽ"})
    assert (a["number"], b["number"]) == ("1/2026", "2/2026")


def test_bad_requests_change_nothing(docs, client):
    dossier = docs.receive()
    assert _ask(docs, dossier["id"], {"reason": "?"}, expect=422)["code"] == "supplement_empty"
    assert _ask(docs, dossier["id"], {"components": ["nope"], "reason": "x"}, expect=422)["code"] == "component_unknown"
    assert docs.dossier(dossier["id"])["status"] == "processing"
    _ask(docs, dossier["id"], {"items": ["x"], "reason": "x"})
    assert _ask(docs, dossier["id"], {"items": ["y"], "reason": "y"}, expect=409)["code"] == "dossier_paused"
    closed = docs.receive()
    client.post(f"/api/v1/dossiers/{closed['id']}/withdraw", json={"reason": "rút"}, headers=docs.h(CLERK))
    assert _ask(docs, closed["id"], {"items": ["x"], "reason": "x"}, expect=409)["code"] == "dossier_closed"
    other = docs.receive()
    r = client.get(f"/api/v1/dossiers/{other['id']}/supplement-requests/1", headers=docs.h(CLERK))
    assert r.status_code == 404  # another dossier's request is none of this one's
    outsider = client.get(f"/api/v1/dossiers/{dossier['id']}/supplement-requests", headers=docs.h("cb.snv.giamdoc"))
    assert outsider.status_code == 404


def test_a_request_with_only_free_text_is_answered_without_files(docs):
    dossier = docs.receive()
    asked = _ask(docs, dossier["id"], {"items": ["Xác nhận lại số điện thoại"], "reason": "Thông tin chưa rõ"})
    assert _answer(docs, dossier["id"], asked["id"])["answered_at"]
    assert docs.dossier(dossier["id"])["status"] == "processing"


def test_the_supplement_may_come_with_a_pdf_scan_while_paused(docs):
    dossier = docs.receive()
    asked = _ask(docs, dossier["id"], {"components": ["don_de_nghi"], "reason": "Đơn thiếu chữ ký"})
    docs.upload(dossier["id"], "don_de_nghi", pki.make_pdf("Đơn có chữ ký"), "don-ky.pdf")
    assert _answer(docs, dossier["id"], asked["id"])["answered_at"]
