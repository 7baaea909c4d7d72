"""Officers' steps over the API: forms, permissions, claims, assignment, ETags, listing."""
from __future__ import annotations

from datetime import timedelta

from tests.dossiers.flow import (
    APPRAISER,
    CHAIR,
    CLERK,
    DIVISION_LEADER,
    FORWARD,
    NA,
    RECORDS,
    Flow,
)


def _to_step3(flow: Flow) -> tuple[int, dict]:
    receipt = flow.start()
    flow.forward(receipt["id"], "Step_1")
    flow.forward(receipt["id"], "Step_2")
    return receipt["id"], flow.current(receipt["id"], "Step_3")


def test_form_validation_answers_422_with_field_errors(flow):
    receipt = flow.start()
    step1 = flow.current(receipt["id"], "Step_1")
    bad = flow.complete(step1["id"], CLERK, {"applicant_name": "", "id_number": "12ab",
                                             "documents_received": [{"name": "Đơn", "copy_kind": "photo"}]},
                        expect=422)
    errors = bad["errors"]
    assert set(errors) == {"applicant_name", "id_number", "documents_received.0.copy_kind"}
    missing = flow.complete(step1["id"], CLERK, {}, expect=422)["errors"]
    assert set(missing) == {"applicant_name", "id_number", "documents_received"}
    # nothing moved
    assert flow.current(receipt["id"], "Step_1")["status"] == "ready"
    # a refusal needs its reason (if/then in the leader's form)
    flow.forward(receipt["id"], "Step_1")
    step2 = flow.current(receipt["id"], "Step_2")
    assert "comment" in flow.complete(step2["id"], DIVISION_LEADER, {"approved": False}, expect=422)["errors"]


def test_task_detail_has_form_schema_and_dossier(flow):
    receipt = flow.start()
    step1 = flow.current(receipt["id"], "Step_1")
    r = flow.client.get(f"/api/v1/tasks/{step1['id']}", headers=flow.h(CLERK))
    body = r.get_json()
    assert r.status_code == 200 and r.headers["ETag"] == '"1"'
    assert body["form_schema"]["title"] == "Tiếp nhận hồ sơ"
    assert body["dossier"]["code"] == receipt["code"] and body["unit"]["code"] == "NA-HN-TTPVHCC-MC"
    assert flow.client.get("/api/v1/tasks/999999", headers=flow.h(CLERK)).status_code == 404
    assert flow.client.get(f"/api/v1/tasks/{step1['id']}", headers=flow.h("cb.ha.vhxh.congchuc")).status_code == 404  # other agency


def test_not_yours_not_ready_done_withdrawn_unknown(flow):
    dossier_id, step3 = _to_step3(flow)
    # not yours: the records clerk is not in the division
    flow.complete(step3["id"], RECORDS, FORWARD["Step_3"], expect=403)
    flow.act(step3["id"], "claim", RECORDS, expect=403)
    # unknown step
    flow.complete(999999, APPRAISER, FORWARD["Step_3"], expect=404)
    # done
    flow.complete(step3["id"], APPRAISER, FORWARD["Step_3"])
    done = flow.complete(step3["id"], APPRAISER, FORWARD["Step_3"], expect=409)
    assert done["code"] == "step_completed" and "Phan Đức Thắng" in done["detail"]
    # withdrawn dossier: its open step is cancelled and cannot be completed
    step4 = flow.current(dossier_id, "Step_4")
    r = flow.client.post(f"/api/v1/dossiers/{dossier_id}/withdraw", json={"reason": "Rút"}, headers=flow.h(CLERK))
    assert r.status_code == 200
    closed = flow.complete(step4["id"], DIVISION_LEADER, FORWARD["Step_4"], expect=409)
    assert closed["code"] == "dossier_closed"
    # unauthenticated
    assert flow.client.post(f"/api/v1/tasks/{step4['id']}/complete", json={"data": {}}).status_code == 401


def test_claim_unclaim_assign(flow, auth):
    _, step3 = _to_step3(flow)
    # a second appraiser in the same division
    auth.create("na.hn.ktht.chuyenvien2", "officer", unit_codes=("NA-HN-KTHTDT",), password=flow.password)
    claimed = flow.act(step3["id"], "claim", APPRAISER)
    assert claimed["status"] == "claimed" and claimed["assignee"]["username"] == APPRAISER
    taken = flow.act(step3["id"], "claim", "na.hn.ktht.chuyenvien2", expect=409)
    assert taken["code"] == "step_claimed"
    flow.complete(step3["id"], "na.hn.ktht.chuyenvien2", FORWARD["Step_3"], expect=409)
    flow.act(step3["id"], "unclaim", "na.hn.ktht.chuyenvien2", expect=403)
    assert flow.act(step3["id"], "unclaim", APPRAISER)["status"] == "ready"
    # a leader of the step's unit assigns within the unit only
    auth.create("na.hn.ktht.phophong", "leader", unit_codes=("NA-HN-KTHTDT",), password=flow.password)
    from app.extensions import db
    from app.org.models import Officer

    with flow.client.application.app_context():
        ids = {o.username: o.id for o in db.session.query(Officer)}
    # the division's leader sits in the leadership unit above the division (units.parent_id): leads it too
    assigned = flow.act(step3["id"], "assign", DIVISION_LEADER, {"assignee_id": ids[APPRAISER]})
    assert assigned["assignee"]["username"] == APPRAISER
    # a leader of another agency's unit does not lead this one
    flow.act(step3["id"], "assign", "cb.ha.vhxh.truongphong", {"assignee_id": ids[APPRAISER]}, expect=404)
    flow.act(step3["id"], "assign", "na.hn.ktht.phophong", {"assignee_id": ids[RECORDS]}, expect=422)
    assigned = flow.act(step3["id"], "assign", "na.hn.ktht.phophong", {"assignee_id": ids["na.hn.ktht.chuyenvien2"]})
    assert assigned["assignee"]["username"] == "na.hn.ktht.chuyenvien2" and assigned["status"] == "claimed"
    flow.act(step3["id"], "assign", APPRAISER, {"assignee_id": ids[APPRAISER]}, expect=403)  # not a leader
    flow.complete(step3["id"], "na.hn.ktht.chuyenvien2", FORWARD["Step_3"])
    # mine
    mine = flow.client.get("/api/v1/tasks?mine=true", headers=flow.h("na.hn.ktht.chuyenvien2")).get_json()
    assert [t["id"] for t in mine] == [step3["id"]]


def test_task_list_is_scoped_filtered_and_ordered_by_due_time(flow, clock):
    first = flow.start()
    clock.advance(timedelta(hours=1))
    second = flow.start()
    h = flow.h(CLERK)
    listed = flow.client.get("/api/v1/tasks?status=ready", headers=h).get_json()
    assert [t["dossier_id"] for t in listed] == [first["id"], second["id"]]  # earlier due first
    assert flow.client.get("/api/v1/tasks", headers=flow.h(APPRAISER)).get_json() == []
    assert flow.client.get(f"/api/v1/tasks?procedure={NA}&overdue=true", headers=h).get_json() == []
    before = listed[0]["due_at"]
    due_before = flow.client.get("/api/v1/tasks", query_string={"due_before": before}, headers=h).get_json()
    assert due_before == []
    clock.advance(timedelta(days=1))
    late = flow.client.get("/api/v1/tasks?overdue=true", headers=flow.h(CLERK)).get_json()
    assert len(late) == 2
    everything = flow.client.get("/api/v1/tasks", headers=flow.h("kiemtra.noibo")).get_json()
    assert len(everything) == 2
    page = flow.client.get("/api/v1/tasks?page=2&page_size=1", headers=flow.h(CLERK))
    assert [t["dossier_id"] for t in page.get_json()] == [second["id"]]


def test_etag_and_if_match(flow):
    receipt = flow.start()
    r = flow.client.get(f"/api/v1/dossiers/{receipt['id']}", headers=flow.h(CLERK))
    etag = r.headers["ETag"]
    assert etag == '"1"'
    step1 = r.get_json()["current_steps"][0]
    claimed = flow.client.post(f"/api/v1/tasks/{step1['id']}/claim", headers=flow.h(CLERK, **{"If-Match": etag}))
    assert claimed.status_code == 200 and claimed.headers["ETag"] == '"2"'
    stale = flow.client.post(f"/api/v1/tasks/{step1['id']}/complete", json={"data": FORWARD["Step_1"]},
                             headers=flow.h(CLERK, **{"If-Match": etag}))
    assert stale.status_code == 412 and stale.get_json()["current_etag"] == "2"
    fresh = flow.client.post(f"/api/v1/tasks/{step1['id']}/complete", json={"data": FORWARD["Step_1"]},
                             headers=flow.h(CLERK, **{"If-Match": '"2"'}))
    assert fresh.status_code == 200
    assert flow.client.post(f"/api/v1/dossiers/{receipt['id']}/withdraw", json={"reason": "x"},
                            headers=flow.h(CLERK, **{"If-Match": "abc"})).status_code == 412


def test_return_not_allowed_where_the_diagram_has_no_way_back(flow):
    receipt = flow.start()
    step1 = flow.current(receipt["id"], "Step_1")
    refused = flow.act(step1["id"], "return", CLERK, {"reason": "Thiếu giấy tờ"}, expect=409)
    assert refused["code"] == "return_not_allowed"
    flow.forward(receipt["id"], "Step_1")
    # Step_2 has the approval form but no gateway after it: approved == False leads nowhere back
    step2 = flow.current(receipt["id"], "Step_2")
    assert flow.act(step2["id"], "return", DIVISION_LEADER, {"reason": "x"}, expect=409)["code"] == "return_not_allowed"
    assert flow.current(receipt["id"], "Step_2")["id"] == step2["id"]  # nothing half-done


def test_full_run_by_every_unit(flow):
    receipt = flow.start()
    flow.run_to_end(receipt["id"])
    assert flow.dossier(receipt["id"], CHAIR)["status"] == "finished"
