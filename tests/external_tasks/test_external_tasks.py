"""Service and send tasks done by workers over the Camunda-7-compatible API, driven by the published client
(``camunda-external-task-client-python3``) against the service over real HTTP.

The hand-drawn ``xac_minh_cu_tru``: the desk receives; a Camunda 7 external task looks the applicant up in the
national population database (an error boundary ``KHONG_TIM_THAY`` sends it back to the desk); an officer
approves; a Camunda 8 ``zeebe:taskDefinition`` numbers the document; a Java-delegate send task (run here as
an external task on a topic named after the class) syncs the portal.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from tests.external_tasks.conftest import KEY, TOPICS, client_for

APPRAISER = "na.hn.ktht.chuyenvien"


def _dossier(worker, dossier_id):
    return worker.dossier(dossier_id)


def test_the_published_client_does_three_system_steps_of_a_real_procedure(worker, served):
    delegate = [w for w in worker.uploaded["warnings"] if w["code"] == "external_task_from_delegate"]
    assert [(w["element_id"], "vn.gov.dvc.DongBoTrangThai" in w["message_en"]) for w in delegate] == [("Dang_cong", True)]
    receipt = worker.receive_to_service()
    client = client_for(served, worker.key())

    fetched = client.fetch_and_lock("csdl-dan-cu", variables=None)
    assert len(fetched) == 1
    task = fetched[0]
    assert task["topicName"] == "csdl-dan-cu" and task["businessKey"] == receipt["code"]
    assert task["activityId"] == "Tra_cuu" and task["processDefinitionKey"] == KEY and task["workerId"] == "worker-1"
    assert task["processInstanceId"] == str(receipt["id"]) and task["lockExpirationTime"]
    assert client.fetch_and_lock("csdl-dan-cu") == []  # leased: nobody else gets it

    # an officer neither sees nor completes a system step
    inbox = worker.client.get("/api/v1/tasks", headers=worker.h("na.hn.motcua")).get_json()
    assert all(s.get("spec_id") != "Tra_cuu" for s in inbox)
    r = worker.client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {}}, headers=worker.h("na.hn.motcua"))
    assert r.status_code == 409 and r.get_json()["code"] == "step_is_external"

    assert client.complete(task["id"], {"cu_tru_hop_le": True, "ho_khau": {"so": "HK-123", "thanh_vien": 3}})
    approve = worker.current(receipt["id"], "Phe_duyet")
    worker.complete(approve["id"], APPRAISER, {})

    number = client.fetch_and_lock("qlvb-cap-so", variables=["cu_tru_hop_le", "ho_khau"])[0]
    assert number["variables"]["cu_tru_hop_le"] == {"type": "Boolean", "value": True, "valueInfo": {}}
    assert number["variables"]["ho_khau"]["type"] == "Json"
    assert client.complete(number["id"], {"so_van_ban": "15/UBND-CA"})
    portal = client.fetch_and_lock(["vn.gov.dvc.DongBoTrangThai"])[0]
    assert portal["variables"]["so_van_ban"]["value"] == "15/UBND-CA"
    assert client.complete(portal["id"], {})

    dossier = _dossier(worker, receipt["id"])
    assert dossier["status"] == "finished" and dossier["current_steps"] == []
    systems = [s for s in dossier["past_steps"] if s["spec_id"] in ("Tra_cuu", "Cap_so", "Dang_cong")]
    assert len(systems) == 3 and {s["status"] for s in systems} == {"completed"}
    sheet = worker.client.get(f"/api/v1/dossiers/{receipt['id']}/control-sheet",
                              headers=worker.h("na.hn.motcua")).get_json()
    handed = [(r["from_unit"], r["to_unit"]) for r in sheet["rows"]]
    assert ("Hệ thống (csdl-dan-cu)", "Phòng Kinh tế, Hạ tầng và Đô thị") in handed
    assert ("Hệ thống (qlvb-cap-so)", "Hệ thống (vn.gov.dvc.DongBoTrangThai)") in handed
    system_rows = [r for r in sheet["rows"] if (r["from_unit"] or "").startswith("Hệ thống")]
    assert len(system_rows) == 3 and all(r["note"].startswith("Hệ thống xử lý trong") for r in system_rows)


def test_a_dead_worker_s_task_is_fetched_again_and_its_late_completion_refused(worker, served, clock):
    worker.receive_to_service()
    key = worker.key()
    dead, alive = client_for(served, key, "worker-dead"), client_for(served, key, "worker-alive")
    task = dead.fetch_and_lock("csdl-dan-cu")[0]
    clock.advance(timedelta(seconds=59))
    assert alive.fetch_and_lock("csdl-dan-cu") == []
    clock.advance(timedelta(seconds=1))  # the 60 s lease is over
    again = alive.fetch_and_lock("csdl-dan-cu")
    assert [t["id"] for t in again] == [task["id"]] and again[0]["workerId"] == "worker-alive"
    late = requests.post(f"{served}/api/v1/external-task/{task['id']}/complete",
                         json={"workerId": "worker-dead", "variables": {}},
                         headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert late.status_code == 409 and late.json()["code"] == "lock_not_held"
    never = requests.post(f"{served}/api/v1/external-task/{task['id']}/complete",
                          json={"workerId": "nobody", "variables": {}}, headers={"X-API-Key": key}, timeout=10)
    assert never.status_code == 409
    assert alive.complete(task["id"], {})
    twice = requests.post(f"{served}/api/v1/external-task/{task['id']}/complete",
                          json={"workerId": "worker-alive", "variables": {}}, headers={"X-API-Key": key}, timeout=10)
    assert twice.status_code == 404  # exactly one completion counts: the task is no more


def test_extend_lock_and_unlock(worker, served, clock):
    worker.receive_to_service()
    key = worker.key()
    base, headers = f"{served}/api/v1/external-task", {"X-API-Key": key}
    task = client_for(served, key).fetch_and_lock("csdl-dan-cu")[0]
    clock.advance(timedelta(seconds=50))
    r = requests.post(f"{base}/{task['id']}/extendLock", json={"workerId": "worker-1", "newDuration": 120_000},
                      headers=headers, timeout=10)
    assert r.status_code == 204
    clock.advance(timedelta(seconds=100))  # past the first lease, within the extended one
    assert client_for(served, key, "other").fetch_and_lock("csdl-dan-cu") == []
    wrong = requests.post(f"{base}/{task['id']}/extendLock", json={"workerId": "other", "newDuration": 1000},
                          headers=headers, timeout=10)
    assert wrong.status_code == 409
    assert requests.post(f"{base}/{task['id']}/unlock", headers=headers, timeout=10).status_code == 204
    assert [t["id"] for t in client_for(served, key, "other").fetch_and_lock("csdl-dan-cu")] == [task["id"]]


def test_failures_retry_then_become_an_incident_a_leader_retries(worker, served, clock):
    receipt = worker.receive_to_service()
    key = worker.key()
    client = client_for(served, key)
    task = client.fetch_and_lock("csdl-dan-cu")[0]
    assert client.failure(task["id"], "CSDL dân cư không phản hồi", "timeout 30 s", retries=1, retry_timeout=30_000)
    assert client.fetch_and_lock("csdl-dan-cu") == []  # waits its retry timeout
    clock.advance(timedelta(seconds=30))
    task = client.fetch_and_lock("csdl-dan-cu")[0]
    assert task["retries"] == 1 and task["errorMessage"] == "CSDL dân cư không phản hồi"
    assert client.failure(task["id"], "CSDL dân cư trả lỗi 503", None, retries=0, retry_timeout=0)
    clock.advance(timedelta(hours=1))
    assert client.fetch_and_lock("csdl-dan-cu") == []  # an incident: never fetched by itself
    leader = worker.h("na.hn.chutich")
    incidents = requests.get(f"{served}/api/v1/external-task?noRetriesLeft=true", headers=leader, timeout=10).json()
    assert [(t["id"], t["errorMessage"]) for t in incidents] == [(task["id"], "CSDL dân cư trả lỗi 503")]
    assert requests.get(f"{served}/api/v1/external-task/count?noRetriesLeft=true", headers=leader,
                        timeout=10).json() == {"count": 1}
    told = worker.client.get("/api/v1/notifications", headers=worker.h("na.hn.chutich")).get_json()
    assert any(n["kind"] == "external_task_incident" and receipt["code"] in n["text"] for n in told)
    detail = requests.get(f"{served}/api/v1/external-task/{task['id']}", headers=leader, timeout=10).json()
    assert detail["errorDetails"] is None and detail["retries"] == 0
    assert requests.put(f"{served}/api/v1/external-task/{task['id']}/retries", json={"retries": 2}, headers=leader,
                        timeout=10).status_code == 204
    assert [t["id"] for t in client.fetch_and_lock("csdl-dan-cu")] == [task["id"]]


def test_a_bpmn_error_goes_to_its_boundary_event_and_an_uncaught_one_is_refused(worker, served):
    receipt = worker.receive_to_service()
    key = worker.key()
    client = client_for(served, key)
    task = client.fetch_and_lock("csdl-dan-cu")[0]
    r = requests.post(f"{served}/api/v1/external-task/{task['id']}/bpmnError", headers={"X-API-Key": key},
                      json={"workerId": "worker-1", "errorCode": "KHONG_CO_MA_NAY"}, timeout=10)
    assert r.status_code == 422 and r.json()["code"] == "bpmn_error_uncaught"
    assert [t["id"] for t in requests.get(f"{served}/api/v1/external-task", headers={"X-API-Key": key},
                                          timeout=10).json()] == [task["id"]]  # nothing moved
    assert client.bpmn_failure(task["id"], "KHONG_TIM_THAY", "Không có công dân với số định danh này",
                               {"ly_do": "Số định danh không có trong CSDL"})
    back = worker.current(receipt["id"], "Bo_sung")
    assert back["unit"]["code"] == "NA-HN-TTPVHCC-MC"
    dossier = _dossier(worker, receipt["id"])
    errored = next(s for s in dossier["past_steps"] if s["spec_id"] == "Tra_cuu")
    assert errored["status"] == "cancelled"


def test_keys_limited_to_topics_and_roles_are_enforced(worker, served):
    worker.receive_to_service()
    only_portal = worker.key(topics=["vn.gov.dvc.DongBoTrangThai"])
    r = requests.post(f"{served}/api/v1/external-task/fetchAndLock", headers={"Authorization": f"Bearer {only_portal}"},
                      json={"workerId": "w", "topics": [{"topicName": "csdl-dan-cu", "lockDuration": 1000}]},
                      timeout=10)
    assert r.status_code == 403 and r.json()["code"] == "topic_not_allowed"
    task = client_for(served, worker.key()).fetch_and_lock("csdl-dan-cu")[0]
    r = requests.post(f"{served}/api/v1/external-task/{task['id']}/complete", headers={"X-API-Key": only_portal},
                      json={"workerId": "worker-1", "variables": {}}, timeout=10)
    assert r.status_code == 403
    officer = worker.h("na.hn.motcua")
    r = requests.post(f"{served}/api/v1/external-task/fetchAndLock", headers=officer,
                      json={"workerId": "w", "topics": [{"topicName": "csdl-dan-cu", "lockDuration": 1000}]},
                      timeout=10)
    assert r.status_code == 403  # an officer is no worker
    bad = requests.post(f"{served}/api/v1/external-task/{task['id']}/complete", headers={"X-API-Key": worker.key()},
                        json={"workerId": "worker-1", "variables": {"x": {"value": "AC ED", "type": "Object"}}},
                        timeout=10)
    assert bad.status_code == 422 and bad.json()["code"] == "variables_invalid"
    key_name = requests.post(f"{served}/api/v1/external-task/{task['id']}/complete",
                             headers={"X-API-Key": worker.key()},
                             json={"workerId": "worker-1", "variables": {"1x": {"value": 1, "type": "Integer"}}},
                             timeout=10)
    assert key_name.status_code == 422
    assert requests.get(f"{served}/api/v1/external-task/abc", headers={"X-API-Key": worker.key()},
                        timeout=10).status_code == 404


@pytest.mark.parametrize("topics", [TOPICS])
def test_long_polling_waits_for_work(worker, served, topics):
    import threading
    import time

    key = worker.key()
    found: list = []
    started = time.monotonic()
    thread = threading.Thread(target=lambda: found.extend(
        client_for(served, key, asyncResponseTimeout=5000).fetch_and_lock(list(topics))))
    thread.start()
    time.sleep(0.5)
    worker.receive_to_service()  # the task appears while the worker waits
    thread.join(timeout=10)
    assert [t["topicName"] for t in found] == ["csdl-dan-cu"] and time.monotonic() - started < 5
    empty = time.monotonic()
    assert client_for(served, key, asyncResponseTimeout=600).fetch_and_lock(["qlvb-cap-so"]) == []
    assert 0.5 <= time.monotonic() - empty < 3


def test_another_agency_s_admin_neither_sees_nor_unlocks_nor_retries_a_task(worker, served):
    """An admin of another agency reads NA-HN's task (admins read every agency) but changes it no more than a
    task that does not exist (404); a worker of another agency is not even handed it."""
    from app.extensions import db
    from app.org import service as org
    from tests.conftest import TEST_PASSWORD

    worker.receive_to_service()
    task = client_for(served, worker.key()).fetch_and_lock("csdl-dan-cu")[0]
    with worker.client.application.app_context():
        now = worker.clock.now()
        other = org.create_agency(session=db.session, agency_in={"code": "OTHER", "name": "Sở khác"}, now=now)
        for username, role in (("other-admin", "admin"), ("other-worker", "worker")):
            org.create_officer(session=db.session, now=now, officer_in={
                "username": username, "full_name": username, "password": TEST_PASSWORD, "roles": [role],
                "agency_id": other.id})
        db.session.commit()
    outsider = worker.auth.headers("other-admin")
    base = f"{served}/api/v1/external-task/{task['id']}"
    assert requests.get(base, headers=outsider, timeout=10).status_code == 200
    assert requests.post(f"{base}/unlock", headers=outsider, timeout=10).status_code == 404
    assert requests.put(f"{base}/retries", json={"retries": 5}, headers=outsider, timeout=10).status_code == 404
    assert requests.post(f"{served}/api/v1/external-task/999999/unlock", headers=outsider, timeout=10).status_code == 404
    other_worker = worker.auth.headers("other-worker")
    r = requests.post(f"{served}/api/v1/external-task/fetchAndLock", headers=other_worker, timeout=10,
                      json={"workerId": "w2", "topics": [{"topicName": "csdl-dan-cu", "lockDuration": 1000}]})
    assert r.status_code == 200 and r.json() == []
    assert requests.get(base, headers=other_worker, timeout=10).status_code == 404
    mine = requests.get(base, headers={"X-API-Key": worker.key()}, timeout=10).json()
    assert mine["workerId"] == "worker-1" and mine["retries"] is None  # untouched


def _gateway_after_a_worker(outputs: str | None) -> bytes:
    declared = (f'<bpmn:extensionElements><camunda:properties><camunda:property name="outputs" value="{outputs}"/>'
                '</camunda:properties></bpmn:extensionElements>') if outputs is not None else ""
    return ('<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/'
            '20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">'
            '<bpmn:process id="tra_cuu_roi_re_nhanh" isExecutable="true"><bpmn:startEvent id="s"/>'
            f'<bpmn:serviceTask id="tra" camunda:type="external" camunda:topic="ho-tich">{declared}</bpmn:serviceTask>'
            '<bpmn:exclusiveGateway id="g" default="f4"/><bpmn:userTask id="ky"/><bpmn:endEvent id="e"/>'
            '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="tra"/><bpmn:sequenceFlow id="f2" sourceRef="tra" '
            'targetRef="g"/><bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="ky"><bpmn:conditionExpression>'
            '= so_ban &gt; 0</bpmn:conditionExpression></bpmn:sequenceFlow><bpmn:sequenceFlow id="f4" sourceRef="g" '
            'targetRef="e"/><bpmn:sequenceFlow id="f5" sourceRef="ky" targetRef="e"/></bpmn:process>'
            '</bpmn:definitions>').encode()


@pytest.mark.parametrize(("outputs", "publishable", "code"), [
    (None, True, "data_from_worker"),     # a worker that declares nothing may set any name: a warning
    ("so_ban, ghi_chu", True, None),      # declared: checked, and it is there
    ("ghi_chu", False, "data_unset"),     # declared, and the condition reads something else
])
def test_a_condition_after_a_system_step_reads_what_its_worker_sets(worker, outputs, publishable, code):
    r = worker.client.post("/api/v1/process-definitions?agency_id=2", data=_gateway_after_a_worker(outputs),
                           headers={**worker.admin, "Content-Type": "application/xml"})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    codes = {i["code"] for i in body["errors"] + body["warnings"]}
    assert body["publishable"] is publishable
    assert (code in codes) if code else not codes & {"data_unset", "data_from_worker"}
