"""Form 07 — the tracking book (Sổ theo dõi hồ sơ): every column from real dossiers driven over the API.

Times are Hanoi time; the clock starts on Monday 02/03/2026 08:00. NA-3857 counts 168 working hours (21 days).

| dossier | received | what happens | column 13 when printed (Thu 02/04 10:00) |
|---|---|---|---|
| A NA | Mon 02/03 08:00 | steps 1–7 every 30 min: step 1 done 08:30, step 6 done 11:00, step 7 11:30 | "" (early) |
| B NA | Mon 02/03 13:30 | step 1 done 14:00; extended at 14:30 to Fri 03/04 17:00 | Gia hạn đến 17:00 03/04/2026 |
| C NA | Mon 02/03 14:45 | withdrawn at 15:00 (applicant text that looks like a formula and like markup) | Đã rút: … |
| F CB | Mon 02/03 15:00 | received by Cao Bằng's desk, never moved (24 h: overdue) | Đang giải quyết; quá hạn |
| D NA | Tue 03/03 08:00 | step 1 done 08:30; paused for a supplement at 09:00 | Tạm dừng chờ bổ sung |
| E NA | Tue 03/03 09:30 | step 1 done 10:00; steps 2–6 on Thu 02/04 08:00, step 7 at 10:00 (due 01/04) | Trễ hạn |
"""
from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from app.reports import tracking_book
from tests.dossiers.flow import APPLICANT, CHAIR, CLERK, FORWARD, Flow
from tests.foundation.test_inline_scripts import inline_script_problems
from tests.reports.history import CB, CB_CLERK

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
BOOK = "/api/v1/reports/tracking-book"
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
AUDITOR = "kiemtra.noibo"
OTHER_AGENCY_LEADER = "cb.snv.giamdoc"
NA_NAME = "Khấu trừ kinh phí bồi thường, hỗ trợ, tái định cư"
NA_AGENCY = "UBND xã Hưng Nguyên"
HOSTILE = {"name": "=HYPERLINK(\"http://x.example\",\"Bấm\")", "organisation": "<script>alert(1)</script>",
           "address": "@Xóm 5", "phone": "0987654321"}


def at(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=HANOI)


def iso(y: int, mo: int, d: int, h: int, mi: int = 0) -> str:
    return at(y, mo, d, h, mi).isoformat()


class Desk(Flow):
    def to(self, moment: datetime) -> None:
        assert moment >= self.clock.now(), moment
        self.clock.advance(moment - self.clock.now())

    def post(self, dossier_id: int, action: str, username: str, body: dict) -> dict:
        r = self.client.post(f"/api/v1/dossiers/{dossier_id}/{action}", json=body, headers=self.h(username))
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def book(self, username: str, expect: int = 200, **params) -> object:
        r = self.client.get(BOOK, query_string={**MARCH, **params}, headers=self.h(username))
        assert r.status_code == expect, r.get_json()
        return r


@pytest.fixture()
def desk(demo, client, clock):
    """The six dossiers of the table above; ``desk.ids`` / ``desk.codes`` by letter; printed Thu 02/04 10:00."""
    d = Desk(client, clock)
    d.ids, d.codes = {}, {}

    def receive(name: str, **body) -> int:
        receipt = d.start(**body)
        d.ids[name], d.codes[name] = receipt["id"], receipt["code"]
        return receipt["id"]

    a = receive("A")
    for spec_id in FORWARD:
        clock.advance(timedelta(minutes=30))
        d.forward(a, spec_id)
    d.to(at(2026, 3, 2, 13, 30))
    b = receive("B")
    d.to(at(2026, 3, 2, 14))
    d.forward(b, "Step_1")
    d.to(at(2026, 3, 2, 14, 30))
    d.post(b, "extension", CHAIR, {"reason": "Chờ ý kiến cơ quan thuế", "new_due_at": iso(2026, 4, 3, 17)})
    d.to(at(2026, 3, 2, 14, 45))
    c = receive("C", applicant=HOSTILE)
    d.to(at(2026, 3, 2, 15))
    d.post(c, "withdraw", CLERK, {"reason": "Công dân xin rút hồ sơ"})
    r = client.post(f"/api/v1/procedures/{CB}/dossiers", json={"applicant": {"name": "Nông Thị Mai"}},
                    headers=d.h(CB_CLERK))
    assert r.status_code == 201, r.get_json()
    d.ids["F"], d.codes["F"] = r.get_json()["id"], r.get_json()["code"]
    d.to(at(2026, 3, 3, 8))
    dd = receive("D")
    d.to(at(2026, 3, 3, 8, 30))
    d.forward(dd, "Step_1")
    d.to(at(2026, 3, 3, 9))
    d.post(dd, "pause", CLERK, {"kind": "supplementation", "reason": "Thiếu bản vẽ"})
    d.to(at(2026, 3, 3, 9, 30))
    e = receive("E")
    d.to(at(2026, 3, 3, 10))
    d.forward(e, "Step_1")
    d.to(at(2026, 4, 2, 8))
    for spec_id in ("Step_2", "Step_3", "Step_4", "Step_5", "Step_6"):
        d.forward(e, spec_id)
    d.to(at(2026, 4, 2, 10))
    d.forward(e, "Step_7")
    return d


def na_row(desk, number: int, name: str, **columns) -> dict:
    applicant = HOSTILE if name == "C" else APPLICANT
    return {"number": number, "code": desk.codes[name], "procedure_code": "1.012994", "procedure_name": NA_NAME,
            "sets": 1, "applicant_name": applicant["name"], "applicant_organisation": applicant.get("organisation"),
            "applicant_address": applicant["address"], "applicant_phone": applicant["phone"],
            "deciding_agency": NA_AGENCY, "appointment_before_extension": None, "handed_over_at": None,
            "result_received_at": None, "returned_at": None, "result": None, "closed_at": None, **columns}


def expected_na_rows(desk) -> list[dict]:
    return [
        na_row(desk, 1, "A", received_at=iso(2026, 3, 2, 8), appointment_at=iso(2026, 3, 31, 8),
               handed_over_at=iso(2026, 3, 2, 8, 30), result_received_at=iso(2026, 3, 2, 11),
               returned_at=iso(2026, 3, 2, 11, 30), note="", status="finished", result="early"),
        na_row(desk, 2, "B", received_at=iso(2026, 3, 2, 13, 30), appointment_at=iso(2026, 4, 3, 17),
               appointment_before_extension=iso(2026, 3, 31, 11, 30), handed_over_at=iso(2026, 3, 2, 14),
               note="Gia hạn đến 17:00 03/04/2026", status="processing"),
        na_row(desk, 3, "C", received_at=iso(2026, 3, 2, 14, 45), appointment_at=iso(2026, 3, 31, 14, 45),
               note="Đã rút: Công dân xin rút hồ sơ", status="withdrawn", closed_at=iso(2026, 3, 2, 15)),
        na_row(desk, 4, "D", received_at=iso(2026, 3, 3, 8), appointment_at=iso(2026, 4, 1, 8),
               handed_over_at=iso(2026, 3, 3, 8, 30), note="Tạm dừng chờ bổ sung", status="paused"),
        na_row(desk, 5, "E", received_at=iso(2026, 3, 3, 9, 30), appointment_at=iso(2026, 4, 1, 9, 30),
               handed_over_at=iso(2026, 3, 3, 10), result_received_at=iso(2026, 4, 2, 8),
               returned_at=iso(2026, 4, 2, 10), note="Trễ hạn", status="finished", result="late"),
    ]


def test_every_column_of_the_json_rows(desk):
    book = desk.book(AUDITOR, agency="NA-HN").get_json()
    assert {k: v for k, v in book.items() if k != "rows"} == {
        "form": "07", "title": "SỔ THEO DÕI HỒ SƠ", "agency": NA_AGENCY, "agency_code": "NA-HN",
        "period": {"from": "2026-03-01", "to": "2026-03-31"}, "printed_at": iso(2026, 4, 2, 10), "total": 5}
    assert book["rows"] == expected_na_rows(desk)

    # the whole service for an auditor, in reception order: Cao Bằng's dossier F between C and D
    rows = desk.book(AUDITOR).get_json()["rows"]
    assert [r["code"] for r in rows] == [desk.codes[n] for n in "ABCFDE"]
    assert [r["number"] for r in rows] == [1, 2, 3, 4, 5, 6]
    f = rows[3]
    assert (f["deciding_agency"], f["procedure_code"], f["received_at"], f["note"], f["handed_over_at"]) == (
        "Sở Nội vụ tỉnh Cao Bằng", "1.013934", iso(2026, 3, 2, 15), "Đang giải quyết; quá hạn", None)

    # the period bounds reception: only Tuesday's dossiers
    tuesday = desk.book(AUDITOR, **{"from": "2026-03-03", "to": "2026-03-03"}).get_json()
    assert [r["code"] for r in tuesday["rows"]] == [desk.codes["D"], desk.codes["E"]]
    assert tuesday["rows"][0]["number"] == 1


def test_the_desk_and_leaders_see_their_agencies_only(desk):
    # the clerk keeps the book: their desk's agency heads it, the dossiers are those the desk received
    clerk = desk.book(CLERK).get_json()
    assert clerk["agency"] == "Trung tâm Phục vụ hành chính công xã Hưng Nguyên"
    assert clerk["rows"] == expected_na_rows(desk)
    assert desk.book(CHAIR, agency="NA-HN").get_json()["rows"] == expected_na_rows(desk)

    # another agency's leader sees none of Nghệ An's dossiers (an empty book, as the other reports answer)
    other = desk.book(OTHER_AGENCY_LEADER, agency="NA-HN").get_json()
    assert (other["total"], other["rows"]) == (0, [])
    assert [r["code"] for r in desk.book(OTHER_AGENCY_LEADER).get_json()["rows"]] == [desk.codes["F"]]
    for fmt in ("xlsx", "html"):
        body = desk.book(OTHER_AGENCY_LEADER, agency="NA-HN", format=fmt).data
        assert not any(desk.codes[n].encode() in body for n in "ABCDE"), fmt
    sheet = openpyxl.load_workbook(io.BytesIO(desk.book(OTHER_AGENCY_LEADER, agency="NA-HN", format="xlsx").data)).active
    assert sheet.max_row == tracking_book.XLSX_FIRST_DATA_ROW - 1

    # officers keep no book
    r = desk.client.get(BOOK, query_string=MARCH, headers=desk.h("na.hn.ktht.chuyenvien"))
    assert (r.status_code, r.mimetype) == (403, "application/problem+json")
    assert desk.client.get(BOOK, query_string=MARCH).status_code == 401


def test_xlsx_has_the_form_headings_and_guarded_rows(desk):
    r = desk.book(AUDITOR, agency="NA-HN", format="xlsx")
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert r.headers["Content-Disposition"] == 'attachment; filename="so-theo-doi-ho-so_2026-03-01_2026-03-31.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(r.data)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert (values[0][0], values[0][7], values[1][7]) == (NA_AGENCY, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                                                         "Độc lập - Tự do - Hạnh phúc")
    assert values[2][0] == "Mẫu số 07 – Thông tư 03/2025/TT-VPCP"
    assert values[3][0] == "SỔ THEO DÕI HỒ SƠ"
    assert values[4][0] == "Từ ngày 01/03/2026 đến ngày 31/03/2026"
    assert values[6] == ["STT", "Mã hồ sơ", "Tên thủ tục hành chính", "Số lượng hồ sơ (đơn vị tính: bộ)",
                         "Tên cá nhân, tổ chức", "Địa chỉ, số điện thoại", "Cơ quan chủ trì giải quyết", "Nhận hồ sơ",
                         "Hẹn trả kết quả", "Chuyển hồ sơ đến cơ quan giải quyết",
                         "Nhận kết quả từ cơ quan giải quyết", "Trả kết quả cho cá nhân, tổ chức", "Ghi chú"]
    assert values[7][7:12] == ["Ngày, giờ"] * 5
    assert values[8] == [f"({i})" for i in range(1, 14)]
    first = tracking_book.XLSX_FIRST_DATA_ROW
    naive = [at(2026, 3, 2, 8), at(2026, 3, 31, 8), at(2026, 3, 2, 8, 30), at(2026, 3, 2, 11), at(2026, 3, 2, 11, 30)]
    assert values[first - 1] == [1, desk.codes["A"], NA_NAME, 1, "Nguyễn Thị Hoa", "Xóm 3, xã Hưng Nguyên, Nghệ An; "
                                 "ĐT: 0912345678", NA_AGENCY, *[t.replace(tzinfo=None) for t in naive], None]
    assert sheet.cell(first, 8).number_format == "hh:mm dd/mm/yyyy"
    assert values[first][12] == "Gia hạn đến 17:00 03/04/2026"
    assert len(values) == first - 1 + 5
    # the withdrawn dossier's applicant text stays text: typed as a string, flagged so an edit keeps it so
    hostile = sheet.cell(first + 2, 5)
    assert hostile.value == f"{HOSTILE['name']}, {HOSTILE['organisation']}"
    assert hostile.data_type == "s" and hostile.quotePrefix
    address = sheet.cell(first + 2, 6)
    assert address.value == "@Xóm 5; ĐT: 0987654321" and address.data_type == "s" and address.quotePrefix
    assert not sheet.cell(first, 5).quotePrefix
    assert sheet.column_dimensions["C"].width == 42 and sheet.column_dimensions["M"].width == 30
    assert "A7:A8" in {str(m) for m in sheet.merged_cells.ranges}
    assert sheet.page_setup.orientation == "landscape"


def test_printable_page(desk):
    r = desk.book(CLERK, format="html")
    assert (r.status_code, r.mimetype) == (200, "text/html")
    html = r.get_data(as_text=True)
    for text in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                 "Mẫu số 07 – Thông tư 03/2025/TT-VPCP", "Sổ theo dõi hồ sơ", "@page { size: A4 landscape",
                 "Từ ngày 01/03/2026 đến ngày 31/03/2026", "Chuyển hồ sơ đến cơ quan giải quyết", "Ngày, giờ",
                 "08:30 02/03/2026", "Gia hạn đến 17:00 03/04/2026", "Tạm dừng chờ bổ sung", "Trễ hạn",
                 "Trung tâm Phục vụ hành chính công xã Hưng Nguyên"):
        assert text in html, text
    for name in "ABCDE":
        assert desk.codes[name] in html
    assert desk.codes["F"] not in html
    # the applicant's markup is printed, never run
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and inline_script_problems(html) == []
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    empty = desk.book(CLERK, format="html", **{"from": "2026-02-01", "to": "2026-02-28"}).get_data(as_text=True)
    assert "Không có hồ sơ tiếp nhận trong kỳ." in empty


def test_bad_input_is_problem_json(desk, app):
    cases = [
        ({"from": "2023-01-01", "to": "2026-03-01"}, 422, "period_too_long"),
        ({"from": "2026-03-20", "to": "2026-03-01"}, 422, "invalid_period"),
        ({"format": "docx"}, 422, "validation_failed"),
        ({"format": "csv"}, 422, "validation_failed"),
        ({"agency_id": "1"}, 422, "validation_failed"),
        ({"agency": "NOPE"}, 404, "not_found"),
    ]
    for params, status, code in cases:
        r = desk.client.get(BOOK, query_string={**MARCH, **params}, headers=desk.h(AUDITOR))
        assert (r.status_code, r.mimetype, r.get_json().get("code")) == (status, "application/problem+json", code), \
            (params, r.get_json())
    app.config["REPORT_MAX_DAYS"] = 30
    r = desk.client.get(BOOK, query_string=MARCH, headers=desk.h(CLERK))
    assert (r.status_code, r.get_json()["code"], r.get_json()["max_days"]) == (422, "period_too_long", 30)
