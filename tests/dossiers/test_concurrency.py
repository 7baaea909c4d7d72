"""Real threads, each with its own app context and test client: one winner, clean refusals, unique codes.

On SQLite the database write lock serialises the writers, so the tests still run there; PostgreSQL is where
the row locks (``UPDATE … RETURNING`` on the dossier, ``INSERT … ON CONFLICT … RETURNING`` on the code
counter) are really exercised.
"""
from __future__ import annotations

import threading

from tests.dossiers.flow import APPLICANT, CLERK, FORWARD, NA, Flow


def _race(app, n: int, call) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def worker(i: int) -> None:
        with app.app_context():
            client = app.test_client()
            barrier.wait()
            results[i] = call(client, i)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_officers_complete_the_same_step_exactly_one_wins(flow: Flow, app, clock):
    for _ in range(3):  # a few rounds to give the race a chance to interleave
        receipt = flow.start()
        step1 = flow.current(receipt["id"], "Step_1")
        headers = flow.h(CLERK)

        def complete(client, i, url=f"/api/v1/tasks/{step1['id']}/complete", headers=headers):
            r = client.post(url, json={"data": FORWARD["Step_1"]}, headers=headers)
            return r.status_code, r.get_json()

        results = _race(app, 2, complete)
        codes = sorted(status for status, _ in results)
        assert codes == [200, 409], results
        loser = next(body for status, body in results if status == 409)
        assert loser["code"] == "step_completed" and "Trần Thị Ngọc Ánh" in loser["detail"]
        dossier = flow.dossier(receipt["id"])
        assert [s["spec_id"] for s in dossier["current_steps"]] == ["Step_2"]  # advanced once, not twice
        assert [s["spec_id"] for s in dossier["past_steps"]] == ["Step_1"]


def test_dossier_codes_are_unique_under_concurrency(flow: Flow, app):
    headers = flow.h(CLERK)
    n = 8

    def start(client, i):
        r = client.post(f"/api/v1/procedures/{NA}/dossiers", json={"applicant": APPLICANT}, headers=headers)
        return r.status_code, r.get_json()

    results = _race(app, n, start)
    assert [status for status, _ in results] == [201] * n, results
    codes = sorted(body["code"] for _, body in results)
    assert codes == [f"NA-HN-260302-{i:04d}" for i in range(1, n + 1)]
