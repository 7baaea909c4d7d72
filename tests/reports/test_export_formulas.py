"""Report exports keep formula-like text as text: an apostrophe in CSV, typed (and quote-prefixed) text in XLSX."""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from app.reports.export import csv_chunks, xlsx_file

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
HOSTILE = [" =1+1", "\t=HYPERLINK(\"http://x\")", "\n=1+1", "\r\n+cmd|' /C calc'!A0", "  @SUM(A1)",
           "\u00a0-1+1", "\u3000=1", "\u200b=1", "＝1+1", " ＠SUM(A1)", "=1+1", "\tplain"]
PLAIN = ["Văn phòng Sở Nội vụ", " Bộ phận một cửa", "a=1", "x"]


def _rows():
    return [[text, 3, 0.25, datetime(2026, 3, 9, 1, 0, tzinfo=UTC)] for text in HOSTILE + PLAIN] + [["-", -2, None, None]]


def test_csv_prefixes_every_formula_like_cell():
    data = b"".join(csv_chunks(["Tên", "Số", "Tỷ lệ", "Hạn"], _rows(), tz=TZ)).decode("utf-8")
    rows = list(csv.reader(io.StringIO(data.removeprefix("\ufeff"), newline="")))
    assert [r[0] for r in rows[1:]] == ["'" + t for t in HOSTILE] + PLAIN + ["'-"]
    assert rows[1][1:] == ["3", "0.25", "09/03/2026 08:00"]
    assert rows[-1][1:] == ["-2", "", ""]  # a number stays a number


@pytest.mark.parametrize("max_rows", [1_000_000, 5])  # one sheet, and text spread over several sheets
def test_xlsx_writes_formula_like_text_as_text(max_rows):
    handle = xlsx_file(["=Tên", "Số", "Tỷ lệ", "Hạn"], _rows(), title=" =Báo cáo", tz=TZ, max_rows=max_rows)
    data = handle.read()
    handle.close()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert all(b"<f>" not in archive.read(n) and b"<f " not in archive.read(n) for n in sheets)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    cells = [row[0] for sheet in workbook.worksheets for row in sheet.iter_rows(min_row=3)]
    assert [c.value for c in cells] == HOSTILE + PLAIN + ["-"]
    assert {c.data_type for c in cells} == {"s"}
    assert [c.quotePrefix for c in cells] == [True] * len(HOSTILE) + [False] * len(PLAIN) + [True]
    for sheet in workbook.worksheets:
        title, heading = sheet["A1"], sheet["A2"]
        assert (title.value, title.data_type, title.quotePrefix) == (" =Báo cáo", "s", True)
        assert (heading.value, heading.data_type, heading.quotePrefix) == ("=Tên", "s", True)
