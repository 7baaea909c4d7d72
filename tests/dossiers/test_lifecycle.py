"""NA-3857-2025 (khấu trừ kinh phí bồi thường) from reception to finished, over the API alone.

Received Monday 2026-03-02 08:00 +07:00 (the frozen clock). Sessions 07:00–11:30 and 13:30–17:00, 8 working
hours a day, no holiday in March 2026. Due times below are worked out by hand from those rules.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.dossiers.flow import (
    APPRAISER,
    CHAIR,
    CLERK,
    DIVISION_LEADER,
    FORWARD,
    NA,
    RECORDS,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: int, hour: int, minute: int = 0) -> str:
    return datetime(2026, 3, day, hour, minute, tzinfo=VN).isoformat()


def test_na_3857_from_reception_to_finished(flow, clock):
    # 08:00 Mon 2/3: the one-stop desk receives the dossier
    receipt = flow.start()
    assert receipt["code"] == "NA-HN-260302-0001"
    assert receipt["received_at"] == at(2, 8)
    assert receipt["counting_from"] == at(2, 8)
    # PT168H = 21 working days: 7 h left on Mon 2/3, 20 full days to Mon 30/3, 1 h on Tue 31/3
    assert receipt["appointment_at"] == "2026-03-31T08:00:00+07:00"
    assert receipt["lookup_secret"] and len(receipt["lookup_secret"]) >= 16
    dossier_id = receipt["id"]

    dossier = flow.dossier(dossier_id)
    assert dossier["status"] == "received" and dossier["version"] == 1
    step1 = flow.current(dossier_id, "Step_1")
    assert step1["unit"]["code"] == "NA-HN-TTPVHCC-MC"
    assert step1["due_at"] == at(2, 14)  # PT4H: 08:00–11:30 (3.5 h) + 13:30–14:00
    assert step1["time_limit_minutes"] == 240

    clock.advance(timedelta(hours=1))  # 09:00
    done = flow.complete(step1["id"], CLERK, FORWARD["Step_1"])
    assert done["status"] == "completed" and done["result"] == "early"
    step2 = flow.current(dossier_id, "Step_2")
    assert step2["unit"]["code"] == "NA-HN-KTHTDT-LD"
    assert step2["due_at"] == at(2, 15)  # 09:00–11:30 (2.5 h) + 13:30–15:00
    assert flow.dossier(dossier_id)["status"] == "processing"

    clock.advance(timedelta(hours=5))  # 14:00 Mon
    assert flow.complete(step2["id"], DIVISION_LEADER, FORWARD["Step_2"])["result"] == "on_time"
    step3 = flow.current(dossier_id, "Step_3")
    # PT112H = 14 days: 3 h on Mon, 13 days to Thu 19/3, 5 h on Fri 20/3 (4.5 h + 0.5 h after lunch)
    assert step3["due_at"] == at(20, 14)
    assert step3["unit"]["code"] == "NA-HN-KTHTDT"

    clock.advance(timedelta(hours=18))  # 08:00 Tue 3/3
    flow.act(step3["id"], "claim", APPRAISER)
    assert flow.complete(step3["id"], APPRAISER, FORWARD["Step_3"])["result"] == "early"
    step4 = flow.current(dossier_id, "Step_4")
    assert step4["due_at"] == at(6, 8)  # PT24H: 7 h Tue, Wed, Thu, 1 h Fri

    # the division leader sends it back to the appraisal step
    clock.advance(timedelta(hours=1))  # 09:00 Tue
    returned = flow.act(step4["id"], "return", DIVISION_LEADER, {"reason": "Bổ sung căn cứ pháp lý"})
    assert returned["status"] == "completed" and returned["returned_reason"] == "Bổ sung căn cứ pháp lý"
    again = flow.current(dossier_id, "Step_3")
    assert again["id"] != step3["id"] and again["returned_reason"] == "Bổ sung căn cứ pháp lý"
    # PT112H from 09:00 Tue: 6 h Tue, 13 days to Fri 20/3, 2 h on Mon 23/3
    assert again["due_at"] == at(23, 9)

    clock.advance(timedelta(hours=1))  # 10:00 Tue
    flow.complete(again["id"], APPRAISER, {"opinion": "Đã bổ sung căn cứ", "approved": True})
    step4b = flow.current(dossier_id, "Step_4")
    assert step4b["due_at"] == at(6, 10)  # 5 h Tue, Wed, Thu, 3 h Fri

    clock.advance(timedelta(hours=22))  # 08:00 Wed 4/3
    assert flow.complete(step4b["id"], DIVISION_LEADER, FORWARD["Step_4"])["result"] == "early"
    step5 = flow.current(dossier_id, "Step_5")
    assert step5["unit"]["code"] == "NA-HN-LD"
    assert step5["due_at"] == at(6, 8)  # PT16H: 7 h Wed, 8 h Thu, 1 h Fri

    clock.advance(timedelta(hours=1))  # 09:00 Wed
    flow.complete(step5["id"], CHAIR, FORWARD["Step_5"])
    step6 = flow.current(dossier_id, "Step_6")
    assert step6["due_at"] == at(5, 9)  # PT8H: 6 h Wed, 2 h Thu

    clock.advance(timedelta(hours=24))  # 09:00 Thu 5/3, exactly at the deadline
    assert flow.complete(step6["id"], RECORDS, FORWARD["Step_6"])["result"] == "on_time"
    step7 = flow.current(dossier_id, "Step_7")
    assert step7["due_at"] is None and step7["time_limit_minutes"] is None  # not counted

    clock.advance(timedelta(hours=1))  # 10:00 Thu
    last = flow.complete(step7["id"], CLERK, FORWARD["Step_7"])
    assert last["result"] is None

    dossier = flow.dossier(dossier_id)
    assert dossier["status"] == "finished"
    assert dossier["finished_at"] == at(5, 10)
    assert dossier["result"] == "early"
    assert dossier["current_steps"] == []
    assert [s["spec_id"] for s in dossier["past_steps"]] == [
        "Step_1", "Step_2", "Step_3", "Step_4", "Step_3", "Step_4", "Step_5", "Step_6", "Step_7"]

    sheet = flow.client.get(f"/api/v1/dossiers/{dossier_id}/control-sheet", headers=flow.h(CLERK)).get_json()
    assert sheet["code"] == "NA-HN-260302-0001"
    rows = sheet["rows"]
    assert len(rows) == 10  # reception + one hand-over per completed step
    assert [r["step"] for r in rows] == [None, "1", "2", "3", "4", "3", "4", "5", "6", "7"]
    assert rows[1]["from_unit"].startswith("Bộ phận") or rows[1]["from_officer"] == "Trần Thị Ngọc Ánh"
    assert rows[1]["given_at"] == at(2, 9) and rows[1]["result"] == "early"
    assert rows[2]["to_officer"] == "Phan Đức Thắng"  # Step_2 handed over to the appraiser who took Step_3
    assert rows[4]["note"].startswith("Trả lại") and "Bổ sung căn cứ pháp lý" in rows[4]["note"]
    assert rows[-1]["to_unit"] == "Tổ chức, cá nhân" and rows[-1]["given_at"] == at(5, 10)

    html = flow.client.get(f"/api/v1/dossiers/{dossier_id}/control-sheet?format=html", headers=flow.h(CLERK))
    assert html.status_code == 200 and html.mimetype == "text/html"
    text = html.get_data(as_text=True)
    assert "PHIẾU KIỂM SOÁT" in text.upper() and "09:00 02/03/2026" in text and "Đúng hạn" in text
    assert "Cách xác định kết quả" in text and "buổi làm việc chứa thời hạn" in text  # the session rule (#15.5)

    # the trail: every change is in the audit log, in the same transaction
    from app.audit.models import AuditEvent
    from app.extensions import db

    with flow.client.application.app_context():
        actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions.count("step.complete") == 8 and "step.return" in actions and "step.claim" in actions
    assert actions[0] == "dossier.receive"


def test_receipt_json_and_html(flow):
    receipt = flow.start()
    r = flow.client.get(f"/api/v1/dossiers/{receipt['id']}/receipt", headers=flow.h(CLERK))
    body = r.get_json()
    assert r.status_code == 200 and body["code"] == receipt["code"] and body["lookup_secret"] is None
    assert body["procedure_code"] == "1.012994" and len(body["documents"]) == 2
    html = flow.client.get(f"/api/v1/dossiers/{receipt['id']}/receipt?format=html", headers=flow.h(CLERK))
    assert html.headers["Content-Type"] == "text/html; charset=utf-8"
    text = html.get_data(as_text=True)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text.upper()
    assert "Nguyễn Thị Hoa" in text and "08:00 31/03/2026" in text and receipt["code"] in text


def test_received_after_15h_counts_from_next_morning(flow, clock):
    clock.advance(timedelta(hours=7, minutes=30))  # 15:30 Mon
    receipt = flow.start()
    assert receipt["counting_from"] == at(3, 7)
    step1 = flow.current(receipt["id"], "Step_1")
    assert step1["due_at"] == at(3, 11)  # PT4H from 07:00 Tue


def test_codes_follow_the_day_and_the_configured_format(flow, clock, app):
    assert flow.start()["code"] == "NA-HN-260302-0001"
    assert flow.start()["code"] == "NA-HN-260302-0002"
    clock.advance(timedelta(days=1))
    assert flow.start()["code"] == "NA-HN-260303-0001"
    app.config["DOSSIER_CODE_FORMAT"] = "{agency_code}.{date:%Y%m%d}.{seq:06d}"
    assert flow.start()["code"] == "NA-HN.20260303.000002"


def test_list_and_filter_dossiers(flow, clock):
    first = flow.start()
    clock.advance(timedelta(hours=1))
    second = flow.start()
    flow.forward(second["id"], "Step_1")
    h = flow.h(CLERK)
    listed = flow.client.get("/api/v1/dossiers", headers=h)
    assert listed.status_code == 200
    assert [d["id"] for d in listed.get_json()] == [second["id"], first["id"]]
    assert listed.headers["X-Pagination"]
    by_status = flow.client.get("/api/v1/dossiers?status=processing", headers=h).get_json()
    assert [d["id"] for d in by_status] == [second["id"]]
    by_code = flow.client.get(f"/api/v1/dossiers?code={first['code']}", headers=h).get_json()
    assert [d["id"] for d in by_code] == [first["id"]]
    window = flow.client.get("/api/v1/dossiers", query_string={"received_from": at(2, 8, 30)}, headers=h).get_json()
    assert [d["id"] for d in window] == [second["id"]]
    assert flow.client.get(f"/api/v1/dossiers?procedure={NA}&overdue=true", headers=h).get_json() == []
    clock.advance(timedelta(days=40))
    overdue = flow.client.get("/api/v1/dossiers?overdue=true", headers=flow.h(CLERK)).get_json()
    assert {d["id"] for d in overdue} == {first["id"], second["id"]}
    # another province's officer sees none of them
    other = flow.client.get("/api/v1/dossiers", headers=flow.h("cb.ha.vhxh.congchuc")).get_json()
    assert other == []
    # another agency's dossier is not even said to exist
    assert flow.client.get(f"/api/v1/dossiers/{first['id']}", headers=flow.h("cb.ha.vhxh.congchuc")).status_code == 404
    assert flow.client.get(f"/api/v1/dossiers/{first['id']}", headers=flow.h("kiemtra.noibo")).status_code == 200


def test_withdraw_and_stop(flow):
    receipt = flow.start()
    step1 = flow.current(receipt["id"], "Step_1")
    r = flow.client.post(f"/api/v1/dossiers/{receipt['id']}/withdraw", json={"reason": "Người nộp xin rút"},
                         headers=flow.h(CLERK))
    assert r.status_code == 200 and r.get_json()["status"] == "withdrawn"
    assert r.get_json()["current_steps"] == [] and r.get_json()["close_reason"] == "Người nộp xin rút"
    again = flow.client.post(f"/api/v1/dossiers/{receipt['id']}/withdraw", json={"reason": "x"}, headers=flow.h(CLERK))
    assert again.status_code == 409
    flow.complete(step1["id"], CLERK, FORWARD["Step_1"], expect=409)

    other = flow.start()
    assert flow.client.post(f"/api/v1/dossiers/{other['id']}/stop", json={"reason": "x"},
                            headers=flow.h(CLERK)).status_code == 403
    stopped = flow.client.post(f"/api/v1/dossiers/{other['id']}/stop", json={"reason": "Không thuộc thẩm quyền"},
                               headers=flow.h(CHAIR))
    assert stopped.status_code == 200 and stopped.get_json()["status"] == "stopped"
    assert flow.client.post(f"/api/v1/dossiers/{other['id']}/stop", json={}, headers=flow.h(CHAIR)).status_code == 422


def test_start_validation_and_unknown_procedures(flow):
    r = flow.client.post(f"/api/v1/procedures/{NA}/dossiers", json={"applicant": {"name": "", "phone": "12"}},
                         headers=flow.h(CLERK))
    assert r.status_code == 422 and {"applicant"} <= set(r.get_json()["errors"])
    assert flow.client.post("/api/v1/procedures/khong_co/dossiers", json={"applicant": {"name": "A"}},
                            headers=flow.h(CLERK)).status_code == 404
    # officers who are not clerks cannot receive dossiers
    assert flow.client.post(f"/api/v1/procedures/{NA}/dossiers", json={"applicant": {"name": "A"}},
                            headers=flow.h(APPRAISER)).status_code == 403
    assert flow.client.get("/api/v1/dossiers/999999", headers=flow.h(CLERK)).status_code == 404
    assert flow.client.get("/api/v1/dossiers/999999/control-sheet", headers=flow.h(CLERK)).status_code == 404
    assert flow.client.post("/api/v1/dossiers/999999/withdraw", json={"reason": "x"},
                            headers=flow.h(CLERK)).status_code == 404


def test_abolished_procedure_takes_no_new_dossiers(flow, auth):
    admin_headers = auth.headers("admin")
    running = flow.start()
    r = flow.client.post(f"/api/v1/process-definitions/{NA}/versions/1/abolish", json={"reason": "Bãi bỏ"},
                         headers=admin_headers)
    assert r.status_code == 200, r.get_json()
    refused = flow.client.post(f"/api/v1/procedures/{NA}/dossiers", json={"applicant": {"name": "A"}},
                               headers=flow.h(CLERK))
    assert refused.status_code == 409 and refused.get_json()["code"] == "procedure_not_available"
    flow.run_to_end(running["id"])  # a running dossier still finishes under its version
    assert flow.dossier(running["id"])["status"] == "finished"
