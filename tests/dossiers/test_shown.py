"""Every answer that shows a dossier or a step shows its deadline block and unit, judged at the request's now.

Schemas only declare (issue #16): routes compute these with ``app.flows.shown`` before the dump, so a route that
forgot would answer without them. This walks every endpoint that answers a dossier or a step.
"""
from __future__ import annotations

from datetime import timedelta

from tests.dossiers.flow import CLERK, FORWARD, Flow

DEADLINE_KEYS = {"time_used_minutes", "remaining_minutes", "status", "overdue_at"}


def _has_blocks(step: dict) -> None:
    assert set(step["deadline"]) == DEADLINE_KEYS, step
    assert step["unit"] and step["unit"]["code"], step
    if "dossier" in step:  # task views nest the dossier's summary
        assert set(step["dossier"]["deadline"]) == DEADLINE_KEYS, step


def _dossier_has_blocks(dossier: dict) -> None:
    assert set(dossier["deadline"]) == DEADLINE_KEYS, dossier
    for step in dossier.get("current_steps", []) + dossier.get("past_steps", []):
        _has_blocks(step)


def test_every_dossier_and_step_answer_has_its_deadline_and_unit(flow: Flow):
    c = flow.client
    receipt = flow.start()
    dossier_id = receipt["id"]
    for step in receipt["current_steps"]:
        _has_blocks(step)
    _has_blocks(c.get(f"/api/v1/dossiers/{dossier_id}/receipt", headers=flow.h(CLERK)).get_json()["current_steps"][0])
    _dossier_has_blocks(flow.dossier(dossier_id))
    for row in c.get("/api/v1/dossiers", headers=flow.h(CLERK)).get_json():
        _dossier_has_blocks(row)
    step = flow.current(dossier_id, "Step_1")
    for body in (c.get(f"/api/v1/tasks/{step['id']}", headers=flow.h(CLERK)).get_json(),
                 *c.get("/api/v1/tasks", headers=flow.h(CLERK)).get_json(),
                 flow.act(step["id"], "claim", CLERK), flow.act(step["id"], "unclaim", CLERK)):
        _has_blocks(body)
    done = flow.complete(step["id"], CLERK, FORWARD["Step_1"])
    _has_blocks(done)
    for nxt in done["next_steps"]:
        _has_blocks(nxt)
    for action, body in (("pause", {"kind": "supplementation", "reason": "Thiếu giấy tờ"}), ("resume", {})):
        r = c.post(f"/api/v1/dossiers/{dossier_id}/{action}", json=body, headers=flow.h(CLERK))
        assert r.status_code == 200, r.get_json()
        _dossier_has_blocks(r.get_json())
    r = c.post(f"/api/v1/dossiers/{dossier_id}/withdraw", json={"reason": "Rút"}, headers=flow.h(CLERK))
    assert r.status_code == 200, r.get_json()
    _dossier_has_blocks(r.get_json())


def test_one_answer_judges_every_block_at_the_same_moment(flow: Flow):
    """A dossier and its open step are judged with one now: past the due time both say overdue together."""
    receipt = flow.start()
    step = flow.current(receipt["id"], "Step_1")
    flow.clock.advance(timedelta(days=60))
    body = flow.dossier(receipt["id"])
    assert body["deadline"]["status"] == "overdue"
    assert [s["deadline"]["status"] for s in body["current_steps"]] == ["overdue"]
    assert step["deadline"]["status"] == "on_track"  # the same step, answered before the clock moved
    task = flow.client.get(f"/api/v1/tasks/{step['id']}", headers=flow.h(CLERK)).get_json()
    assert task["deadline"]["status"] == task["dossier"]["deadline"]["status"] == "overdue"
