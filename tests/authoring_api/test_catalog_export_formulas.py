"""The published catalog keeps formula-like text as text, also behind leading spaces (issue #25)."""
from __future__ import annotations

import csv
import io
import zipfile

import openpyxl

from .conftest import FROM_STEPS, SHIPPED, case_payload

EXPORT = "/api/v1/procedures/export"
CASE = "CB-2028-2025-luutru-caplai"
#: Intake trims a procedure's name; a decision number is kept as typed, leading spaces and all.
NAME = "=HYPERLINK(\"http://x\",\"Thủ tục\")"
DECISION = "  =1+1"


def _publish_hostile(client, designer, admin, cases) -> None:
    payload = case_payload(cases[CASE])
    payload["meta"]["name"] = NAME
    draft = client.post(FROM_STEPS, json=payload, headers=designer).get_json()
    key = draft["key"]
    client.post(f"/api/v1/process-definitions/{key}/versions/1/submit", headers=designer)
    units = SHIPPED[CASE]["units"]
    response = client.post(f"/api/v1/process-definitions/{key}/versions/1/publish", headers=admin, json={
        "decision_number": DECISION, "decision_date": "2026-03-02",
        "lane_bindings": {lane["lane_id"]: units[lane["name"]] for lane in draft["unbound_lanes"]}})
    assert response.status_code == 200, response.get_json()


def test_csv_cells_with_a_formula_behind_spaces_get_an_apostrophe(client, cases, designer, admin):
    _publish_hostile(client, designer, admin, cases)
    response = client.get(f"{EXPORT}?format=csv&agency=CB", headers=designer)
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    hostile = [r for r in rows if "HYPERLINK" in r[3]]
    assert hostile
    assert {r[3] for r in hostile} == {"'" + NAME}
    assert {r[11] for r in hostile} == {"'" + DECISION}
    # nothing else is touched: the other cells of those rows carry no apostrophe
    assert not any(cell.startswith("'") for r in hostile for i, cell in enumerate(r) if i not in (3, 11))


def test_xlsx_cells_with_a_formula_behind_spaces_are_text(client, cases, designer, admin):
    _publish_hostile(client, designer, admin, cases)
    response = client.get(f"{EXPORT}?format=xlsx&agency=CB", headers=designer)
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = [row for row in sheet.iter_rows(min_row=3) if row[3].value == NAME]
    assert rows
    for row in rows:
        name, decision = row[3], row[11]
        assert (name.value, name.data_type, name.quotePrefix) == (NAME, "s", True)  # no visible apostrophe
        assert (decision.value, decision.data_type, decision.quotePrefix) == (DECISION, "s", True)
        assert not any(c.quotePrefix for i, c in enumerate(row) if i not in (3, 11))
