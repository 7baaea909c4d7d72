"""Pause and resume (form 02 / verification), the restart policy, and the one extension with apology (form 04)."""
from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.scheduler.due_work_models import DueWork
from tests.deadlines.conftest import iso, vn
from tests.dossiers.flow import APPRAISER, CHAIR, CLERK, DIVISION_LEADER, FORWARD


def _to_step_3(dl) -> tuple[int, dict]:
    """Receive NA-3857 now and complete steps 1 and 2 at once: Step_3 (112 h) starts at the reception moment."""
    dossier_id = dl.start()["id"]
    dl.forward(dossier_id, "Step_1")
    dl.forward(dossier_id, "Step_2")
    return dossier_id, dl.current(dossier_id, "Step_3")


def _pending(dl, dossier_id: int) -> list[str]:
    with dl.app.app_context():
        return sorted(db.session.scalars(select(DueWork.kind).where(DueWork.dossier_id == dossier_id,
                                                                    DueWork.status == "pending")).all())


def test_pause_across_30_4_moves_due_times_by_working_time_only(dl):
    dl.clock.set(vn(2026, 4, 22))  # Wed 22/04/2026 08:00
    dossier_id, step = _to_step_3(dl)
    # 14 days from Wed 22/04 08:00: Thu 23, Fri 24, Tue 28, Wed 29, Mon 4/5 … Fri 15/5 (Mon 27/4, 30/4, 1/5 off)
    assert step["due_at"] == iso(2026, 5, 15)
    assert dl.dossier(dossier_id)["due_at"] == iso(2026, 5, 26)

    dl.clock.set(vn(2026, 4, 24))  # Fri 24/04 08:00: waiting for the applicant's supplement (Mẫu 02)
    paused = dl.post(f"{dossier_id}/pause", CLERK, {"kind": "supplementation", "reason": "Thiếu bản vẽ"}, 200)
    assert paused["status"] == "paused" and paused["deadline"]["status"] == "paused"
    assert _pending(dl, dossier_id) == []  # nothing fires while paused
    dl.post(f"{dossier_id}/pause", CLERK, {"kind": "verification", "reason": "again"}, 409)
    dl.complete(step["id"], APPRAISER, FORWARD["Step_3"], expect=409)

    dl.clock.set(vn(2026, 5, 4))  # Mon 04/05 08:00: ten calendar days later
    resumed = dl.post(f"{dossier_id}/resume", CLERK, {"note": "Đã bổ sung"}, 200)
    # working time paused: Fri 24/4 08:00–17:00 (7 h) + Tue 28 (8 h) + Wed 29 (8 h) + Mon 4/5 07:00–08:00 (1 h) = 24 h
    assert resumed["status"] == "processing"
    assert resumed["due_at"] == iso(2026, 5, 29)  # Tue 26/5 + 3 days
    assert dl.current(dossier_id, "Step_3")["due_at"] == iso(2026, 5, 20)  # Fri 15/5 + 3 days
    assert set(_pending(dl, dossier_id)) >= {"step_overdue", "step_due_soon", "dossier_overdue"}
    dl.post(f"{dossier_id}/resume", CLERK, {}, 409)

    dl.clock.set(vn(2026, 5, 7))  # Thu 07/05 08:00: 8 working days after the start, 3 of them paused
    done = dl.complete(step["id"], APPRAISER, FORWARD["Step_3"])
    assert done["deadline"]["time_used_minutes"] == 5 * 8 * 60 and done["result"] == "early"

    sheet = dl.client.get(f"/api/v1/dossiers/{dossier_id}/control-sheet", headers=dl.h(CLERK)).get_json()
    pause_row = next(r for r in sheet["rows"] if r.get("step_name") == "Tạm dừng")
    assert "Thiếu bản vẽ" in pause_row["note"] and "1440 phút" in pause_row["note"]
    with dl.app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "dossier")).all()
    assert "dossier.pause" in actions and "dossier.resume" in actions


def test_no_notice_fires_while_paused_and_due_work_returns_at_resume(dl):
    dossier_id = dl.start()["id"]  # Step_1 due 14:00, due soon 11:00
    dl.clock.set(vn(2026, 3, 2, 9))
    dl.post(f"{dossier_id}/pause", "na.hn.chutich", {"kind": "verification", "reason": "Xác minh"}, 200)
    dl.clock.set(vn(2026, 3, 3, 9))
    dl.tick()
    assert dl.notices() == []
    dl.post(f"{dossier_id}/resume", CLERK, {}, 200)
    step = dl.current(dossier_id, "Step_1")
    assert step["due_at"] == iso(2026, 3, 3, 14)  # paused 8 working hours: Mon 14:00 → Tue 14:00
    dl.clock.set(vn(2026, 3, 3, 11))
    dl.tick()
    assert [k for k, _, _ in dl.notices()] == ["step_due_soon"]


def test_restart_policy_counts_the_step_again_from_the_resume(dl, monkeypatch):
    from app.dossiers import published

    monkeypatch.setattr(published, "pause_policy", lambda dossier: "restart")
    dossier_id, step = _to_step_3(dl)
    assert step["due_at"] == iso(2026, 3, 20)  # Mon 02/03 08:00 + 14 days
    dl.clock.set(vn(2026, 3, 4))
    dl.post(f"{dossier_id}/pause", CLERK, {"kind": "supplementation", "reason": "Thiếu giấy tờ"}, 200)
    dl.clock.set(vn(2026, 3, 6))
    dossier = dl.post(f"{dossier_id}/resume", CLERK, {}, 200)
    # the full 112 h again from Fri 06/03 08:00 → Thu 26/03 08:00 (4 working days later than before)
    assert dl.current(dossier_id, "Step_3")["due_at"] == iso(2026, 3, 26)
    assert dossier["due_at"] == iso(2026, 4, 6)  # Tue 31/03 08:00 moved by the same 4 days
    dl.clock.set(vn(2026, 3, 9))
    done = dl.complete(step["id"], APPRAISER, FORWARD["Step_3"])
    assert done["deadline"]["time_used_minutes"] == 8 * 60  # counted from the resume only


def test_pausing_a_finished_or_withdrawn_dossier_is_refused(dl):
    dossier_id = dl.start()["id"]
    r = dl.client.post(f"/api/v1/dossiers/{dossier_id}/withdraw", json={"reason": "Rút"}, headers=dl.h(CLERK))
    assert r.status_code == 200
    dl.post(f"{dossier_id}/pause", CLERK, {"kind": "supplementation", "reason": "x"}, 409)
    assert _pending(dl, dossier_id) == []  # withdrawing cancelled everything
    finished = dl.start()["id"]
    dl.run_to_end(finished)
    dl.post(f"{finished}/pause", CLERK, {"kind": "supplementation", "reason": "x"}, 409)
    dl.post(f"{finished}/pause", APPRAISER, {"kind": "supplementation", "reason": "x"}, 403)  # officers may not


def test_extension_once_to_a_later_date_and_the_result_judged_against_it(dl):
    dossier_id, step = _to_step_3(dl)  # dossier due Tue 31/03 08:00; last moment to extend: Mon 30/03 08:00
    dl.clock.set(vn(2026, 3, 27, 10))
    body = {"reason": "Chờ ý kiến cơ quan thuế", "new_due_at": iso(2026, 4, 3, 17)}
    dl.post(f"{dossier_id}/extension", APPRAISER, body, 403)  # not a leader
    dl.post(f"{dossier_id}/extension", DIVISION_LEADER, {**body, "new_due_at": iso(2026, 3, 30, 17)}, 422)
    dl.post(f"{dossier_id}/extension", DIVISION_LEADER, {**body, "new_due_at": iso(2026, 3, 31, 8)}, 422)
    dossier = dl.post(f"{dossier_id}/extension", CHAIR, body, 200)  # the deciding unit's leader
    assert dossier["due_at"] == iso(2026, 4, 3, 17)
    ext = dossier["extension"]
    assert ext["previous_due_at"] == iso(2026, 3, 31) and ext["new_due_at"] == iso(2026, 4, 3, 17)
    assert "xin lỗi" in ext["apology_text"] and "17:00 03/04/2026" in ext["apology_text"]
    second = dl.post(f"{dossier_id}/extension", CHAIR, {**body, "new_due_at": iso(2026, 4, 10)}, 409)
    assert second["code"] == "already_extended"
    desk = dl.notices("dossier_extended")
    assert [who for _, who, _ in desk] == ["NA-HN-TTPVHCC-MC"] and "Mẫu 04" in desk[0][2]
    assert "apology_deadline" not in _pending(dl, dossier_id)

    sheet = dl.client.get(f"/api/v1/dossiers/{dossier_id}/control-sheet", headers=dl.h(CLERK)).get_json()
    assert any(r.get("step_name") == "Gia hạn (Mẫu 04)" and "Chờ ý kiến" in r["note"] for r in sheet["rows"])

    dl.clock.set(vn(2026, 4, 1, 9))  # after the first deadline, before the new one
    dl.tick()
    assert dl.notices("dossier_overdue") == []
    for spec_id in ("Step_3", "Step_4", "Step_5", "Step_6", "Step_7"):
        dl.forward(dossier_id, spec_id)
    finished = dl.dossier(dossier_id)
    assert finished["status"] == "finished" and finished["result"] == "early"  # against Fri 03/04 17:00


def test_extension_later_than_one_working_day_before_the_deadline_is_refused(dl):
    dossier_id = dl.start()["id"]
    dl.clock.set(vn(2026, 3, 30, 8, 1))  # deadline Tue 31/03 08:00: less than 8 working hours left
    refused = dl.post(f"{dossier_id}/extension", CHAIR,
                      {"reason": "Muộn", "new_due_at": iso(2026, 4, 10)}, 422)
    assert refused["code"] == "extension_too_late" and "08:00 30/03/2026" in refused["detail"]
    r = dl.client.post(f"/api/v1/dossiers/{dossier_id}/extension", json={"reason": "x", "new_due_at": iso(2026, 4, 10)},
                       headers=dl.h("cb.syt.giamdoc"))
    assert r.status_code in (403, 404)  # another province's leader: refused (or not even shown the dossier)


def test_forms_04_and_05_are_printed_from_the_extension_and_the_stop(dl):
    dossier_id, _ = _to_step_3(dl)
    url = f"/api/v1/dossiers/{dossier_id}"
    never = dl.client.get(f"{url}/apology", headers=dl.h(CLERK))
    assert never.status_code == 404 and never.get_json()["code"] == "no_such_event"
    dl.clock.set(vn(2026, 3, 27, 10))
    dl.post(f"{dossier_id}/extension", CHAIR, {"reason": "Chờ ý kiến cơ quan thuế", "new_due_at": iso(2026, 4, 3, 17)}, 200)
    form = dl.client.get(f"{url}/apology", headers=dl.h(CLERK)).get_json()
    assert (form["due_before"], form["new_due_at"], form["reason"]) == (iso(2026, 3, 31), iso(2026, 4, 3, 17),
                                                                        "Chờ ý kiến cơ quan thuế")
    assert "xin lỗi" in form["apology"] and form["issued_by"]
    page = dl.client.get(f"{url}/apology?format=html", headers=dl.h(CLERK)).text
    for text in ("Mẫu số 04", "Phiếu xin lỗi và hẹn lại ngày trả kết quả", "17:00 03/04/2026", "Chờ ý kiến cơ quan thuế"):
        assert text in page, text
    assert dl.client.get(f"{url}/stop-notice", headers=dl.h(CLERK)).status_code == 404
    stopped = dl.client.post(f"{url}/stop", json={"reason": "Hồ sơ giả mạo giấy tờ"}, headers=dl.h(CHAIR))
    assert stopped.status_code == 200, stopped.get_json()
    notice = dl.client.get(f"{url}/stop-notice", headers=dl.h(CLERK)).get_json()
    assert notice["reason"] == "Hồ sơ giả mạo giấy tờ" and notice["issued_at"]
    page = dl.client.get(f"{url}/stop-notice?format=html", headers=dl.h(CLERK)).text
    assert "Mẫu số 05" in page and "Hồ sơ giả mạo giấy tờ" in page
