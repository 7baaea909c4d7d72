"""The catalog an agency publishes on its portal: CSV (UTF-8 with BOM), XLSX or printable HTML, streamed.

One row per step in CSV and XLSX (the procedure's code, name, kind, agency, totals and decision repeated on
each row, so a spreadsheet can filter and sort); one section per procedure in HTML. Procedures are read in
chunks of :data:`CHUNK` so a province's whole catalog never sits in memory at once.

Cell text comes from designers, so it is never let to become a formula (:mod:`app.text.spreadsheet`: an
apostrophe in CSV, typed text in XLSX, also after leading spaces or line breaks). HTML is escaped by Jinja's
autoescape.
"""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date
from typing import IO, Any

from sqlalchemy.orm import Session

from app.definitions.catalog import catalog_entry, catalog_query
from app.text.spreadsheet import csv_text, looks_like_formula

CHUNK = 200
KIND_LABELS = {
    "internal": "Nội bộ",
    "interconnected_same_level": "Liên thông cùng cấp",
    "interconnected_cross_level": "Liên thông giữa các cấp",
}
HEADINGS = (
    "STT", "Mã quy trình", "Mã TTHC", "Tên thủ tục hành chính", "Loại quy trình", "Cơ quan",
    "Bước", "Đơn vị thực hiện", "Thời gian thực hiện (ngày làm việc)",
    "Tổng thời gian theo các bước (ngày làm việc)", "Tổng thời gian công bố (ngày làm việc)",
    "Quyết định công bố", "Ngày quyết định", "Ngày hiệu lực", "Phiên bản",
)
NOT_COUNTED = "Không tính thời gian"


def iter_entries(*, session: Session, agency: str | None = None) -> Iterator[dict[str, Any]]:
    """Catalog entries of published procedures, read :data:`CHUNK` at a time (stable order: key, version)."""
    stmt = catalog_query(session=session, agency=agency)
    offset = 0
    while True:
        versions = list(session.scalars(stmt.offset(offset).limit(CHUNK)))
        for version in versions:
            yield catalog_entry(version)
        if len(versions) < CHUNK:
            return
        offset += CHUNK


def vn_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def vn_days(value: float | None) -> str:
    """``0.5`` -> ``0,5 ngày``; ``None`` -> not counted."""
    if value is None:
        return NOT_COUNTED
    return f"{value:g}".replace(".", ",") + " ngày"


def step_rows(entries: Iterable[dict[str, Any]]) -> Iterator[list[Any]]:
    """One list per step (a procedure without steps still gets one row), numbers as numbers."""
    for number, entry in enumerate(entries, start=1):
        agency = entry["agency"]
        head = [number, entry["key"], entry["code"] or "", entry["name"], KIND_LABELS.get(entry["kind"], entry["kind"]),
                agency.name if agency else ""]
        tail = [entry["computed_total_days"], entry["declared_total_days"], entry["decision_number"] or "",
                entry["decision_date"], entry["effective_date"], entry["version"]]
        for step in entry["steps"] or [None]:
            if step is None:
                yield [*head, "", "", None, *tail]
                continue
            yield [*head, step["name"] or step["id"], step["unit_name"] or "", step["time_limit_days"], *tail]


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return vn_date(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value) if isinstance(value, int) else csv_text(str(value))  # a number is never a formula


def csv_chunks(entries: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """CSV in UTF-8 with a BOM (Excel then reads the Vietnamese right), one encoded chunk per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> bytes:
        data = buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        return data

    buffer.write("\ufeff")
    writer.writerow(HEADINGS)
    yield flush()
    for row in step_rows(entries):
        time = row[8]
        writer.writerow([_csv_cell(v) for v in row[:8]] + [NOT_COUNTED if time is None else _csv_cell(time)]
                        + [_csv_cell(v) for v in row[9:]])
        yield flush()


def xlsx_file(entries: Iterable[dict[str, Any]], *, title: str) -> IO[bytes]:
    """The catalog as an .xlsx written with openpyxl's write-only mode into a spooled temporary file."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh mục")
    sheet.freeze_panes = "A3"
    for column, width in zip("ABCDEFGHIJKLMNO", (6, 28, 12, 50, 18, 30, 50, 40, 14, 14, 14, 20, 12, 12, 8), strict=False):
        sheet.column_dimensions[column].width = width
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")

    def cell(value: Any, *, font: Font | None = None) -> WriteOnlyCell:
        if isinstance(value, str):
            written = WriteOnlyCell(sheet, value=value)
            written.data_type = "s"  # never a formula, whatever the text starts with
            written.quotePrefix = looks_like_formula(value)  # and stays text when someone edits the cell
        else:
            written = WriteOnlyCell(sheet, value=value)
            if isinstance(value, date):
                written.number_format = "DD/MM/YYYY"
        written.alignment = wrap
        if font is not None:
            written.font = font
        return written

    sheet.append([cell(title, font=bold)])
    sheet.append([cell(h, font=bold) for h in HEADINGS])
    for row in step_rows(entries):
        values = list(row)
        if values[8] is None:
            values[8] = NOT_COUNTED
        sheet.append([cell(v) for v in values])
    spooled = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by file_chunks
    workbook.save(spooled)
    spooled.seek(0)
    return spooled


def file_chunks(handle: IO[bytes], size: int = 64 * 1024) -> Iterator[bytes]:
    try:
        while chunk := handle.read(size):
            yield chunk
    finally:
        handle.close()


def html_sections(entries: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """What the HTML template shows per procedure (Vietnamese dates, days and kind)."""
    for number, entry in enumerate(entries, start=1):
        units: list[str] = []
        for step in entry["steps"]:
            if step["unit_name"] and step["unit_name"] not in units:
                units.append(step["unit_name"])
        yield {
            "number": number, "entry": entry, "kind": KIND_LABELS.get(entry["kind"], entry["kind"]),
            "units": units, "decision_date": vn_date(entry["decision_date"]),
            "effective_date": vn_date(entry["effective_date"]),
            "declared_total": None if entry["declared_total_days"] is None else vn_days(entry["declared_total_days"]),
            "computed_total": vn_days(entry["computed_total_days"]),
            "steps": [{"name": s["name"] or s["id"], "unit": s["unit_name"] or "", "time": vn_days(s["time_limit_days"])}
                      for s in entry["steps"]],
        }
