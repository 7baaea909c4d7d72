"""BPMN timers: the scheduler's entry point ``advance_timers`` fires due timers and re-projects the steps."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from app.deadlines import hooks as deadlines
from app.dossiers import service
from app.dossiers.models import Dossier
from app.extensions import db
from app.org.models import Agency

DIAGRAM = Path(__file__).resolve().parents[1] / "engine" / "data" / "boundary_timers.bpmn"


def test_due_boundary_timer_cancels_the_step_and_opens_the_escalation(flow, auth, app, clock):
    admin = auth.headers("admin")
    with app.app_context():
        agency_id = db.session.query(Agency).filter_by(code="NA-HN").one().id
    flow.publish_diagram(DIAGRAM, "boundary_timers", admin=admin, agency_id=agency_id, unit_code="NA-HN-KTHTDT")
    receipt = flow.start("boundary_timers")
    with app.app_context():
        dossier = db.session.get(Dossier, receipt["id"])
        assert service.next_timer_at(dossier) == clock.now() + timedelta(minutes=2)
        assert service.advance_timers(db.session, dossier, clock.now(), life=deadlines) == []
        db.session.commit()
    clock.advance(timedelta(minutes=6))
    with app.app_context():
        dossier = db.session.get(Dossier, receipt["id"])
        fired = service.advance_timers(db.session, dossier, clock.now(), life=deadlines)
        db.session.commit()
    assert len(fired) == 2
    view = flow.client.get(f"/api/v1/dossiers/{receipt['id']}", headers=auth.headers("admin")).get_json()
    assert {s["spec_id"] for s in view["current_steps"]} == {"escalate", "remind"}
    assert [(s["spec_id"], s["status"]) for s in view["past_steps"]] == [("review", "cancelled")]
