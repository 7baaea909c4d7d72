"""Each approved procedure of ``procedures/cases.json``, posted as JSON, becomes a draft that matches its table
exactly (steps, lanes, limits, totals) and then goes through review and publication like any upload."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.authoring.time_text import parse_time_text
from app.calendar.durations import parse_working_duration

from .conftest import CASE_IDS, FROM_STEPS, SHIPPED, case_key, case_payload


def _limit(text: str | None) -> timedelta | None:
    return None if text is None else parse_working_duration(text)


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_case_becomes_a_draft_matching_its_table_and_publishes(case_id, cases, client, designer, admin):
    case, extra = cases[case_id], SHIPPED[case_id]
    key = case_key(case_id)

    response = client.post(FROM_STEPS, json=case_payload(case), headers=designer)

    assert response.status_code == 201, response.get_json()
    draft = response.get_json()
    assert (draft["key"], draft["version"], draft["status"]) == (key, 1, "draft")
    assert draft["publishable"] and draft["errors"] == []
    # the review gateways read `approved`: the generated forms declare it, required and yes/no (issue #15.2)
    assert not [w for w in draft["warnings"] if w["code"].startswith("data_")], draft["warnings"]
    # Steps: one per row, in order, named by their label, in the lane of their responsible unit, with the
    # table's time (None = not counted).
    assert len(draft["steps"]) == len(case["steps"])
    for step, row in zip(draft["steps"], case["steps"], strict=False):
        assert step["name"].startswith(f"{row['step']}. ")
        assert step["lane_name"] == row["responsible"]
        assert _limit(step["time_limit"]) == parse_time_text(row["time"], unit=case["unit"])
    # Lanes: one per distinct responsible text, in first-appearance order.
    responsible = list(dict.fromkeys(row["responsible"] for row in case["steps"]))
    assert [lane["name"] for lane in draft["lanes"]] == responsible
    # Totals: the steps' sum, the declared total, and the mismatch of the Cao Bằng dissolution (9.5 vs 10.5).
    per_day = 1 if case["unit"] == "day" else 8
    assert draft["computed_total_days"] == sum(r["time"] or 0 for r in case["steps"]) / per_day
    assert draft["declared_total_days"] == case["declared_total"] / per_day
    mismatch = case_id == "CB-2028-2025-TNXP-giaithe"
    assert draft["total_mismatch"] is mismatch
    assert [(w["code"], w["column"]) for w in draft["table_warnings"]] == (
        [("total_mismatch", "declared_total")] if mismatch else [])
    if mismatch:
        assert "9.5" in draft["table_warnings"][0]["message_en"] and "10.5" in draft["table_warnings"][0]["message_en"]
    # Lanes bound from the organisation by name agree with the shipped hand-made binding; the others wait.
    for lane in draft["lanes"]:
        assert lane["unit"] in (None, extra["units"][lane["name"]])
    assert {u["lane_id"] for u in draft["unbound_lanes"]} == {lane["id"] for lane in draft["lanes"] if not lane["unit"]}
    assert draft["legal_basis"] and case["decision"].split(" ")[0] in draft["legal_basis"][0]

    submitted = client.post(f"/api/v1/process-definitions/{key}/versions/1/submit", headers=designer)
    assert submitted.status_code == 200, submitted.get_json()
    bindings = {lane["lane_id"]: extra["units"][lane["name"]] for lane in draft["unbound_lanes"]}
    published = client.post(f"/api/v1/process-definitions/{key}/versions/1/publish", headers=admin, json={
        "decision_number": draft["legal_basis"][0].split(" ")[3], "decision_date": "2025-11-28",
        "lane_bindings": bindings})
    assert published.status_code == 200, published.get_json()
    version = published.get_json()
    assert version["status"] == "published"
    assert {b["lane_id"]: b["unit_code"] for b in version["lane_bindings"]} == {
        lane["id"]: extra["units"][lane["name"]] for lane in draft["lanes"]}


def test_lanes_are_bound_to_the_agencys_unit_of_the_same_name(cases, client, designer):
    draft = client.post(FROM_STEPS, json=case_payload(cases["CB-2028-2025-TNXP-thanhlap"]), headers=designer).get_json()

    bound = {lane["name"]: lane["unit"] for lane in draft["lanes"] if lane["unit"]}
    assert bound == {"Lãnh đạo Phòng Xây dựng chính quyền và Cải cách hành chính": "CB-SNV-XDCQ-LD"}
    assert "Lãnh đạo Sở" in {lane["name"] for lane in draft["unbound_lanes"]}


def test_a_steps_own_agency_is_where_its_unit_is_looked_for(cases, client, designer):
    draft = client.post(FROM_STEPS, json=case_payload(cases["CB-2022-2025-QT17"]), headers=designer).get_json()

    bound = {lane["name"]: lane["unit"] for lane in draft["lanes"] if lane["unit"]}
    assert bound["Lãnh đạo Phòng Văn hoá - Xã hội"] == "CB-HA-VHXH-LD"  # commune step, owner is Sở Y tế


def test_posting_the_same_table_again_amends_the_procedure(cases, client, designer):
    payload = case_payload(cases["CB-2028-2025-luutru-caplai"])
    first = client.post(FROM_STEPS, json=payload, headers=designer).get_json()
    second = client.post(FROM_STEPS, json=payload, headers=designer).get_json()

    assert (first["version"], second["version"]) == (1, 2)
    assert first["bpmn_sha256"] == second["bpmn_sha256"]  # same table, same bytes


def test_a_json_table_brings_the_dossiers_components(cases, client, designer):
    payload = case_payload(cases["CB-2028-2025-luutru-caplai"])
    payload["meta"]["components"] = [
        {"key": "don_de_nghi", "name": "Đơn đề nghị cấp lại giấy chứng nhận", "required": True},
        {"key": "giay_chung_nhan", "name": "Giấy chứng nhận (cấp lại)", "result": True, "file_kinds": ["pdf"]}]
    draft = client.post(FROM_STEPS, json=payload, headers=designer)
    assert draft.status_code == 201, draft.get_json()
    assert [(c["key"], c["required"], c["result"]) for c in draft.get_json()["components"]] == [
        ("don_de_nghi", True, False), ("giay_chung_nhan", False, True)]
    payload["meta"]["components"] = [{"key": "Bad Key", "name": "x"}]
    refused = client.post(FROM_STEPS, json=payload, headers=designer)
    assert refused.status_code == 422
