"""``flask authoring from-steps``: the pure path rebuilds the shipped BPMN byte for byte from a CSV table."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from app.authoring.cli import authoring_group
from app.authoring.step_table import meta_from_case

from .conftest import CASE_IDS, PROJECT_DIR, SHIPPED
from .tables import csv_bytes

SOURCE = PROJECT_DIR / "processes" / "sources" / "cases.json"
CASES = {case["id"]: case for case in json.loads(SOURCE.read_text("utf-8"))["cases"]}
HEADERS = ("Bước", "Trách nhiệm", "Nội dung", "Thời gian", "Giai đoạn", "Cơ quan", "Trả lại bước")


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_cli_rebuilds_the_shipped_bpmn_from_a_csv_table(case_id, tmp_path):
    case, extra = CASES[case_id], SHIPPED[case_id]
    rows = [[s["step"], s["responsible"], s["content"], "Không tính thời gian" if s["time"] is None else s["time"],
             s.get("phase") or "", extra.get("step_agencies", {}).get(str(s["step"]), ""),
             extra.get("return_to", {}).get(str(s["step"]), "")] for s in case["steps"]]
    table = tmp_path / "bang.csv"
    table.write_bytes(csv_bytes(HEADERS, rows))
    meta = meta_from_case(case, key=extra["key"], agency=extra["agency"], kind=extra["kind"])
    out = tmp_path / "bpmn_models" / f"{meta.key}.bpmn"
    args = ["from-steps", str(table), "--key", meta.key, "--name", meta.name, "--code", meta.code,
            "--agency", meta.agency, "--kind", meta.kind, "--unit", meta.unit,
            "--declared-total", str(meta.declared_total), "--decision-number", meta.decision_number,
            "--decision-date", meta.decision_date, "--out", str(out)]
    args += [f"--phase-total={phase}={total}" for phase, total in meta.phase_totals.items()]
    args += [f"--unit-code={text}={code}" for text, code in extra["units"].items()]

    result = CliRunner().invoke(authoring_group, args)

    assert result.exit_code == 0, result.output
    assert out.read_bytes() == (PROJECT_DIR / "bpmn_models" / f"{meta.key}.bpmn").read_bytes()
    assert ("total_mismatch" in result.output) is (case_id == "CB-2028-2025-TNXP-giaithe")


def test_cli_reports_errors_by_row_line_and_column(tmp_path):
    table = tmp_path / "bang.csv"
    table.write_bytes(csv_bytes(("Bước", "Trách nhiệm", "Nội dung", "Thời gian"),
                                [[1, "Lãnh đạo Sở", "Phê duyệt", "hai ngày"], [1, "", "Trả kết quả", "1"]]))

    result = CliRunner().invoke(authoring_group, ["from-steps", str(table), "--key", "thu", "--name", "Thử",
                                                  "--unit", "day"])

    assert result.exit_code == 1
    assert "bad_time (row 1, line 2, column time)" in result.output
    assert "duplicate_step (row 2, line 3, column step)" in result.output
    assert "empty_responsible (row 2, line 3, column responsible)" in result.output


def test_cli_reads_a_json_table_and_writes_to_stdout(tmp_path):
    table = tmp_path / "bang.json"
    table.write_text(json.dumps({"meta": {"key": "thu", "name": "Thủ tục thử", "unit": "hour"},
                                 "steps": [{"Bước": 1, "Trách nhiệm": "Văn thư", "Nội dung": "Vào sổ", "Thời gian": 4}]},
                                ensure_ascii=False), "utf-8")

    result = CliRunner().invoke(authoring_group, ["from-steps", str(table)])

    assert result.exit_code == 0, result.output
    assert 'name="timeLimit" value="PT4H"' in result.output and "Thủ tục thử" in result.output
