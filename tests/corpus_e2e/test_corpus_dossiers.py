"""Real modeler files whose elements are supported run end to end over the API: upload, publish, start a
dossier, complete every step until the dossier is finished.

The list below is the repository's record of which ../shared/bpmn-corpus files execute (sources and
licences in that folder's README: SpiffWorkflow test data (LGPL-3.0), bpmn-js fixtures (bpmn.io licence)).
Files that are documentation only or refused are covered by tests/definitions_api/test_corpus_api.py.
"""
from __future__ import annotations

import pytest

from tests.conftest import SHARED_DIR

#: (corpus file, process id to publish or None for the main one, data given when completing each step)
RUNS_END_TO_END: list[tuple[str, str | None, dict]] = [
    ("spiffworkflow/tests/camunda/token_trial_nested_parallel.bpmn", None, {}),
    ("spiffworkflow/tests/bpmn/boundary.bpmn", None, {"answer": "Yes"}),
    ("spiffworkflow/tests/bpmn/lanes.bpmn", None, {"NeedClarification": "No"}),
    ("bpmnjs/multiple-diagrams.bpmn", "Process_1", {}),
    ("bpmnjs/multiple-diagrams.bpmn", "Process_2", {}),
    ("spiffworkflow/tests/spiff/user_task_variable.bpmn", "one", {}),
    ("spiffworkflow/tests/spiff/user_task_variable.bpmn", "two", {}),
]
UNIT = "CB-SNV-XDCQ"
MAX_STEPS = 60


@pytest.fixture()
def actors(demo, auth):
    auth.create("corpus.designer", "designer")
    auth.create("corpus.clerk", "clerk", "officer", unit_codes=(UNIT,))
    return {"designer": auth.headers("corpus.designer"), "admin": auth.headers("admin"),
            "clerk": auth.headers("corpus.clerk")}


def _agency_id(client, headers, code):
    return next(a["id"] for a in client.get("/api/v1/agencies?page_size=100", headers=headers).get_json()
                if a["code"] == code)


@pytest.mark.parametrize("rel, process_id, answers", RUNS_END_TO_END,
                         ids=[f"{r.split('/')[-1]}:{p or 'main'}" for r, p, _ in RUNS_END_TO_END])
def test_corpus_file_runs_end_to_end_over_the_api(client, actors, rel, process_id, answers):
    path = SHARED_DIR / "bpmn-corpus" / rel
    if not path.exists():
        pytest.skip("../shared/bpmn-corpus is not beside the project")
    agency_id = _agency_id(client, actors["admin"], "CB-SNV")
    query = f"?agency_id={agency_id}" + (f"&process_id={process_id}" if process_id else "")
    up = client.post(f"/api/v1/process-definitions{query}", data=path.read_bytes(),
                     headers={**actors["designer"], "Content-Type": "application/xml"})
    assert up.status_code == 201, up.get_json()
    version = up.get_json()
    key = version["key"]
    if answers:
        # another modeler's diagram carries no forms: give each step one, named after it, with the answers'
        # fields, through the draft's forms endpoint; until then the data flow is an error of the version
        assert {e["code"] for e in version["errors"]} == {"data_unset"} and version["publishable"] is False
        form = {"type": "object", "required": sorted(answers),
                "properties": {name: {"type": "string"} for name in answers}}
        for step in version["steps"]:
            r = client.put(f"/api/v1/process-definitions/{key}/versions/1/forms/{step['id']}",
                           headers=actors["designer"], json=form)
            assert r.status_code == 200, r.get_json()
            version = r.get_json()
        assert version["errors"] == [] and version["publishable"] is True, version["errors"]
    bindings = {lane["id"]: UNIT for lane in version["lanes"]}
    if any(not step["lane_id"] for step in version["steps"]):
        bindings["*"] = UNIT
    assert client.post(f"/api/v1/process-definitions/{key}/versions/1/submit", headers=actors["designer"]).status_code == 200
    pub = client.post(f"/api/v1/process-definitions/{key}/versions/1/publish", headers=actors["admin"],
                      json={"decision_number": "1/QĐ-TEST", "decision_date": "2026-01-05", "lane_bindings": bindings})
    assert pub.status_code == 200, pub.get_json()

    started = client.post(f"/api/v1/procedures/{key}/dossiers", headers=actors["clerk"],
                          json={"applicant": {"name": "Nguyễn Thị Lan"}})
    assert started.status_code == 201, started.get_json()
    dossier_id = started.get_json()["id"]
    completed = 0
    for _ in range(MAX_STEPS):
        dossier = client.get(f"/api/v1/dossiers/{dossier_id}", headers=actors["admin"]).get_json()
        if dossier["status"] == "finished":
            break
        assert dossier["status"] in ("received", "processing"), dossier
        assert dossier["current_steps"], "a running dossier must wait on a step"
        step = dossier["current_steps"][0]
        r = client.post(f"/api/v1/tasks/{step['id']}/complete", headers=actors["clerk"], json={"data": answers})
        assert r.status_code == 200, (step, r.get_json())
        completed += 1
    else:
        pytest.fail(f"{rel} did not finish within {MAX_STEPS} steps")
    assert dossier["status"] == "finished"  # Process_2 of multiple-diagrams has no step: it finishes at once
    sheet = client.get(f"/api/v1/dossiers/{dossier_id}/control-sheet", headers=actors["admin"]).get_json()
    assert len(sheet["rows"]) >= completed
