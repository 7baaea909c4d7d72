"""The yearly review (procedures due for review) and the catalog export an agency publishes."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import openpyxl

from .conftest import FROM_STEPS, SHIPPED, case_payload

REVIEW = "/api/v1/procedures/review-due"
EXPORT = "/api/v1/procedures/export"
THANH_LAP = "Thủ tục thành lập tổ chức thanh niên xung phong cấp tỉnh"
SHIPPED_STEPS = 7 + 7 + 7 + 7 + 14


def _publish(client, designer, admin, payload, *, effective_date=None):
    draft = client.post(FROM_STEPS, json=payload, headers=designer).get_json()
    key = draft["key"]
    client.post(f"/api/v1/process-definitions/{key}/versions/1/submit", headers=designer)
    units = next(extra["units"] for extra in SHIPPED.values() if "tbl_" + extra["key"] == key)
    response = client.post(f"/api/v1/process-definitions/{key}/versions/1/publish", headers=admin, json={
        "decision_number": "15/QĐ-SNV", "decision_date": "2026-03-02", "effective_date": effective_date,
        "lane_bindings": {lane["lane_id"]: units[lane["name"]] for lane in draft["unbound_lanes"]}})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_review_due_after_thirteen_months(client, clock, cases, designer, admin, headers_of):
    _publish(client, designer, admin, case_payload(cases["CB-2028-2025-luutru-caplai"]), effective_date="2026-03-02")
    auditor = headers_of("kiemtra.noibo")
    assert client.get(REVIEW, headers=auditor).get_json() == []  # shipped ones took effect in 11/2025

    clock.set(datetime(2027, 4, 2, 1, 0, tzinfo=UTC))  # 13 months later; tokens follow the app clock
    auditor = headers_of("kiemtra.noibo")
    response = client.get(REVIEW, headers=auditor)
    assert response.status_code == 200, response.get_json()
    due = response.get_json()

    assert len(due) == 6
    ours = next(item for item in due if item["key"] == "tbl_cb_luu_tru_cap_lai_giay_chung_nhan")
    assert ours | {"agency": None} == ours | {
        "last_published": "2026-03-02", "review_months": 12, "review_due_date": "2027-03-02", "days_overdue": 31,
        "months_overdue": 1, "decision_number": "15/QĐ-SNV", "agency": None}
    assert due[-1] is ours  # most overdue first: the shipped ones were due in 11/2026
    assert due[0]["key"] == "na_khau_tru_kinh_phi_boi_thuong" and due[0]["review_due_date"] == "2026-11-26"
    assert due[0]["name"] == "Khấu trừ kinh phí bồi thường, hỗ trợ, tái định cư"

    only_snv = client.get(f"{REVIEW}?agency=CB-SNV", headers=auditor).get_json()
    assert {item["agency"]["code"] for item in only_snv} == {"CB-SNV"} and len(only_snv) == 4
    earlier = client.get(f"{REVIEW}?as_of=2026-12-01", headers=auditor).get_json()
    assert len(earlier) == 5 and ours["key"] not in {item["key"] for item in earlier}


def test_review_period_per_agency_from_config(app, client, headers_of):
    app.config["CATALOG_REVIEW_MONTHS"] = {"CB": 3, "default": 24}  # Cao Bằng reviews quarterly
    due = client.get(REVIEW, headers=headers_of("cb.snv.giamdoc")).get_json()  # 2026-03-02

    assert {item["key"] for item in due} == {v["key"] for k, v in SHIPPED.items() if not k.startswith("NA")}
    assert {item["review_months"] for item in due} == {3}


def test_review_due_is_for_admins_leaders_and_auditors(client, headers_of):
    assert client.get(REVIEW, headers=headers_of("thietke.quytrinh")).status_code == 403
    assert client.get(f"{REVIEW}?agency=NOPE", headers=headers_of("admin")).status_code == 404
    assert client.get(f"{REVIEW}?as_of=tomorrow", headers=headers_of("admin")).status_code == 422


def _evil_procedure(client, designer, admin, cases):
    payload = case_payload(cases["CB-2028-2025-luutru-caplai"])
    payload["meta"]["name"] = "=HYPERLINK(\"http://x\") <script>alert(1)</script>"
    _publish(client, designer, admin, payload)


def test_export_csv_is_utf8_with_bom_one_row_per_step(client, cases, designer, admin):
    _evil_procedure(client, designer, admin, cases)
    response = client.get(f"{EXPORT}?format=csv", headers=designer)

    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["STT", "Mã quy trình", "Mã TTHC", "Tên thủ tục hành chính"]
    assert len(rows) == 1 + SHIPPED_STEPS + 7
    thanh_lap = [r for r in rows if r[3] == THANH_LAP]
    assert [r[8] for r in thanh_lap] == ["0.5", "0.5", "4", "1", "0.5", "4", "Không tính thời gian"]
    assert thanh_lap[0][2] == "2.001717" and thanh_lap[0][4] == "Liên thông cùng cấp"
    assert thanh_lap[0][5] == "Sở Nội vụ tỉnh Cao Bằng" and thanh_lap[0][7].startswith("Bộ phận tiếp nhận")
    assert thanh_lap[0][9:13] == ["10.5", "10.5", "2028/QĐ-UBND", "28/11/2025"]
    assert {r[3] for r in rows if "HYPERLINK" in r[3]} == {"'=HYPERLINK(\"http://x\") <script>alert(1)</script>"}

    only_na = client.get(f"{EXPORT}?format=csv&agency=NA-HN", headers=designer).data.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(only_na)))) == 1 + 7 and "Khấu trừ kinh phí" in only_na


def test_export_xlsx_keeps_vietnamese_and_numbers(client, cases, designer, admin):
    _evil_procedure(client, designer, admin, cases)
    response = client.get(f"{EXPORT}?format=xlsx&agency=CB", headers=designer)

    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet.title == "Danh mục"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("Danh mục quy trình nội bộ") and "UBND tỉnh Cao Bằng" in rows[0][0]
    assert rows[1][3] == "Tên thủ tục hành chính"
    assert len(rows) == 2 + SHIPPED_STEPS - 7 + 7
    thanh_lap = [r for r in rows if r[3] == THANH_LAP]
    assert [r[8] for r in thanh_lap] == [0.5, 0.5, 4, 1, 0.5, 4, "Không tính thời gian"]
    evil = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert evil and {c.data_type for c in evil} == {"s"}  # text, never a formula


def test_export_html_is_printable_utf8_and_escaped(client, cases, designer, admin):
    _evil_procedure(client, designer, admin, cases)
    response = client.get(f"{EXPORT}?format=html&agency=CB-SNV", headers=designer)

    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.mimetype_params["charset"] == "utf-8"
    html = response.data.decode("utf-8")
    assert "Danh mục quy trình nội bộ giải quyết thủ tục hành chính" in html and "Sở Nội vụ tỉnh Cao Bằng" in html
    assert THANH_LAP in html and "0,5 ngày" in html and "Không tính thời gian" in html
    assert "@media print" in html and '<meta charset="utf-8">' in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "(các bước cộng lại 9,5 ngày)" in html  # the dissolution's mismatch is shown, not hidden
    assert "Khấu trừ kinh phí" not in html


def test_export_refuses_unknown_formats_and_agencies(client, designer):
    assert client.get(f"{EXPORT}?format=pdf", headers=designer).status_code == 422
    assert client.get(f"{EXPORT}?agency=NOPE", headers=designer).status_code == 404
    assert client.get(EXPORT).status_code == 401
