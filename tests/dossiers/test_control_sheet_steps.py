"""Form 06 rows name their step even when the diagram gives no step number (issue #15, item 5)."""
from __future__ import annotations

from pathlib import Path

from app.extensions import db
from app.org.models import Agency
from tests.dossiers.flow import CLERK

PARALLEL = Path(__file__).resolve().parents[1] / "engine" / "data" / "parallel.bpmn"


def test_rows_of_an_unnumbered_diagram_name_their_step(flow, auth, app, client):
    admin = auth.headers("admin")
    with app.app_context():
        agency_id = db.session.query(Agency).filter_by(code="NA-HN").one().id
    flow.publish_diagram(PARALLEL, "parallel", admin=admin, agency_id=agency_id, unit_code="NA-HN-TTPVHCC-MC",
                         decision_number="3/QĐ")
    receipt = flow.start("parallel")
    for step in receipt["current_steps"]:
        flow.complete(step["id"], CLERK, {})
    sheet = client.get(f"/api/v1/dossiers/{receipt['id']}/control-sheet", headers=flow.h(CLERK)).get_json()
    handovers = sheet["rows"][1:]
    assert sorted(row["step"] for row in handovers) == ["check_a", "check_b"]
    assert all(row["step_name"] for row in handovers)
