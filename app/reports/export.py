"""Reports as CSV (UTF-8 with BOM) and XLSX, streamed so memory stays flat however many rows.

CSV is a generator of encoded chunks (a few hundred rows each); XLSX uses openpyxl's write-only workbook
into a spooled temporary file, a new sheet every :data:`XLSX_MAX_ROWS` rows (Excel's limit is 1,048,576).
Text cells never become formulas (:mod:`app.text.spreadsheet`: apostrophe in CSV, typed text in XLSX).
"""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from app.catalog.export import file_chunks
from app.text.spreadsheet import csv_text, looks_like_formula

XLSX_MAX_ROWS = 1_000_000
CSV_ROWS_PER_CHUNK = 500

__all__ = ["csv_chunks", "xlsx_file", "file_chunks", "summary_table", "steps_table", "officers_table",
           "overdue_table", "step_rows_table"]

FIGURE_HEADINGS = (
    "Tiếp nhận - tổng", "Tiếp nhận - trực tuyến", "Tiếp nhận - trực tiếp, bưu chính", "Kỳ trước chuyển sang",
    "Đã giải quyết - tổng", "Trước hạn", "Đúng hạn", "Quá hạn",
    "Đang giải quyết - tổng", "Trong hạn", "Quá hạn (đang giải quyết)",
    "Tạm dừng", "Rút hồ sơ", "Dừng xử lý", "Tỷ lệ đúng hạn",
)


def _local(value: datetime, tz: ZoneInfo) -> datetime:
    return value.astimezone(tz).replace(tzinfo=None)  # spreadsheets hold no offset: local wall time


def _csv_cell(value: Any, tz: ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        d = value.astimezone(tz)
        return f"{d.day:02d}/{d.month:02d}/{d.year} {d.hour:02d}:{d.minute:02d}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value) if isinstance(value, int) else csv_text(str(value))  # a number is never a formula


def csv_chunks(headings: Iterable[str], rows: Iterable[Iterable[Any]], *, tz: ZoneInfo) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> bytes:
        data = buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        return data

    buffer.write("\ufeff")
    writer.writerow(list(headings))
    pending = 0
    for row in rows:
        writer.writerow([_csv_cell(v, tz) for v in row])
        pending += 1
        if pending >= CSV_ROWS_PER_CHUNK:
            yield flush()
            pending = 0
    yield flush()


def xlsx_file(headings: Iterable[str], rows: Iterable[Iterable[Any]], *, title: str, tz: ZoneInfo,
              max_rows: int = XLSX_MAX_ROWS) -> IO[bytes]:
    """The table as .xlsx (write-only); the title on row 1, headings on row 2 of every sheet."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    headings = list(headings)
    workbook = openpyxl.Workbook(write_only=True)
    bold = Font(bold=True)

    def new_sheet(number: int):
        sheet = workbook.create_sheet("Báo cáo" if number == 1 else f"Báo cáo ({number})")
        sheet.freeze_panes = "A3"
        sheet.append([text_cell(sheet, title, bold)])
        sheet.append([text_cell(sheet, h, bold) for h in headings])
        return sheet

    def text_cell(sheet, value: str, font: Font | None = None) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        cell.quotePrefix = looks_like_formula(value)  # and stays text when someone edits the cell
        if font is not None:
            cell.font = font
        return cell

    def cell(sheet, value: Any):
        if isinstance(value, str):
            return text_cell(sheet, value)
        if isinstance(value, datetime):
            written = WriteOnlyCell(sheet, value=_local(value, tz))
            written.number_format = "DD/MM/YYYY HH:MM"
            return written
        return value

    number, written = 1, 0
    sheet = new_sheet(number)
    for row in rows:
        if written >= max_rows:
            number, written = number + 1, 0
            sheet = new_sheet(number)
        sheet.append([cell(sheet, v) for v in row])
        written += 1
    spooled = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by file_chunks
    workbook.save(spooled)
    spooled.seek(0)
    return spooled


# --- each report as (headings, rows) --------------------------------------------------------------------------

def _figure_values(f: dict[str, Any]) -> list[Any]:
    r, s, i = f["received"], f["resolved"], f["in_progress"]
    return [r["total"], r["online"], r["direct_or_postal"], r["carried_over"], s["total"], s["early"], s["on_time"],
            s["late"], i["total"], i["within_deadline"], i["overdue"], f["paused"], f["withdrawn"], f["stopped"],
            f["on_time_rate"]]


GROUP_HEADINGS = {"procedure": "Thủ tục", "unit": "Đơn vị", "officer": "Cán bộ", "month": "Tháng", None: "Phạm vi"}


def summary_table(report: dict[str, Any]) -> tuple[list[str], Iterator[list[Any]]]:
    group = report["group_by"]
    headings = ["Mã", GROUP_HEADINGS[group], *FIGURE_HEADINGS]

    def rows() -> Iterator[list[Any]]:
        for row in report["rows"]:
            yield [row["key"], row["label"], *_figure_values(row)]
        yield ["", "Tổng số hồ sơ", *_figure_values(report["total"])]

    return headings, rows()


def steps_table(report: dict[str, Any]) -> tuple[list[str], Iterator[list[Any]]]:
    headings = ["Thủ tục", "Bước", "Tên bước", "Số lượt", "Thời hạn (giờ)", "Trung vị (giờ)", "P90 (giờ)",
                "Trung vị / thời hạn", "P90 / thời hạn", "Trước hạn", "Đúng hạn", "Quá hạn", "Tỷ lệ quá hạn",
                "Hồ sơ trễ do bước", "Điểm nghẽn"]
    choke = {(b["procedure"], b["spec_id"]) for b in report["bottlenecks"]}
    return headings, ([r["procedure"], r["step"], r["name"], r["count"], r["limit_hours"], r["median_hours"],
                       r["p90_hours"], r["median_of_limit"], r["p90_of_limit"], r["early"], r["on_time"], r["late"],
                       r["late_rate"], r["late_dossiers"], "x" if (r["procedure"], r["spec_id"]) in choke else ""]
                      for r in report["steps"])


def officers_table(report: dict[str, Any]) -> tuple[list[str], Iterator[list[Any]]]:
    headings = ["Tài khoản", "Họ và tên", "Số bước đã xử lý", "Trước hạn", "Đúng hạn", "Quá hạn", "Tỷ lệ đúng hạn",
                "Giờ làm việc đã dùng", "Thời hạn (giờ)", "Đã dùng / thời hạn", "Đang xử lý", "Đang quá hạn"]
    return headings, ([r["officer"], r["full_name"], r["handled"], r["early"], r["on_time"], r["late"],
                       r["on_time_rate"], r["working_hours"], r["limit_hours"], r["used_of_limit"], r["open_tasks"],
                       r["open_overdue"]] for r in report["officers"])


def overdue_table(report: dict[str, Any]) -> tuple[list[str], Iterator[list[Any]]]:
    headings = ["Loại", "Mã hồ sơ", "Thủ tục", "Bước", "Tên bước", "Đơn vị", "Cán bộ", "Hạn xử lý",
                "Số giờ làm việc quá hạn"]

    def rows() -> Iterator[list[Any]]:
        for r in report["steps"]:
            yield ["Bước", r["dossier"], r["procedure"], r["step"], r["name"], r["unit"], r["officer"], r["due_at"],
                   r["late_hours"]]
        for r in report["dossiers"]:
            yield ["Hồ sơ", r["dossier"], r["procedure"], None, None, None, None, r["due_at"], r["late_hours"]]

    return headings, rows()


STEP_ROW_HEADINGS = ["Mã hồ sơ", "Thủ tục", "Bước", "Tên bước", "Đơn vị", "Cán bộ", "Trạng thái", "Bắt đầu",
                     "Hạn xử lý", "Hoàn thành", "Thời hạn (giờ)", "Kết quả"]


def step_rows_table(rows: Iterable[tuple]) -> tuple[list[str], Iterable[tuple]]:
    return STEP_ROW_HEADINGS, rows
