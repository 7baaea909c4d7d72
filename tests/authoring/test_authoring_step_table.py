"""Validation of a decision's step table: every problem by row and column, totals compared as warnings."""
from __future__ import annotations

import json

import pytest

from app.authoring.step_table import (
    ProcedureMeta,
    StepRow,
    StepTableError,
    meta_from_case,
    parse_decision_ref,
    rows_from_case,
    step_limits,
    validate_table,
)

META = ProcedureMeta(key="thu_tuc_mau", name="Thủ tục mẫu", unit="day", declared_total=2)


def _rows(*times, **changes):
    rows = [StepRow(label=i, responsible=f"Đơn vị {i}", content=f"Bước {i}", time=t)
            for i, t in enumerate(times, start=1)]
    for index, fields in changes.items():
        position = int(index.removeprefix("r")) - 1
        rows[position] = StepRow(**{**rows[position].__dict__, **fields})
    return rows


def _codes(issues):
    return [(i.row, i.column, i.code, i.severity) for i in issues]


def test_a_clean_table_has_no_issue():
    assert validate_table(META, _rows(0.5, "1/2 ngày", "01 ngày", None)) == []


def test_empty_table():
    assert _codes(validate_table(META, [])) == [(None, None, "empty_table", "error")]


def test_duplicate_step_labels_empty_unit_and_unreadable_time_are_reported_by_row_and_column():
    rows = _rows(0.5, "abc", 1, r3={"label": 1, "responsible": "  "})
    issues = validate_table(META, rows)
    assert _codes(issues) == [
        (2, "time", "bad_time", "error"),
        (3, "step", "duplicate_step", "error"),
        (3, "responsible", "empty_responsible", "error"),
    ]
    assert "abc" in issues[0].message and issues[0].message_en.endswith("not an amount of working days or hours.")
    with pytest.raises(StepTableError) as caught:
        step_limits(META, rows)
    assert len(caught.value.issues) == 3


@pytest.mark.parametrize(("return_to", "code"), [("9", "unknown_return_to"), ("3", "return_to_not_earlier"),
                                                 ("2", "return_to_not_earlier")])
def test_return_to_must_name_an_earlier_step(return_to, code):
    issues = validate_table(META, _rows(0.5, 0.5, 1, r2={"return_to": return_to}))
    assert _codes(issues) == [(2, "return_to", code, "error")]


def test_return_to_an_earlier_step_is_fine():
    assert validate_table(META, _rows(0.5, 0.5, 1, r3={"return_to": 1})) == []


def test_a_total_that_differs_from_the_steps_is_a_warning():
    issues = validate_table(META, _rows(0.5, 1))
    assert _codes(issues) == [(None, "declared_total", "total_mismatch", "warning")]
    assert "1.5" in issues[0].message and "2" in issues[0].message_en
    assert len(step_limits(META, _rows(0.5, 1))) == 2  # warnings never block


def test_bad_key_kind_and_total_are_errors():
    meta = ProcedureMeta(key="Thu-tuc", name="", kind="other", unit="day", declared_total="mười ngày")
    assert [i.code for i in validate_table(meta, _rows(1))] == ["bad_key", "empty_name", "bad_kind", "bad_total"]


def test_phase_totals_are_compared_per_phase():
    meta = ProcedureMeta(key="lien_thong", name="Liên thông", unit="day", declared_total=3,
                         phase_totals={"cap_xa": 1, "cap_tinh": 2})
    rows = _rows(1, 1, 1, r1={"phase": "cap_xa"}, r2={"phase": "cap_xa"}, r3={"phase": "cap_tinh"})
    assert _codes(validate_table(meta, rows)) == [
        (None, "phase_totals.cap_xa", "total_mismatch", "warning"),
        (None, "phase_totals.cap_tinh", "total_mismatch", "warning"),
    ]
    rows[2] = StepRow(**{**rows[2].__dict__, "phase": "cap_huyen"})
    assert (3, "phase", "unknown_phase", "error") in _codes(validate_table(meta, rows))


def test_decision_reference():
    assert parse_decision_ref("3857/QĐ-UBND ngày 26/11/2025") == ("3857/QĐ-UBND", "2025-11-26")
    assert parse_decision_ref("2028/QĐ-UBND ngày 28/11/2025 (Phụ lục II)") == ("2028/QĐ-UBND", "2025-11-28")
    with pytest.raises(ValueError):
        parse_decision_ref("không rõ")


def _cases(shared_dir):
    return {c["id"]: c for c in json.loads((shared_dir / "procedures" / "cases.json").read_text("utf-8"))["cases"]}


def test_the_real_cases_validate_and_only_giaithe_warns(shared_dir):
    for case_id, case in _cases(shared_dir).items():
        meta = meta_from_case(case, key="k")
        issues = validate_table(meta, rows_from_case(case))
        if case_id == "CB-2028-2025-TNXP-giaithe":
            assert _codes(issues) == [(None, "declared_total", "total_mismatch", "warning")]
            assert "9.5" in issues[0].message and "10.5" in issues[0].message
            assert "9.5" in issues[0].message_en and "10.5" in issues[0].message_en
        else:
            assert issues == [], case_id


def test_case_metadata_is_read_from_the_decision(shared_dir):
    meta = meta_from_case(_cases(shared_dir)["NA-3857-2025"], key="na")
    assert (meta.code, meta.name, meta.unit, meta.declared_total) == (
        "1.012994", "Khấu trừ kinh phí bồi thường, hỗ trợ, tái định cư", "hour", 168)
    assert (meta.decision_number, meta.decision_date, meta.case_id) == ("3857/QĐ-UBND", "2025-11-26", "NA-3857-2025")
