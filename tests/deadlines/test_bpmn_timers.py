"""BPMN timers run by the scheduler: ``bpmn_timer`` due work at ``next_timer_at``, which calls ``advance_timers``."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.org.models import Agency
from app.scheduler.due_work_models import DueWork

DIAGRAM = Path(__file__).resolve().parents[1] / "engine" / "data" / "boundary_timers.bpmn"


def _pending(dl, dossier_id):
    with dl.app.app_context():
        return db.session.execute(select(DueWork.kind, DueWork.due_at, DueWork.step_id).where(
            DueWork.dossier_id == dossier_id, DueWork.status == "pending").order_by(DueWork.id)).all()


def test_the_scheduler_fires_a_boundary_timer_once_and_cancels_the_interrupted_steps_work(dl, auth):
    admin = auth.headers("admin")
    with dl.app.app_context():
        agency_id = db.session.query(Agency).filter_by(code="NA-HN").one().id
    dl.publish_diagram(DIAGRAM, "boundary_timers", admin=admin, agency_id=agency_id, unit_code="NA-HN-TTPVHCC-MC")
    dossier_id = dl.start("boundary_timers")["id"]
    timers = [row for row in _pending(dl, dossier_id) if row.kind == "bpmn_timer"]
    assert [row.due_at for row in timers] == [dl.clock.now() + timedelta(minutes=2)]
    review = dl.current(dossier_id)["id"]

    dl.clock.advance(timedelta(minutes=6))
    dl.tick()
    dl.tick("scheduler-2")
    view = dl.dossier(dossier_id)
    assert {s["spec_id"] for s in view["current_steps"]} == {"escalate", "remind"}
    assert [(s["spec_id"], s["status"]) for s in view["past_steps"]] == [("review", "cancelled")]
    assert all(row.step_id != review for row in _pending(dl, dossier_id))
    with dl.app.app_context():
        fired = db.session.scalars(select(DueWork.status).where(DueWork.kind == "bpmn_timer")).all()
    assert fired.count("done") == 1
