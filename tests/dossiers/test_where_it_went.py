"""The receipt and every completion say where the dossier went, so a client needs no read between steps."""
from __future__ import annotations

from pathlib import Path

from app.extensions import db
from app.org.models import Agency
from tests.dossiers.flow import ACTOR, CLERK, FORWARD, NA

PARALLEL = Path(__file__).resolve().parents[1] / "engine" / "data" / "parallel.bpmn"


def _ids(steps: list[dict]) -> list[int]:
    return [s["id"] for s in steps]


def test_na_3857_runs_on_the_answers_alone_and_they_match_the_dossier(flow):
    receipt = flow.start(NA)
    open_steps = receipt["current_steps"]
    assert [s["spec_id"] for s in open_steps] == ["Step_1"]
    assert open_steps[0]["unit"]["code"] and open_steps[0]["due_at"] and open_steps[0]["status"] == "ready"
    assert _ids(open_steps) == _ids(flow.dossier(receipt["id"])["current_steps"])
    seen = []
    while open_steps:
        (step,) = open_steps
        seen.append(step["spec_id"])
        body = flow.complete(step["id"], ACTOR[step["spec_id"]], FORWARD[step["spec_id"]])
        assert body["id"] == step["id"] and body["status"] == "completed"
        open_steps = body["next_steps"]
        view = flow.dossier(receipt["id"])
        assert _ids(open_steps) == _ids(view["current_steps"])  # the answer is what a read would show
        assert all(s["id"] != step["id"] for s in open_steps)
    assert seen == list(FORWARD)
    assert flow.dossier(receipt["id"])["status"] == "finished"


def test_parallel_branches_the_other_branch_stays_in_next_steps(flow, auth, app):
    admin = auth.headers("admin")
    with app.app_context():
        agency_id = db.session.query(Agency).filter_by(code="NA-HN").one().id
    flow.publish_diagram(PARALLEL, "parallel", admin=admin, agency_id=agency_id, unit_code="NA-HN-TTPVHCC-MC",
                         decision_number="2/QĐ")
    receipt = flow.start("parallel")
    first = {s["spec_id"]: s for s in receipt["current_steps"]}
    assert set(first) == {"check_a", "check_b"}
    after_a = flow.complete(first["check_a"]["id"], CLERK, {})["next_steps"]
    assert _ids(after_a) == [first["check_b"]["id"]]  # b is still open; the join waits
    after_b = flow.complete(first["check_b"]["id"], CLERK, {})["next_steps"]
    assert [s["spec_id"] for s in after_b] == ["decide"]
    assert _ids(after_b) == _ids(flow.dossier(receipt["id"])["current_steps"])
    assert flow.complete(after_b[0]["id"], CLERK, {})["next_steps"] == []
    assert flow.dossier(receipt["id"])["status"] == "finished"
