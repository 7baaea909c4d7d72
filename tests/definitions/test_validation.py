"""Each semantic rule on a small hand-written file: code, element id and line (tests/definitions/data/)."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from app.definitions.validation import Issue, ValidationResult, validate_bpmn

DATA = Path(__file__).parent / "data"


def load(name: str) -> tuple[ValidationResult, str]:
    raw = (DATA / name).read_bytes()
    return validate_bpmn(raw), raw.decode("utf-8")


def line_of(text: str, needle: str) -> int:
    """1-based line of the first occurrence of ``needle`` (so tests survive edits of the data files)."""
    index = text.index(needle)
    return text.count("\n", 0, index) + 1


def find(issues: list[Issue], code: str, element_id: str | None) -> Issue:
    matches = [i for i in issues if i.code == code and i.element_id == element_id]
    assert matches, f"no {code} on {element_id}: {[(i.code, i.element_id) for i in issues]}"
    return matches[0]


def test_conventions_file_with_three_property_forms_is_publishable() -> None:
    result, text = load("conventions.bpmn")
    assert result.ok and result.publishable, result.errors
    assert result.warnings == []
    assert result.process_id == "cb_tnxp_thanh_lap"
    # Vietnamese kept exactly (UTF-8, accents, composed as written).
    assert result.process_name == "Thành lập, tổ chức lại, giải thể tổ chức hành chính"
    assert [(lane.id, lane.name, lane.unit) for lane in result.lanes] == [
        ("Lane_motcua", "Bộ phận Một cửa", "000.00.12.H61"),          # camunda:property
        ("Lane_chuyen_vien", "Phòng Tổ chức - Biên chế", "000.01.12.H61"),  # zeebe:property
        ("Lane_lanh_dao", "Lãnh đạo Sở", "000.02.12.H61"),              # spiffworkflow:property
    ]
    assert [(s.id, s.kind, s.lane_id, s.time_limit_text, s.time_limit) for s in result.steps] == [
        ("tiep_nhan", "userTask", "Lane_motcua", "PT4H", timedelta(hours=4)),
        ("tham_dinh", "userTask", "Lane_chuyen_vien", "P0.5D", timedelta(hours=4)),
        ("phe_duyet", "userTask", "Lane_lanh_dao", "P0.25D", timedelta(hours=2)),
        ("tra_ket_qua", "manualTask", "Lane_lanh_dao", "P0.5D", timedelta(hours=4)),
    ]
    assert result.steps[0].name == "Tiếp nhận, kiểm tra hồ sơ"
    assert result.steps[0].lane_name == "Bộ phận Một cửa"
    assert result.steps[0].form == "tiep_nhan.schema.json"
    assert result.declared_total == result.computed_total == timedelta(hours=14)
    assert not result.total_mismatch
    assert result.has_diagram and result.is_executable
    assert result.process_ids == ["cb_tnxp_thanh_lap"]
    assert result.normalized_xml.decode("utf-8").splitlines()[1:] == text.splitlines()[1:]
    data = result.to_dict()
    assert data["steps"][1]["time_limit"] == "PT4H" and data["declared_total"] == "PT14H"
    assert data["lanes"][2]["name"] == "Lãnh đạo Sở"


def test_duplicate_id() -> None:
    result, text = load("rule-duplicate-id.bpmn")
    issue = find(result.errors, "duplicate_id", "buoc")
    assert issue.line == line_of(text, '<bpmn:endEvent id="buoc"')
    assert "buoc" in issue.message and issue.message_en.startswith("Duplicate id")
    assert not result.ok and not result.publishable


def test_unknown_source_target_and_orphan_flow() -> None:
    result, text = load("rule-unknown-refs.bpmn")
    target = find(result.errors, "unknown_target", "f_missing_target")
    assert target.line == line_of(text, 'id="f_missing_target"') and "khong_ton_tai" in target.message
    source = find(result.errors, "unknown_source", "f_missing_source")
    assert source.line == line_of(text, 'id="f_missing_source"') and "ma_sai" in source.message_en
    orphan = find(result.errors, "orphan_flow", "f_no_source")
    assert orphan.line == line_of(text, 'id="f_no_source"')


def test_no_start_and_no_end() -> None:
    result, text = load("rule-no-start-end.bpmn")
    line = line_of(text, '<bpmn:process id="p_bare"')
    assert find(result.errors, "no_start_event", "p_bare").line == line
    assert find(result.errors, "no_end_event", "p_bare").line == line


def test_unreachable_but_boundary_and_event_subprocess_count_as_reachable() -> None:
    result, text = load("rule-unreachable.bpmn")
    issue = find(result.errors, "unreachable", "lac_loi")
    assert issue.line == line_of(text, 'id="lac_loi"')
    assert [i.element_id for i in result.errors] == ["lac_loi"]  # bao_cao via boundary, sk_task via event SP
    assert [s.id for s in result.steps] == ["buoc", "bao_cao", "sk_task", "lac_loi"]


def test_lanes_units_and_steps_without_lane() -> None:
    result, text = load("rule-lanes.bpmn")
    no_lane = find(result.errors, "step_without_lane", "khong_lan")
    assert no_lane.line == line_of(text, 'id="khong_lan"')
    bad_unit = find(result.errors, "lane_unit_invalid", "lane_bad_unit")
    assert bad_unit.line == line_of(text, '<camunda:property name="unit" value="  "')
    unbound = find(result.warnings, "lane_unbound", "lane_unbound")
    assert unbound.line == line_of(text, 'id="lane_unbound"')
    assert [(lane.id, lane.unit) for lane in result.lanes] == [
        ("lane_ok", "VT-01"), ("lane_unbound", None), ("lane_bad_unit", None)]
    assert result.steps[2].lane_id is None


def test_time_limits_must_be_working_durations() -> None:
    result, text = load("rule-time-limits.bpmn")
    first = find(result.errors, "time_limit_invalid", "buoc_1")
    assert first.line == line_of(text, 'value="3 ngày"') and "3 ngày" in first.message
    assert find(result.errors, "time_limit_invalid", "buoc_2").line == line_of(text, 'value="P1M"')
    total = find(result.errors, "total_time_limit_invalid", "p_time")
    assert total.line == line_of(text, 'value="10 ngày"')
    assert result.declared_total is None and result.computed_total == timedelta(0)


def test_declared_total_differs_from_steps_is_a_warning_with_both_numbers_in_days() -> None:
    result, text = load("rule-total-mismatch.bpmn")
    assert result.ok and result.publishable
    issue = find(result.warnings, "total_mismatch", "p_total")
    assert "9.5 ngày" in issue.message and "10.5 ngày" in issue.message
    assert "9.5 days" in issue.message_en and "10.5 days" in issue.message_en
    assert issue.line == line_of(text, 'name="totalTimeLimit"')
    assert result.total_mismatch
    assert result.declared_total == timedelta(hours=76) and result.computed_total == timedelta(hours=84)


UNSUPPORTED = {"chay_ma": "scriptTask", "nhan_tin_hieu": "signalEventDefinition",
               "cho_thu": "messageEventDefinition", "cong_phuc": "complexGateway"}


def test_unsupported_elements_in_executable_process_are_errors_naming_id_and_tag() -> None:
    result, text = load("rule-unsupported.bpmn")
    for element_id, tag in UNSUPPORTED.items():
        issue = find(result.errors, "unsupported_element", element_id)
        assert element_id in issue.message and tag in issue.message_en
    # The signal comes through an eventDefinitionRef: reported where it is used.
    assert find(result.errors, "unsupported_element", "nhan_tin_hieu").line == line_of(text, "<bpmn:eventDefinitionRef>")
    assert find(result.errors, "unsupported_element", "chay_ma").message.startswith("Không hỗ trợ tác vụ kịch bản")
    # a service task is an external task: refused here only because it names no topic for a worker
    no_topic = find(result.errors, "external_task_without_topic", "goi_api")
    assert no_topic.line == line_of(text, 'id="goi_api"') and "camunda:topic" in no_topic.message_en
    assert not result.publishable


def test_unsupported_elements_in_documentation_are_warnings() -> None:
    result, _ = load("rule-unsupported-documentation.bpmn")
    assert result.ok and not result.publishable and not result.is_executable
    assert {i.element_id for i in result.warnings if i.code == "unsupported_element"} == set(UNSUPPORTED)
    assert {i.element_id for i in result.warnings if i.code == "external_task_without_topic"} == {"goi_api"}


def test_timers_empty_and_not_iso8601() -> None:
    result, text = load("rule-timers.bpmn")
    assert find(result.errors, "timer_empty", "cho_rong").line == line_of(text, 'id="td_rong"')
    assert find(result.errors, "timer_empty", "cho_text_rong").line == line_of(text, 'id="cho_text_rong"')
    assert find(result.errors, "timer_invalid", "cho_python").line == line_of(text, "timedelta(minutes=1)")
    assert find(result.errors, "timer_invalid", "cho_cron").line == line_of(text, "0 0 9-17")
    flagged = {i.element_id for i in result.errors}
    assert flagged == {"cho_rong", "cho_text_rong", "cho_python", "cho_cron"}  # PT5M, quoted date, R2/… pass


def test_conditions_empty_too_long_and_rejected_by_the_safe_evaluator() -> None:
    result, text = load("rule-conditions.bpmn")
    assert find(result.errors, "condition_empty", "f_empty").line == line_of(text, 'id="f_empty"') + 1
    assert find(result.errors, "condition_too_long", "f_long").line == line_of(text, 'id="f_long"') + 1
    pytest.importorskip("app.engine.evaluator")
    assert find(result.errors, "condition_invalid", "f_bad").line == line_of(text, "__import__")
    assert {i.element_id for i in result.errors} == {"f_empty", "f_long", "f_bad"}  # f_ok, f_juel accepted


def test_boundary_event_without_or_with_wrong_attachment() -> None:
    result, text = load("rule-boundary.bpmn")
    assert find(result.errors, "boundary_not_attached", "bien_lac").line == line_of(text, 'id="bien_lac"')
    assert find(result.errors, "boundary_not_attached", "bien_sai").line == line_of(text, 'id="bien_sai"')


def test_process_choice_default_explicit_and_unknown() -> None:
    raw = (DATA / "rule-multiple-processes.bpmn").read_bytes()
    default = validate_bpmn(raw)
    assert default.process_id == "p_chinh"  # p_con is called by p_chinh, so p_chinh is the main one
    assert default.process_name == "Quy trình chính"
    assert default.process_ids == ["p_con", "p_chinh", "p_tai_lieu"]
    assert default.called_processes == ["p_con", "stp_cap_phieu"]
    assert default.ok and default.publishable
    chosen = validate_bpmn(raw, process_id="p_con")
    assert chosen.process_id == "p_con" and [s.id for s in chosen.steps] == ["c_task"]
    documentation = validate_bpmn(raw, process_id="p_tai_lieu")
    assert documentation.ok and not documentation.publishable and not documentation.is_executable
    unknown = validate_bpmn(raw, process_id="khong_co")
    assert find(unknown.errors, "unknown_process", "khong_co")
    assert unknown.process_id is None and not unknown.publishable


def test_data_store_and_data_objects_never_block() -> None:
    result, _ = load("datastore.bpmn")
    assert result.ok and result.publishable, result.errors
    assert result.warnings == []


def test_well_formed_xml_that_is_not_bpmn() -> None:
    result, _ = load("not-bpmn.xml")
    issue = find(result.errors, "not_bpmn", None)
    assert issue.line == 2 and "project" in issue.message


def test_xsd_value_error_inside_executable_process_is_an_error() -> None:
    raw = (DATA / "conventions.bpmn").read_bytes().replace(b'cancelActivity="false"', b'cancelActivity="maybe"')
    result = validate_bpmn(raw)
    issue = find(result.errors, "xsd_invalid_value", "escalate")
    assert issue.line == line_of(raw.decode(), 'cancelActivity="maybe"')


def test_xsd_quirk_is_only_a_warning() -> None:
    raw = (DATA / "datastore.bpmn").read_bytes().replace(b' targetNamespace="http://motcua.example/bpmn"', b"")
    result = validate_bpmn(raw)
    assert result.ok and result.publishable
    assert [i.code for i in result.warnings] == ["xsd_invalid"]
    assert "targetNamespace" in result.warnings[0].message_en and result.warnings[0].line == 2


def test_result_is_json_friendly() -> None:
    import json

    result, _ = load("rule-total-mismatch.bpmn")
    data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    assert data["warnings"][0]["code"] == "total_mismatch"
    assert data["declared_total"] == "PT76H" and data["computed_total"] == "PT84H"
    assert "normalized_xml" not in data
    assert result.to_dict(include_xml=True)["normalized_xml"].startswith('<?xml version="1.0" encoding="UTF-8"?>')


def test_xsd_schema_is_reused_and_thread_safe() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from app.definitions.xsd import get_schema

    assert get_schema() is get_schema()
    broken = (DATA / "datastore.bpmn").read_bytes().replace(b' targetNamespace="http://motcua.example/bpmn"', b"")
    clean = (DATA / "conventions.bpmn").read_bytes()
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(validate_bpmn, [broken, clean] * 20))
    assert all(len(r.warnings) == 1 for r in results[::2]) and all(not r.warnings for r in results[1::2])
