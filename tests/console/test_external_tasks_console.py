"""System steps in the console: a dossier waiting on a worker shows "Hệ thống (topic)" as its current unit; a
worker gives up (retries 0) and the leader sees the incident on the reports page and gives it new retries."""
from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.console.permit import admin, api
from tests.console.test_console_e2e import TIMEOUT, go, login, shot, wait, wait_text

pytestmark = pytest.mark.slow
BPMN = Path(__file__).resolve().parents[2] / "bench" / "data" / "ba_tac_vu_he_thong.bpmn"
KEY = "ba_tac_vu_he_thong"


@pytest.fixture(scope="module")
def failed(server) -> dict:
    """The procedure of three system steps published, a dossier received, its first task failed for good."""
    agency_id = next(a["id"] for a in admin(server, "GET", "agencies?page_size=100") if a["code"] == "NA-HN")
    version = admin(server, "POST", f"process-definitions?agency_id={agency_id}",
                    files={"file": (BPMN.name, BPMN.read_bytes(), "application/xml")})
    assert version["publishable"], version
    admin(server, "POST", f"process-definitions/{KEY}/versions/1/submit")
    admin(server, "POST", f"process-definitions/{KEY}/versions/1/publish",
          json={"decision_number": "3/QĐ", "decision_date": "2026-03-01", "lane_bindings": {}})
    account = admin(server, "POST", "officers", json={"username": "worker.console", "full_name": "Worker",
                                                      "password": "worker-console-pw", "roles": ["worker"]})
    key = admin(server, "POST", "api-keys", json={"name": "console test", "officer_id": account["id"]})["key"]
    receipt = api(server, "POST", f"procedures/{KEY}/dossiers", "na.hn.motcua", password=server.demo_password,
                  json={"applicant": {"name": "Trần Văn Bình"}, "data": {}})
    base, headers = f"{server.url}/api/v1/external-task", {"X-API-Key": key}
    task = requests.post(f"{base}/fetchAndLock", headers=headers, timeout=TIMEOUT, json={
        "workerId": "w1", "maxTasks": 1, "topics": [{"topicName": "tra-cuu", "lockDuration": 60000}]}).json()[0]
    r = requests.post(f"{base}/{task['id']}/failure", headers=headers, timeout=TIMEOUT, json={
        "workerId": "w1", "errorMessage": "Hệ thống tra cứu không phản hồi", "retries": 0})
    assert r.status_code == 204
    return {"receipt": receipt, "task": task, "key": key}


def test_the_leader_sees_the_incident_and_retries_it(server, browser, failed):
    login(browser, server, "na.hn.chutich")
    go(browser, server, f"#/dossiers/{failed['receipt']['id']}")
    wait_text(browser, "body", "Hệ thống (tra-cuu)")
    go(browser, server, "#/reports")
    wait_text(browser, "#external-incidents", "Hệ thống tra cứu không phản hồi")
    shot(browser, "external-incident")
    wait(browser, f"[data-retry-task='{failed['task']['id']}']").click()
    wait_text(browser, "#external-incidents", "Đã cấp 3 lượt thử lại")
    wait_text(browser, "#external-incidents", "Không có sự cố")
    task = requests.get(f"{server.url}/api/v1/external-task/{failed['task']['id']}",
                        headers={"X-API-Key": failed["key"]}, timeout=TIMEOUT).json()
    assert task["retries"] == 3
