"""Versions, saved engine state, serializer migration and incidents."""
from __future__ import annotations

import json
from pathlib import Path

from app import engine
from app.dossiers.models import Dossier
from app.extensions import db
from tests.dossiers.flow import APPRAISER, CHAIR, CLERK, FORWARD, NA, Flow

BPMN = Path(__file__).resolve().parents[2] / "bpmn_models" / f"{NA}.bpmn"
LANES = {"Lane_1": "NA-HN-TTPVHCC-MC", "Lane_2": "NA-HN-KTHTDT-LD", "Lane_3": "NA-HN-KTHTDT",
         "Lane_4": "NA-HN-LD", "Lane_5": "NA-HN-VP-VT", "Lane_6": "NA-HN-TTPVHCC-MC"}


def _publish_v2(flow: Flow, admin: dict) -> None:
    xml = BPMN.read_text("utf-8").replace('name="timeLimit" value="PT112H"', 'name="timeLimit" value="PT96H"')
    up = flow.client.post("/api/v1/process-definitions", data=xml.encode("utf-8"),
                          headers={**admin, "Content-Type": "application/xml"})
    assert up.status_code == 201, up.get_json()
    assert up.get_json()["version"] == 2
    assert flow.client.post(f"/api/v1/process-definitions/{NA}/versions/2/submit", headers=admin).status_code == 200
    pub = flow.client.post(f"/api/v1/process-definitions/{NA}/versions/2/publish", headers=admin,
                           json={"decision_number": "99/QĐ-UBND", "decision_date": "2026-03-02", "lane_bindings": LANES})
    assert pub.status_code == 200, pub.get_json()


def test_dossier_finishes_under_the_version_it_was_received_under(flow, auth):
    old = flow.start()
    flow.forward(old["id"], "Step_1")
    _publish_v2(flow, auth.headers("admin"))
    new = flow.start()
    flow.forward(old["id"], "Step_2")
    assert flow.current(old["id"], "Step_3")["time_limit_minutes"] == 112 * 60
    flow.forward(new["id"], "Step_1")
    flow.forward(new["id"], "Step_2")
    assert flow.current(new["id"], "Step_3")["time_limit_minutes"] == 96 * 60
    for spec_id in ("Step_3", "Step_4", "Step_5", "Step_6", "Step_7"):
        flow.forward(old["id"], spec_id)
    finished = flow.dossier(old["id"])
    assert finished["status"] == "finished" and finished["version"] == 1
    assert flow.dossier(new["id"])["version"] == 2


def test_state_is_saved_after_every_request_and_reloaded(flow, app):
    receipt = flow.start()
    seen = []
    for spec_id in FORWARD:
        with app.app_context():
            dossier = db.session.get(Dossier, receipt["id"])
            seen.append(dossier.state)
            assert dossier.serializer_version == engine.SERIALIZER_VERSION
            assert json.loads(dossier.state)["format"] == engine.FORMAT
        flow.forward(receipt["id"], spec_id)
    assert len(set(seen)) == len(seen)  # every request wrote a new state


def test_older_serializer_version_is_migrated_on_load(flow, app, monkeypatch):
    receipt = flow.start()
    with app.app_context():
        dossier = db.session.get(Dossier, receipt["id"])
        envelope = json.loads(dossier.state)
        envelope["serializer_version"] = "1.4"
        dossier.state, dossier.serializer_version = json.dumps(envelope), "1.4"
        db.session.commit()
    calls = []
    real = engine.migrate_state

    def spy(envelope, compiled=None):
        calls.append(envelope["serializer_version"])
        return real(envelope, compiled)

    monkeypatch.setattr(engine, "migrate_state", spy)
    flow.forward(receipt["id"], "Step_1")
    assert calls == ["1.4"]
    with app.app_context():
        dossier = db.session.get(Dossier, receipt["id"])
        assert dossier.serializer_version == engine.SERIALIZER_VERSION
        assert json.loads(dossier.state)["serializer_version"] == engine.SERIALIZER_VERSION
    flow.forward(receipt["id"], "Step_2")
    assert calls == ["1.4"]  # saved at the current version: no second migration


def test_state_from_a_newer_engine_is_refused_not_a_500(flow, app):
    receipt = flow.start()
    with app.app_context():
        dossier = db.session.get(Dossier, receipt["id"])
        envelope = json.loads(dossier.state)
        envelope["serializer_version"] = "9.9"
        dossier.state, dossier.serializer_version = json.dumps(envelope), "9.9"
        db.session.commit()
    step1 = flow.current(receipt["id"], "Step_1")
    assert flow.complete(step1["id"], CLERK, FORWARD["Step_1"], expect=409)["code"] == "state_unreadable"


def test_condition_error_becomes_an_incident_and_retry_resumes(flow, app, monkeypatch):
    receipt = flow.start()
    step1 = flow.current(receipt["id"], "Step_1")
    real = engine.complete_step
    failures = iter([True])

    def flaky(wf, task_id, data, *, now):
        if next(failures, False):
            raise engine.ConditionError("Gateway_4", "'approved == True': name 'approved' is not defined")
        return real(wf, task_id, data, now=now)

    monkeypatch.setattr(engine, "complete_step", flaky)
    accepted = flow.complete(step1["id"], CLERK, FORWARD["Step_1"], expect=202)
    assert accepted["status"] == "ready"
    dossier = flow.dossier(receipt["id"], CHAIR)
    assert dossier["status"] == "incident" and "Gateway_4" in dossier["incident"]
    assert [s["spec_id"] for s in dossier["current_steps"]] == ["Step_1"]  # not half-advanced
    assert flow.complete(step1["id"], CLERK, FORWARD["Step_1"], expect=409)["code"] == "dossier_incident"
    assert flow.client.post(f"/api/v1/dossiers/{receipt['id']}/retry", json={},
                            headers=flow.h(APPRAISER)).status_code == 403
    retried = flow.client.post(f"/api/v1/dossiers/{receipt['id']}/retry", json={}, headers=flow.h(CHAIR))
    assert retried.status_code == 200, retried.get_json()
    body = retried.get_json()
    assert body["status"] == "processing" and body["incident"] is None
    assert [s["spec_id"] for s in body["current_steps"]] == ["Step_2"]
    assert flow.client.post(f"/api/v1/dossiers/{receipt['id']}/retry", json={},
                            headers=flow.h(CHAIR)).status_code == 409


def test_advance_timers_is_a_no_op_without_timers(flow, app, clock):
    from app.deadlines import hooks as deadlines
    from app.dossiers import service

    receipt = flow.start()
    with app.app_context():
        dossier = db.session.get(Dossier, receipt["id"])
        assert service.next_timer_at(dossier) is None
        assert service.advance_timers(db.session, dossier, clock.now(), life=deadlines) == []
        db.session.commit()
