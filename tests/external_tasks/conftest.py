"""The suite's app served over real HTTP (werkzeug, a thread), the hand-drawn procedure with three system
steps published, and a worker account whose API key the Camunda client uses as its bearer token."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.conftest import TEST_PASSWORD
from tests.dossiers.flow import Flow

KEY = "xac_minh_cu_tru"
BPMN = Path(__file__).parent / "data" / "xac_minh_cu_tru.bpmn"
LANES = {"Lane_MC": "NA-HN-TTPVHCC-MC", "Lane_CV": "NA-HN-KTHTDT"}
TOPICS = ("csdl-dan-cu", "qlvb-cap-so", "vn.gov.dvc.DongBoTrangThai")


@pytest.fixture()
def served(app):
    from werkzeug.serving import make_server

    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(timeout=5)


class Worker(Flow):
    """The dossier driver, plus the admin and a worker account with API keys."""

    def __init__(self, client, clock, auth, admin) -> None:
        super().__init__(client, clock)
        self.auth, self.admin = auth, admin
        self.accounts: dict[str, int] = {}

    def publish(self) -> dict:
        up = self.client.post("/api/v1/process-definitions?agency_id=2", data=BPMN.read_bytes(),
                              headers={**self.admin, "Content-Type": "application/xml"})
        assert up.status_code == 201 and up.get_json()["publishable"], up.get_json()
        assert self.client.post(f"/api/v1/process-definitions/{KEY}/versions/1/submit",
                                headers=self.admin).status_code == 200
        pub = self.client.post(f"/api/v1/process-definitions/{KEY}/versions/1/publish", headers=self.admin,
                               json={"decision_number": "7/QĐ-UBND", "decision_date": "2026-03-01",
                                     "lane_bindings": LANES})
        assert pub.status_code == 200, pub.get_json()
        return up.get_json()

    def key(self, username: str = "worker.dancu", topics: list[str] | None = None) -> str:
        """A new API key of the worker account ``username`` (created with the worker role the first time)."""
        if username not in self.accounts:
            self.accounts[username] = self.auth.create(username, "worker")
        body = {"name": f"worker {username}", "officer_id": self.accounts[username],
                **({"topics": topics} if topics else {})}
        r = self.client.post("/api/v1/api-keys", json=body, headers=self.admin)
        assert r.status_code == 201, r.get_json()
        return r.get_json()["key"]

    def receive_to_service(self) -> dict:
        """A dossier received and its desk step done: it waits at the first system step."""
        receipt = self.start(KEY, documents=[])
        step = next(s for s in receipt["current_steps"] if s["spec_id"] == "Tiep_nhan")
        self.complete(step["id"], "na.hn.motcua", {})
        return receipt


@pytest.fixture()
def worker(demo, client, clock, auth) -> Worker:
    w = Worker(client, clock, auth, auth.headers("admin"))
    w.uploaded = w.publish()
    return w


def client_for(served: str, key: str, worker_id: str = "worker-1", **config):
    from camunda.client.external_task_client import ExternalTaskClient

    return ExternalTaskClient(worker_id, engine_base_url=f"{served}/api/v1",
                              config={"auth_bearer": {"access_token": key}, "asyncResponseTimeout": 0, "lockDuration": 60_000,
                                      "maxTasks": 10, **config})


__all__ = ["KEY", "TOPICS", "TEST_PASSWORD", "client_for"]
