"""Every figure of every report against the known history of ``history.py``, computed by hand below.

Working hours (sessions 07:00–11:30, 13:30–17:00):
- D1 step 3: Mon 02/03 08:00 → Tue 10/03 10:00 = 7 + 4×8 + 8 + 3 = 50 h; D5 step 3: Mon 09/03 08:00 →
  Thu 12/03 07:30 = 7 + 8 + 8 + 0.5 = 23.5 h; D6 step 3: → Fri 13/03 09:00 = 7 + 3×8 + 2 = 33 h; D4: 0 h.
  Sorted 0, 23.5, 33, 50: median 28.25; p90 at rank 2.7 = 33 + 0.7 × 17 = 44.9; limit 8 h.
- Late now (Mon 23/03 10:00): D2 step 3 due Wed 04/03 09:00 → 6 + 16 + 40 + 40 + 3 = 105 h; D9 step 3 due
  Tue 10/03 08:00 → 7 + 24 + 40 + 3 = 74 h; D8 step 2 and D10 step 1 due Wed 18/03 14:00 → 3 + 16 + 3 = 22 h;
  dossiers D2 due Fri 06/03 09:00 → 6 + 80 + 3 = 89 h; D9 due Thu 12/03 08:00 → 7 + 8 + 40 + 3 = 58 h;
  D8 due Mon 23/03 08:00 → 2 h. D11 is paused: its clock is stopped, so it is never late.
- Step results ("session" rule: on time inside the half-day session holding the deadline, early before it):
  step 1 (2 h) done at once at 08:00 is due 10:00, same session → on time; step 2 (4 h) due 14:00 → early;
  steps 4/5 (4 h) done at once are early, except D5's at 07:30 due 11:30 → on time; step 6 (2 h) is on time
  except D1's at 10:00 due 14:00 → early; step 3 is early for D4 and late for D1, D5, D6.
"""
from __future__ import annotations

import csv
import io
import re

import openpyxl

from tests.reports.conftest import PERIOD
from tests.reports.history import CB, NA


def fig(received, online, direct, carried, resolved, early, on_time, late, progress, within, overdue, paused,
        withdrawn, rate, stopped=0, refused=None) -> dict:
    """Figures of a row; ``refused`` (dossiers refused at reception) only where dossiers are counted."""
    found = {"received": {"total": received, "online": online, "direct_or_postal": direct, "carried_over": carried},
             "resolved": {"total": resolved, "early": early, "on_time": on_time, "late": late},
             "in_progress": {"total": progress, "within_deadline": within, "overdue": overdue},
             "paused": paused, "withdrawn": withdrawn, "stopped": stopped, "on_time_rate": rate}
    return found if refused is None else {**found, "refused": refused}


def total_of(body: dict) -> dict:
    """The whole filter's figures, less ``transferred`` (none here: tests/documents/test_transfer.py counts them)."""
    total = dict(body["total"])
    assert total.pop("transferred") == 0
    return total


#: Dossiers in the period: received D4 D5 D6 D7 D8 D9 D10 D11 (online D8, D10); carried over D1, D2;
#: resolved D1 late, D4 early, D5 on time, D6 late; open at the end D2, D9 (overdue), D8, D10 (within),
#: D11 (paused); withdrawn D7.
TOTAL = fig(8, 2, 6, 2, 4, 1, 1, 2, 5, 2, 2, 1, 1, 0.5, refused=0)
CB_ROW = fig(7, 1, 6, 2, 4, 1, 1, 2, 4, 1, 2, 1, 1, 0.5, refused=0)
NA_ROW = fig(1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, None, refused=0)

#: Passages (steps) through each unit in the period; the rate leaves out step 7 (time not counted).
UNITS = {
    # step 5: D1 D4 D6 early, D5 on time
    "CB-SNV-LD": fig(4, 0, 4, 0, 4, 3, 1, 0, 0, 0, 0, 0, 0, 1.0),
    # step 3: carried D1 (late) and D2 (open, overdue); received D4 early, D5 D6 late, D9 open overdue
    "CB-SNV-VP": fig(4, 0, 4, 2, 4, 1, 0, 3, 2, 0, 2, 0, 0, 0.25),
    # step 2: D4 D5 D6 D9 early, D8 open (due 18/03 14:00: overdue at the end); step 4: D1 D4 D6 early, D5 on time
    "CB-SNV-VP-LD": fig(9, 1, 8, 0, 8, 7, 1, 0, 1, 0, 1, 0, 0, 1.0),
    # step 6: D1 early, D4 D5 D6 on time
    "CB-SNV-VT": fig(4, 0, 4, 0, 4, 1, 3, 0, 0, 0, 0, 0, 0, 1.0),
    # step 1: D4 D5 D6 D8 D9 on time, D7 withdrawn, D11 paused; step 7: D1 D4 D5 D6 (not counted)
    "CB-TTPVHCC-SNV": fig(11, 1, 10, 0, 9, 0, 5, 0, 1, 0, 0, 1, 1, 1.0),
    # NA step 1 of D10 (online), due 18/03 14:00, open
    "NA-HN-TTPVHCC-MC": fig(1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, None),
}
OFFICERS = {
    "cb.snv.giamdoc": UNITS["CB-SNV-LD"],
    "cb.snv.vanthu": UNITS["CB-SNV-VT"],
    # UNITS["CB-SNV-VP-LD"] without D8's open, unassigned step 2
    "cb.snv.vp.chanhvanphong": fig(8, 0, 8, 0, 8, 7, 1, 0, 0, 0, 0, 0, 0, 1.0),
    # step 3 of D1 (carried, late), D2 (carried, claimed, overdue), D4 D5 D6; D9's is unassigned
    "cb.snv.vp.chuyenvien": fig(3, 0, 3, 2, 4, 1, 0, 3, 1, 0, 1, 0, 0, 0.25),
    "cb.ttpvhcc.snv": fig(9, 1, 8, 0, 9, 0, 5, 0, 0, 0, 0, 0, 0, 1.0),
    # unassigned: D7 step 1 (withdrawn), D8 step 2, D9 step 3, D10 step 1 (overdue), D11 step 1 (paused)
    None: fig(5, 2, 3, 0, 0, 0, 0, 0, 4, 0, 3, 1, 1, None),
}


def get(client, headers, path, **params):
    query = params if path == "overdue" else {**PERIOD, **params}
    r = client.get(f"/api/v1/reports/{path}", query_string=query, headers=headers)
    assert r.status_code == 200, r.get_json()
    return r


def strip(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in ("key", "label")}


def test_summary_every_grouping(history, auditor, client):
    body = get(client, auditor, "summary").get_json()
    assert body["period"] == {"from": "2026-03-09", "to": "2026-03-20", "as_of": "2026-03-21T00:00:00+07:00"}
    assert body["rows"] == [] and total_of(body) == TOTAL

    body = get(client, auditor, "summary", group_by="procedure").get_json()
    assert [(r["key"], r["label"]) for r in body["rows"]] == [
        (CB, "Cấp lại giấy chứng nhận đủ điều kiện kinh doanh dịch vụ lưu trữ"),
        (NA, "Khấu trừ kinh phí bồi thường, hỗ trợ, tái định cư")]
    assert [strip(r) for r in body["rows"]] == [CB_ROW, NA_ROW]
    assert total_of(body) == TOTAL and body["counts"] == "dossiers"

    body = get(client, auditor, "summary", group_by="unit").get_json()
    assert body["counts"] == "steps"
    assert {r["key"]: strip(r) for r in body["rows"]} == UNITS
    assert [r["key"] for r in body["rows"]] == sorted(UNITS)
    assert total_of(body) == TOTAL

    body = get(client, auditor, "summary", group_by="officer").get_json()
    assert {r["key"]: strip(r) for r in body["rows"]} == OFFICERS
    assert body["rows"][-1]["label"] == "Chưa phân công"

    # by month over February and March: everything of March counts, nothing is carried into March
    body = get(client, auditor, "summary", group_by="month", **{"from": "2026-02-01"}).get_json()
    march = fig(11, 2, 9, 0, 5, 2, 1, 2, 5, 2, 2, 1, 1, 0.6, refused=0)  # + D1 D2 D3 received; D3 resolved early
    assert [(r["key"], strip(r)) for r in body["rows"]] == [
        ("2026-02", fig(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, None, refused=0)), ("2026-03", march)]
    assert total_of(body) == march


def test_filters_and_leader_scope(history, auditor, client):
    assert total_of(get(client, auditor, "summary", procedure=NA).get_json()) == NA_ROW
    assert total_of(get(client, auditor, "summary", agency="NA").get_json()) == NA_ROW  # a province and below
    assert total_of(get(client, auditor, "summary", agency="CB-SNV").get_json()) == CB_ROW
    # dossiers with a step at the unit: D1 D2 D4 D5 D6 D9 (step 3)
    assert total_of(get(client, auditor, "summary", unit="CB-SNV-VP").get_json()) == fig(
        4, 0, 4, 2, 4, 1, 1, 2, 2, 0, 2, 0, 0, 0.5, refused=0)
    rows = get(client, auditor, "summary", group_by="unit", unit="CB-SNV-VP").get_json()["rows"]
    assert [(r["key"], strip(r)) for r in rows] == [("CB-SNV-VP", UNITS["CB-SNV-VP"])]

    # a leader sees their agencies only: Cao Bằng's Department of Home Affairs, or the commune of Nghệ An
    cb_leader, na_leader = history.h("cb.snv.vp.chanhvanphong"), history.h("na.hn.chutich")
    assert total_of(get(client, cb_leader, "summary").get_json()) == CB_ROW
    assert total_of(get(client, na_leader, "summary").get_json()) == NA_ROW
    assert {r["key"] for r in get(client, na_leader, "summary", group_by="unit").get_json()["rows"]} == {
        "NA-HN-TTPVHCC-MC"}
    assert get(client, na_leader, "overdue").get_json()["dossiers"] == []
    assert [s["dossier"] for s in get(client, na_leader, "overdue").get_json()["steps"]] == [history.codes["D10"]]
    assert get(client, na_leader, "officers").get_json()["officers"] == []
    assert get(client, na_leader, "steps", procedure=CB).get_json()["steps"] == []
    # officers and clerks get no report
    r = client.get("/api/v1/reports/summary", headers=history.h("cb.snv.vp.chuyenvien"))
    assert r.status_code == 403 and r.mimetype == "application/problem+json"


STEP_NAMES = {"1": "1. Tiếp nhận, scan, phiếu hẹn, chuyển hồ sơ (quy tắc 15 giờ)",
              "2": "2. Phân công chuyên viên thụ lý hồ sơ", "3": "3. Thẩm định, thụ lý hồ sơ",
              "4": "4. Xem xét, cho ý kiến với dự thảo kết quả thẩm định, trình lãnh đạo Sở",
              "5": "5. Phê duyệt kết quả thẩm định", "6": "6. Vào sổ văn bản, đóng dấu, chuyển kết quả đến TTPVHCC",
              "7": "7. Trả kết quả cho cá nhân, tổ chức"}


def step(n, count, limit, median, p90, early, on_time, late, late_rate, late_dossiers=0) -> dict:
    return {"procedure": CB, "step": n, "spec_id": f"Step_{n}", "name": STEP_NAMES[n], "count": count,
            "limit_hours": limit, "median_hours": median, "p90_hours": p90,
            "median_of_limit": None if limit is None else round(median / limit, 4),
            "p90_of_limit": None if limit is None else round(p90 / limit, 4),
            "early": early, "on_time": on_time, "late": late, "late_rate": late_rate, "late_dossiers": late_dossiers}


def test_steps_report(history, auditor, client):
    body = get(client, auditor, "steps", procedure=CB).get_json()
    assert body["steps"] == [
        step("1", 5, 2.0, 0.0, 0.0, 0, 5, 0, 0.0),  # D4 D5 D6 D8 D9
        step("2", 4, 4.0, 0.0, 0.0, 4, 0, 0, 0.0),  # D4 D5 D6 D9
        # D1 and D6 finished late, and step 3 was late in both; D5 finished on time despite it
        step("3", 4, 8.0, 28.25, 44.9, 1, 0, 3, 0.75, late_dossiers=2),
        step("4", 4, 4.0, 0.0, 0.0, 3, 1, 0, 0.0),
        step("5", 4, 4.0, 0.0, 0.0, 3, 1, 0, 0.0),
        step("6", 4, 2.0, 0.0, 0.0, 1, 3, 0, 0.0),
        step("7", 4, None, 0.0, 0.0, 0, 0, 0, None),
    ]
    assert body["steps"][2]["median_of_limit"] == 3.5312 and body["steps"][2]["p90_of_limit"] == 5.6125
    assert body["bottlenecks"] == [{"procedure": CB, "step": "3", "spec_id": "Step_3", "name": STEP_NAMES["3"],
                                    "late_dossiers": 2}]
    # all procedures: NA has no completed step in the period
    assert get(client, auditor, "steps").get_json()["steps"] == body["steps"]


def officer(username, name, handled, early, on_time, late, rate, used, limit, ratio, open_, overdue) -> dict:
    return {"officer": username, "full_name": name, "handled": handled, "early": early, "on_time": on_time,
            "late": late, "on_time_rate": rate, "working_hours": used, "limit_hours": limit, "used_of_limit": ratio,
            "open_tasks": open_, "open_overdue": overdue}


def test_officers_report(history, auditor, client):
    body = get(client, auditor, "officers").get_json()
    assert body["as_of"] == "2026-03-23T10:00:00+07:00"
    assert body["officers"] == [
        officer("cb.snv.giamdoc", "Nông Văn Quân", 4, 3, 1, 0, 1.0, 0.0, 16.0, 0.0, 0, 0),
        officer("cb.snv.vanthu", "Lục Thị Dung", 4, 1, 3, 0, 1.0, 0.0, 8.0, 0.0, 0, 0),
        officer("cb.snv.vp.chanhvanphong", "Bế Thị Hương", 8, 7, 1, 0, 1.0, 0.0, 32.0, 0.0, 0, 0),
        # 50 + 0 + 23.5 + 33 = 106.5 h against 4 × 8 h; D2's step 3 is claimed and overdue now
        officer("cb.snv.vp.chuyenvien", "Đàm Quang Huy", 4, 1, 0, 3, 0.25, 106.5, 32.0, 3.3281, 1, 1),
        # 5 × step 1 (2 h) and 4 × step 7 (not counted)
        officer("cb.ttpvhcc.snv", "Chu Thị Thảo", 9, 0, 5, 0, 1.0, 0.0, 10.0, 0.0, 0, 0),
    ]


def test_overdue_report(history, auditor, client):
    r = client.get("/api/v1/reports/overdue", headers=auditor)
    body = r.get_json()
    c = history.codes
    assert body["as_of"] == "2026-03-23T10:00:00+07:00"
    assert [(s["dossier"], s["step"], s["unit"], s["officer"], s["due_at"], s["late_hours"]) for s in body["steps"]] == [
        (c["D2"], "3", "CB-SNV-VP", "cb.snv.vp.chuyenvien", "2026-03-04T09:00:00+07:00", 105.0),
        (c["D9"], "3", "CB-SNV-VP", None, "2026-03-10T08:00:00+07:00", 74.0),
        (c["D8"], "2", "CB-SNV-VP-LD", None, "2026-03-18T14:00:00+07:00", 22.0),
        (c["D10"], "1", "NA-HN-TTPVHCC-MC", None, "2026-03-18T14:00:00+07:00", 22.0),
    ]
    assert [(d["dossier"], d["due_at"], d["late_hours"]) for d in body["dossiers"]] == [
        (c["D2"], "2026-03-06T09:00:00+07:00", 89.0), (c["D9"], "2026-03-12T08:00:00+07:00", 58.0),
        (c["D8"], "2026-03-23T08:00:00+07:00", 2.0)]
    assert [(u["key"], u["steps"], u["late_hours"], u["max_late_hours"]) for u in body["by_unit"]] == [
        ("CB-SNV-VP", 2, 179.0, 105.0), ("CB-SNV-VP-LD", 1, 22.0, 22.0), ("NA-HN-TTPVHCC-MC", 1, 22.0, 22.0)]
    assert [(o["key"], o["label"], o["steps"], o["late_hours"], o["max_late_hours"]) for o in body["by_officer"]] == [
        ("cb.snv.vp.chuyenvien", "Đàm Quang Huy", 1, 105.0, 105.0), (None, "Chưa phân công", 3, 118.0, 74.0)]


def _csv(response) -> list[list[str]]:
    assert response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx(response) -> list[list]:
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
    rows = [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]
    workbook.close()
    return rows


def test_csv_and_xlsx(history, auditor, client):
    r = get(client, auditor, "summary", group_by="procedure", format="csv")
    assert 'filename="bao-cao-tong-hop_2026-03-09_2026-03-20.csv"' in r.headers["Content-Disposition"]
    rows = _csv(r)
    assert rows[0][:3] == ["Mã", "Thủ tục", "Tiếp nhận - tổng"] and rows[0][-1] == "Tỷ lệ đúng hạn"
    assert rows[1] == [CB, "Cấp lại giấy chứng nhận đủ điều kiện kinh doanh dịch vụ lưu trữ",
                       "7", "1", "6", "2", "4", "1", "1", "2", "4", "1", "2", "1", "1", "0", "0.5"]
    assert rows[2][2:] == ["1", "1", "0", "0", "0", "0", "0", "0", "1", "1", "0", "0", "0", "0", ""]
    assert rows[3] == ["", "Tổng số hồ sơ", "8", "2", "6", "2", "4", "1", "1", "2", "5", "2", "2", "1", "1", "0", "0.5"]

    rows = _xlsx(get(client, auditor, "summary", group_by="unit", format="xlsx"))
    assert rows[0][0] == "Tình hình giải quyết hồ sơ từ 09/03/2026 đến 20/03/2026"
    assert rows[1][:2] == ("Mã", "Đơn vị") or rows[1][:2] == ["Mã", "Đơn vị"]
    assert rows[3][:2] == ["CB-SNV-VP", "Văn phòng Sở Nội vụ"]
    assert rows[3][2:] == [4, 0, 4, 2, 4, 1, 0, 3, 2, 0, 2, 0, 0, 0, 0.25]
    assert rows[-1][1:] == ["Tổng số hồ sơ", 8, 2, 6, 2, 4, 1, 1, 2, 5, 2, 2, 1, 1, 0, 0.5]

    rows = _csv(get(client, auditor, "steps", procedure=CB, format="csv"))
    assert rows[3] == [CB, "3", STEP_NAMES["3"], "4", "8", "28.25", "44.9", "3.5312", "5.6125", "1", "0", "3",
                       "0.75", "2", "x"]
    rows = _xlsx(get(client, auditor, "officers", format="xlsx"))
    assert rows[5] == ["cb.snv.vp.chuyenvien", "Đàm Quang Huy", 4, 1, 0, 3, 0.25, 106.5, 32, 3.3281, 1, 1]
    rows = _csv(client.get("/api/v1/reports/overdue?format=csv", headers=auditor))
    assert rows[1] == ["Bước", history.codes["D2"], CB, "3", STEP_NAMES["3"], "CB-SNV-VP", "cb.snv.vp.chuyenvien",
                       "04/03/2026 09:00", "105"]
    assert rows[-1] == ["Hồ sơ", history.codes["D8"], CB, "", "", "", "", "23/03/2026 08:00", "2"]
    assert len(rows) == 1 + 4 + 3

    # the flat export of every step started in the period (33 of them), streamed
    r = client.get("/api/v1/reports/step-rows", query_string=PERIOD, headers=auditor)
    rows = _csv(r)
    assert rows[0][:4] == ["Mã hồ sơ", "Thủ tục", "Bước", "Tên bước"]
    assert len(rows) == 1 + 4 + 7 + 7 + 7 + 3 + 1 + 2 + 1 + 1  # D1 4-7, D4 D5 D6 all, D9 1-3, D7, D8 1-2, D10, D11
    assert rows[1] == [history.codes["D4"], CB, "1", STEP_NAMES["1"], "CB-TTPVHCC-SNV", "cb.ttpvhcc.snv",
                       "completed", "09/03/2026 08:00", "09/03/2026 10:00", "09/03/2026 08:00", "2", "on_time"]
    rows = _xlsx(client.get("/api/v1/reports/step-rows", query_string={**PERIOD, "format": "xlsx"}, headers=auditor))
    assert len(rows) == 2 + 33 and rows[2][0] == history.codes["D4"]


def test_page_draws_the_known_bars(history, auditor, client):
    r = client.get("/reports", query_string=PERIOD, headers=auditor)
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "Tỷ lệ đúng hạn theo đơn vị" in html
    assert "Cách xác định kết quả" in html  # how early / on time / late is judged, beside the figures (#15.5)
    bars = re.findall(r'<rect class="bar"[^>]*data-label="([^"]*)" data-value="([^"]*)"', html)
    by_unit = dict(bars[:6])
    assert by_unit == {"Lãnh đạo Sở Nội vụ": "1", "Văn phòng Sở Nội vụ": "0.25",
                       "Lãnh đạo Văn phòng Sở Nội vụ": "1", "Văn thư Sở Nội vụ": "1",
                       "Bộ phận tiếp nhận và trả kết quả của Sở Nội vụ tại TTPVHCC tỉnh": "1",
                       "Bộ phận tiếp nhận và trả kết quả": ""}
    assert bars[6:] == [("2026-03", "0.5"), (f"{CB} · 3. {STEP_NAMES['3']}", "2")]
    # a rate of 0.25 is a quarter of the 380-pixel scale
    assert re.search(r'width="95.0"[^>]*data-label="Văn phòng Sở Nội vụ"', html)
    assert "25,0%" in html and "2 hồ sơ trễ" in html


def test_bad_input_is_problem_json(demo, client, auth):
    auth.create("kiemtra", "auditor")
    h = auth.headers("kiemtra")
    cases = [
        ({"from": "2026-03-20", "to": "2026-03-01"}, 422, "invalid_period"),
        ({"from": "1900-01-01", "to": "1900-02-01"}, 422, "invalid_period"),
        ({"from": "2026-01-01", "to": "2099-01-01"}, 422, "invalid_period"),
        ({"from": "2023-01-01", "to": "2026-03-01"}, 422, "period_too_long"),
        ({"group_by": "district"}, 422, "validation_failed"),
        ({"format": "pdf"}, 422, "validation_failed"),
        ({"from": "09/03/2026"}, 422, "validation_failed"),
        ({"colour": "red"}, 422, "validation_failed"),
        ({"agency": "NOPE"}, 404, "not_found"),
        ({"unit": "NOPE"}, 404, "not_found"),
    ]
    for params, status, code in cases:
        r = client.get("/api/v1/reports/summary", query_string=params, headers=h)
        assert (r.status_code, r.mimetype, r.get_json().get("code")) == (status, "application/problem+json", code), \
            (params, r.get_json())
    r = client.get("/api/v1/reports/summary", query_string={"from": "2024-01-01", "to": "2026-01-02"}, headers=h)
    assert r.get_json()["max_days"] == 731 and "733" in r.get_json()["detail"]  # 366 + 365 + 2 days
    assert client.get("/api/v1/reports/summary").status_code == 401
    assert client.get("/api/v1/reports/step-rows?format=json", headers=h).status_code == 422


def test_max_days_is_configurable(demo, client, auth, app):
    app.config["REPORT_MAX_DAYS"] = 31
    auth.create("kiemtra", "auditor")
    r = client.get("/api/v1/reports/officers", query_string={"from": "2026-01-01", "to": "2026-02-01"},
                   headers=auth.headers("kiemtra"))
    assert r.status_code == 422 and r.get_json()["code"] == "period_too_long"
