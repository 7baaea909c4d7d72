"""Transfer to the competent agency (issue #18): a dossier received for another agency's procedure keeps its code
and history, moves to that agency's procedure (found by the national code), and its clock follows the target
procedure's ``transferClock``; the reports count it as transferred where it left, received where it went."""
from __future__ import annotations

import io
import json
from datetime import datetime, timedelta

import pytest

from tests.documents.driver import BPMN, COMPONENTS, KEY, LANES, Docs
from tests.dossiers.flow import CLERK

CODE = "1.009999"
TARGET = "cap_phep_hoa_an"
TARGET_LANES = {"Lane_MC": "CB-HA-VT", "Lane_CV": "CB-HA-VHXH", "Lane_LD": "CB-HA-LD"}
TARGET_LEADER = "cb.ha.chutich"


def _bpmn(key: str, clock: str | None) -> bytes:
    text = BPMN.read_text("utf-8").replace('id="cap_phep_thu_nghiem"', f'id="{key}"')
    if clock:
        opening = f'<bpmn:process id="{key}" name="Cấp giấy phép thử nghiệm" isExecutable="true">'
        text = text.replace(opening, opening + '<bpmn:extensionElements><camunda:properties><camunda:property '
                                               f'name="transferClock" value="{clock}"/></camunda:properties>'
                                               '</bpmn:extensionElements>')
    return text.encode("utf-8")


def _publish(docs: Docs, key: str, agency: str, lanes: dict[str, str], clock: str | None = None) -> None:
    r = docs.client.post(f"/api/v1/process-definitions?agency_id={docs.agency_id(agency)}&code={CODE}",
                         headers=docs.admin, data={"file": (io.BytesIO(_bpmn(key, clock)), f"{key}.bpmn"),
                                                   "components": json.dumps(COMPONENTS, ensure_ascii=False)},
                         content_type="multipart/form-data")
    assert r.status_code == 201 and r.get_json()["publishable"], r.get_json()
    n = r.get_json()["version"]
    assert docs.client.post(f"/api/v1/process-definitions/{key}/versions/{n}/submit", headers=docs.admin).status_code == 200
    r = docs.client.post(f"/api/v1/process-definitions/{key}/versions/{n}/publish", headers=docs.admin,
                         json={"decision_number": "9/QĐ-UBND", "decision_date": "2026-03-01", "lane_bindings": lanes})
    assert r.status_code == 200, r.get_json()


@pytest.fixture(params=["restart", "keep"])
def moved(request, demo, client, clock) -> tuple[Docs, str]:
    docs = Docs(client, clock)
    _publish(docs, KEY, "NA-HN", LANES)
    _publish(docs, TARGET, "CB-HA", TARGET_LANES, clock=None if request.param == "restart" else "keep")
    return docs, request.param


def _transfer(docs: Docs, dossier_id: int, body: dict, username: str = CLERK, expect: int = 200) -> dict:
    r = docs.client.post(f"/api/v1/dossiers/{dossier_id}/transfer", json=body, headers=docs.h(username))
    assert r.status_code == expect, r.get_json()
    return r.get_json()


def test_a_transfer_keeps_code_and_history_and_the_clock_follows_the_target(moved, client, clock):
    docs, rule = moved
    dossier = docs.receive()
    before = docs.dossier(dossier["id"])
    target = docs.agency_id("CB-HA")
    clock.advance(timedelta(days=1))  # a working day later (Tuesday 3/3/2026)
    after = _transfer(docs, dossier["id"], {"agency_id": target,
                                            "reason": "Thuộc thẩm quyền của UBND xã Hòa An"})
    assert (after["code"], after["procedure_key"], after["status"]) == (dossier["code"], TARGET, "received")
    assert [s["spec_id"] for s in after["current_steps"]] == ["Tiep_nhan"]
    assert after["current_steps"][0]["unit"]["code"] == "CB-HA-VT"
    cancelled = [s for s in after["past_steps"] if s["status"] == "cancelled"]
    assert [s["spec_id"] for s in cancelled] == ["Tham_dinh"]
    due_before, due_after = datetime.fromisoformat(before["due_at"]), datetime.fromisoformat(after["due_at"])
    if rule == "restart":  # counted afresh from the transfer: one working day later
        assert due_after - due_before == timedelta(days=1)
    else:  # counted from the first reception
        assert due_after == due_before
    listed = client.get(f"/api/v1/dossiers/{dossier['id']}/transfers", headers=docs.h(CLERK)).get_json()
    assert [(t["from_agency"]["code"], t["to_agency"]["code"], t["clock"]) for t in listed] == [("NA-HN", "CB-HA", rule)]
    # the competent agency's leader reads it now; the desk that received it still follows it
    assert client.get(f"/api/v1/dossiers/{dossier['id']}", headers=docs.h(TARGET_LEADER)).status_code == 200
    sheet = client.get(f"/api/v1/dossiers/{dossier['id']}/control-sheet", headers=docs.h(CLERK)).get_json()
    row = next(r for r in sheet["rows"] if r.get("step_name") == "Chuyển hồ sơ")
    assert row["from_unit"] == "UBND xã Hưng Nguyên" and row["to_unit"] == "UBND xã Hòa An"
    assert "Thuộc thẩm quyền" in row["note"]
    # by deciding agency: counted where it left as transferred, where it went as received
    period = "/api/v1/reports/summary?from=2026-03-01&to=2026-03-31"
    here = client.get(f"{period}&agency=NA-HN", headers=docs.h("na.hn.chutich")).get_json()["total"]
    there = client.get(f"{period}&agency=CB-HA", headers=docs.h(TARGET_LEADER)).get_json()["total"]
    assert (here["transferred"], here["received"]["total"]) == (1, 0)
    assert (there["transferred"], there["received"]["total"]) == (0, 1)


def test_bad_transfers_change_nothing(moved, client):
    docs, _ = moved
    dossier = docs.receive()
    before = docs.dossier(dossier["id"])
    cases = [
        ({"agency_id": docs.agency_id("CB-SNV"), "reason": "x"}, 422, "transfer_no_procedure"),  # no such procedure
        ({"agency_id": docs.agency_id("CB-SNV"), "procedure_key": TARGET, "reason": "x"}, 422, "transfer_no_procedure"),
        ({"agency_id": docs.agency_id("NA-HN"), "reason": "x"}, 422, "transfer_same"),
        ({"agency_id": 987654, "reason": "x"}, 422, "unknown_reference"),
        ({"agency_id": docs.agency_id("CB-HA")}, 422, "validation_failed"),  # no reason
    ]
    for body, status, code in cases:
        assert _transfer(docs, dossier["id"], body, expect=status)["code"] == code, body
    _transfer(docs, dossier["id"], {"agency_id": docs.agency_id("CB-HA"), "reason": "x"},
              username="na.hn.ktht.chuyenvien", expect=403)  # an officer does not transfer
    now = docs.dossier(dossier["id"])
    assert (now["procedure_key"], now["due_at"], [s["id"] for s in now["current_steps"]]) == (
        before["procedure_key"], before["due_at"], [s["id"] for s in before["current_steps"]])
    assert client.get(f"/api/v1/dossiers/{dossier['id']}/transfers", headers=docs.h(CLERK)).get_json() == []
    # a closed dossier is not transferred
    client.post(f"/api/v1/dossiers/{dossier['id']}/withdraw", json={"reason": "Rút"}, headers=docs.h(CLERK))
    assert _transfer(docs, dossier["id"], {"agency_id": docs.agency_id("CB-HA"), "reason": "x"},
                     expect=409)["code"] == "dossier_closed"


def test_a_province_wide_desk_receives_any_procedure_of_its_province(demo, client, clock):
    """Decree 118/2025: a desk configured for its province receives a commune's procedure; the dossier is the
    commune's to decide, the desk's to follow, and the reports tell the two apart."""
    docs = Docs(client, clock)
    _publish(docs, TARGET, "CB-HA", TARGET_LANES)
    desk_clerk = "cb.ttpvhcc.snv"
    body = {"applicant": {"name": "Lò Văn Tú", "id_number": "004090001111"}, "documents": [{"component": "don_de_nghi"}]}
    refused = client.post(f"/api/v1/procedures/{TARGET}/dossiers", json=body, headers=docs.h(desk_clerk))
    assert refused.status_code == 403 and refused.get_json()["code"] == "not_your_desk"
    units = client.get("/api/v1/units?page_size=100", headers=docs.admin).get_json()
    desk = next(u for u in units if u["code"] == "CB-TTPVHCC-SNV")
    assert desk["reception_scope"] == "agency"
    r = client.patch(f"/api/v1/units/{desk['id']}", json={"reception_scope": "province"}, headers=docs.admin)
    assert r.status_code == 200 and r.get_json()["reception_scope"] == "province"
    assert client.patch(f"/api/v1/units/{desk['id']}", json={"reception_scope": "country"},
                        headers=docs.admin).status_code == 422
    r = client.post(f"/api/v1/procedures/{TARGET}/dossiers", json=body, headers=docs.h(desk_clerk))
    assert r.status_code == 201, r.get_json()
    receipt = r.get_json()
    assert receipt["agency"] == "UBND xã Hòa An"  # the deciding agency
    assert receipt["receiving_unit"] == desk["name"]  # the desk that received it, on form 01 too
    page = client.get(f"/api/v1/dossiers/{receipt['id']}/receipt?format=html", headers=docs.h(desk_clerk)).text
    assert desk["name"] in page and "Cơ quan giải quyết hồ sơ: UBND xã Hòa An" in page
    # the procedure's steps run at the commune; the desk still reads what it received
    assert client.get(f"/api/v1/dossiers/{receipt['id']}", headers=docs.h(TARGET_LEADER)).status_code == 200
    assert client.get(f"/api/v1/dossiers/{receipt['id']}", headers=docs.h(desk_clerk)).status_code == 200
    # another province's procedure stays out of reach
    _publish(docs, KEY, "NA-HN", LANES)
    assert client.post(f"/api/v1/procedures/{KEY}/dossiers", json=body,
                       headers=docs.h(desk_clerk)).status_code == 403
    period = "/api/v1/reports/summary?from=2026-03-01&to=2026-03-31"
    by_desk = client.get(f"{period}&group_by=receiving_desk", headers=docs.admin).get_json()
    by_agency = client.get(f"{period}&group_by=agency", headers=docs.admin).get_json()
    assert [(r["key"], r["received"]["total"]) for r in by_desk["rows"]] == [("CB-TTPVHCC-SNV", 1)]
    assert [(r["key"], r["received"]["total"]) for r in by_agency["rows"]] == [("CB-HA", 1)]
    assert by_desk["total"]["received"]["total"] == by_agency["total"]["received"]["total"] == 1
