"""Read a decision's step table from JSON, CSV or XLSX into :class:`StepRow` s, safely.

Rules of this module (pure: no Flask, no database):
- Columns are ``step, responsible, content, time`` and optionally ``phase, agency, return_to, form``; the
  Vietnamese headings decisions use are accepted too ("Bước", "Trách nhiệm" / "Đơn vị thực hiện",
  "Nội dung", "Thời gian"…), with or without accents. A heading like "Thời gian (giờ)" also gives the
  table's unit. Any other non-empty column is an error: a typo must not drop data silently.
- Every problem is a :class:`TableIssue` naming the row (1-based position in the table, as in
  ``validate_table``) and the column; :class:`TableReadError` carries all of them and a ``kind``
  (``invalid``, ``too_large``, ``unsupported``) the service maps to 422, 413 or 415.
- Cell text is only ever data: it ends up as XML text in the BPMN, never evaluated. A spreadsheet cell
  holding a *formula* is refused (its cached value may not be what the decision says), as are macro
  workbooks (``.xlsm``, ``vbaProject.bin``).
- XLSX is a zip: it must carry the spreadsheet content types, and the sum of its entries' declared
  uncompressed sizes is capped *before* openpyxl opens it (zip bombs). Python's ``zipfile`` never inflates
  an entry beyond its declared size and checks the CRC, so the declared sizes bound the real work.
- An empty time cell is an error in a file (write "Không tính thời gian"); in JSON, ``null`` means the step
  is not counted, as in ``procedures/cases.json``, but the key must be present.
"""
from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from app.authoring.bpmn_writer import build_bpmn
from app.authoring.step_table import (
    ProcedureMeta,
    StepRow,
    StepTableError,
    TableIssue,
    validate_table,
)
from app.authoring.time_text import TimeUnit, fold_text

__all__ = [
    "COLUMNS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ROWS",
    "DEFAULT_MAX_UNCOMPRESSED",
    "RawTable",
    "TableReadError",
    "build_from_table",
    "detect_format",
    "read_csv",
    "read_json_steps",
    "read_table",
    "read_xlsx",
    "rows_from_table",
    "table_issues",
]

COLUMNS = ("step", "responsible", "content", "time", "phase", "agency", "return_to", "form")
REQUIRED = ("step", "responsible", "content", "time")
DEFAULT_MAX_ROWS = 500
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_UNCOMPRESSED = 20 * 1024 * 1024
MAX_ZIP_ENTRIES = 2000
#: Longest text accepted per column (the lane name is the responsible text; a step label is short).
MAX_LENGTH = {"step": 32, "responsible": 500, "content": 5000, "time": 200, "phase": 64, "agency": 64,
              "return_to": 32, "form": 128}

XLSX_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSX_TEMPLATE_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml"
MACRO_MARKERS = ("macroenabled", "vbaproject", "ms-office.vba")

_HEADERS: dict[str, str] = {}
for _canonical, _aliases in {
    "step": ("step", "buoc", "stt", "so thu tu", "thu tu", "buoc thuc hien", "cac buoc", "trinh tu",
             "thu tu buoc", "so buoc"),
    "responsible": ("responsible", "trach nhiem", "trach nhiem thuc hien", "don vi thuc hien",
                    "nguoi thuc hien", "don vi", "bo phan thuc hien", "don vi/nguoi thuc hien",
                    "don vi, ca nhan thuc hien", "ca nhan, don vi thuc hien", "chu the thuc hien",
                    "don vi chiu trach nhiem"),
    "content": ("content", "noi dung", "noi dung cong viec", "noi dung thuc hien", "cong viec",
                "noi dung cong viec thuc hien"),
    "time": ("time", "thoi gian", "thoi gian thuc hien", "thoi gian giai quyet", "thoi han",
             "thoi han giai quyet", "time limit"),
    "phase": ("phase", "giai doan"),
    "agency": ("agency", "co quan", "co quan thuc hien", "ma co quan"),
    "return_to": ("return to", "returnto", "tra lai buoc", "tra ve buoc", "tra lai", "buoc tra lai"),
    "form": ("form", "bieu mau", "mau phieu"),
}.items():
    for _alias in _aliases:
        _HEADERS[_alias] = _canonical
_UNIT_SUFFIX = re.compile(r"^(?P<head>.*?)\s*\((?P<unit>[^()]*)\)$")
_UNIT_WORDS: dict[str, TimeUnit] = {
    "ngay": "day", "ngay lam viec": "day", "day": "day", "days": "day", "working days": "day",
    "gio": "hour", "gio lam viec": "hour", "hour": "hour", "hours": "hour", "working hours": "hour", "h": "hour",
}
#: Characters XML 1.0 cannot hold: they would make the BPMN writer fail, so they are refused per cell.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

Kind = Literal["invalid", "too_large", "unsupported"]


class TableReadError(ValueError):
    """The input cannot be read as a step table; ``issues`` name rows and columns."""

    def __init__(self, issues: Sequence[TableIssue], kind: Kind = "invalid",
                 lines: Mapping[int, int] | None = None) -> None:
        self.issues = list(issues)
        self.kind = kind
        self.lines = dict(lines or {})
        super().__init__("; ".join(f"{i.code} (row {i.row}, {i.column}): {i.message_en}" for i in self.issues))


def _issue(row: int | None, column: str | None, code: str, vi: str, en: str) -> TableIssue:
    return TableIssue(row, column, code, vi, en)


@dataclass
class RawTable:
    """Cells by canonical column, one mapping per step, with where each row came from."""

    records: list[dict[str, Any]] = field(default_factory=list)
    #: Source line (CSV) or sheet row (XLSX) of each record, same order; empty for JSON.
    lines: list[int] = field(default_factory=list)
    unit_hint: TimeUnit | None = None
    #: ``True`` for files: an empty time cell is an error there; ``False`` for JSON (``null`` = not counted).
    from_file: bool = True

    def line_of(self, row: int | None) -> int | None:
        if row is None or not self.lines or not 1 <= row <= len(self.lines):
            return None
        return self.lines[row - 1]


# --- headers ------------------------------------------------------------------------------------------

def _header(text: Any) -> tuple[str | None, TimeUnit | None]:
    """Canonical column of a heading, and a unit when it says one ("Thời gian (giờ)")."""
    folded = fold_text(str(text)).replace("_", " ").rstrip(":*. ").strip()
    if folded in _HEADERS:
        return _HEADERS[folded], None
    match = _UNIT_SUFFIX.match(folded)
    if match and _HEADERS.get(match["head"].strip()) == "time":
        unit = _UNIT_WORDS.get(match["unit"].strip())
        if unit is not None:
            return "time", unit
    return None, None


def _columns(headers: Sequence[Any], *, has_data: Sequence[bool]) -> tuple[list[str | None], TimeUnit | None,
                                                                           list[TableIssue]]:
    """Map a header row; report unknown (non-empty) and repeated columns and missing required ones."""
    issues: list[TableIssue] = []
    mapped: list[str | None] = []
    unit: TimeUnit | None = None
    for index, text in enumerate(headers):
        blank = text is None or not str(text).strip()
        if blank:
            if has_data[index]:
                issues.append(_issue(None, f"#{index + 1}", "unnamed_column",
                                     f"Cột thứ {index + 1} có dữ liệu nhưng không có tiêu đề.",
                                     f"Column {index + 1} holds data but has no heading."))
            mapped.append(None)
            continue
        canonical, hint = _header(text)
        if canonical is None:
            issues.append(_issue(None, str(text).strip()[:100], "unknown_column",
                                 f"Cột {str(text).strip()!r} không thuộc bảng quy trình (bước, trách nhiệm, "
                                 "nội dung, thời gian, giai đoạn, cơ quan, trả lại bước, biểu mẫu).",
                                 f"Unknown column {str(text).strip()!r}; expected step, responsible, content, "
                                 "time, phase, agency, return_to, form."))
        elif canonical in mapped:
            issues.append(_issue(None, canonical, "duplicate_column", f"Cột {canonical!r} xuất hiện hai lần.",
                                 f"Column {canonical!r} appears twice."))
            canonical = None
        if hint is not None:
            unit = hint
        mapped.append(canonical)
    for column in REQUIRED:
        if column not in mapped:
            issues.append(_issue(None, column, "missing_column", f"Thiếu cột {column!r}.",
                                 f"The column {column!r} is missing."))
    return mapped, unit, issues


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _collect(rows: Iterable[tuple[int, list[Any]]], *, max_rows: int) -> RawTable:
    """Header = first non-empty row; then one record per non-empty row (at most ``max_rows``)."""
    iterator = iter(rows)
    header: list[Any] | None = None
    for _line, values in iterator:
        if not all(_blank(v) for v in values):
            header = values
            break
    if header is None:
        raise TableReadError([_issue(None, None, "empty_table", "Bảng quy trình không có bước nào.",
                                     "The step table has no steps.")])
    body: list[tuple[int, list[Any]]] = []
    for line, values in iterator:
        if all(_blank(v) for v in values):
            continue
        if len(body) >= max_rows:
            raise TableReadError([_issue(len(body) + 1, None, "too_many_rows",
                                         f"Bảng có hơn {max_rows} bước.",
                                         f"The table has more than {max_rows} steps.")], "too_large")
        body.append((line, values))
    width = max([len(header), *(len(values) for _, values in body)])
    header = list(header) + [None] * (width - len(header))
    has_data = [any(i < len(values) and not _blank(values[i]) for _, values in body) for i in range(width)]
    mapped, unit, issues = _columns(header, has_data=has_data)
    if issues:
        raise TableReadError(issues)
    table = RawTable(unit_hint=unit)
    for line, values in body:
        record = {column: None for column in mapped if column}
        for index, column in enumerate(mapped):
            if column and index < len(values):
                record[column] = values[index]
        table.records.append(record)
        table.lines.append(line)
    return table


# --- CSV ----------------------------------------------------------------------------------------------

def read_csv(data: bytes, *, max_rows: int = DEFAULT_MAX_ROWS, max_bytes: int = DEFAULT_MAX_BYTES) -> RawTable:
    """UTF-8 CSV, with or without BOM; the delimiter (``,`` ``;`` or tab) is the one that reads the header."""
    _check_size(data, max_bytes)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableReadError([_issue(None, None, "bad_encoding",
                                     f"Tệp CSV phải mã hoá UTF-8 (byte lỗi ở vị trí {exc.start}).",
                                     f"The CSV file must be UTF-8 (bad byte at offset {exc.start}).")]) from None
    first_line = text.split("\n", 1)[0]

    def known(delimiter: str) -> int:
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        return sum(1 for cell in cells if _header(cell)[0]) * 10 + len(cells)

    delimiter = max((",", ";", "\t"), key=known)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)

    def lines() -> Iterable[tuple[int, list[Any]]]:
        try:
            for values in reader:
                yield reader.line_num, [v.strip() for v in values]
        except csv.Error as exc:
            raise TableReadError([_issue(None, None, "bad_csv", f"Tệp CSV lỗi ở dòng {reader.line_num}: {exc}.",
                                         f"The CSV is malformed at line {reader.line_num}: {exc}.")]) from None

    table = _collect(lines(), max_rows=max_rows)
    for record in table.records:  # in a file, an empty cell is text, read as such (time "" is an error)
        for column, value in record.items():
            if value is None:
                record[column] = ""
    return table


# --- XLSX ---------------------------------------------------------------------------------------------

def _check_size(data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise TableReadError([_issue(None, None, "too_large", f"Tệp lớn hơn giới hạn {max_bytes} byte.",
                                     f"The file is larger than {max_bytes} bytes.")], "too_large")


def _refuse(code: str, vi: str, en: str, kind: Kind = "invalid") -> TableReadError:
    return TableReadError([_issue(None, None, code, vi, en)], kind)


def _check_package(data: bytes, *, max_uncompressed: int) -> None:
    """A real .xlsx (not .xlsm, not a bomb) before any XML inside it is parsed."""
    from defusedxml import ElementTree

    if not data.startswith(b"PK\x03\x04"):
        raise _refuse("not_xlsx", "Tệp không phải bảng tính .xlsx.", "The file is not an .xlsx workbook.",
                      "unsupported")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _refuse("not_xlsx", "Tệp .xlsx bị hỏng (không đọc được nén zip).",
                      "The .xlsx file is damaged (not a readable zip).", "unsupported") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise _refuse("too_large", "Tệp .xlsx có quá nhiều thành phần.", "The .xlsx has too many parts.",
                          "too_large")
        if sum(entry.file_size for entry in entries) > max_uncompressed:
            raise _refuse("too_large", f"Tệp .xlsx khi giải nén lớn hơn {max_uncompressed} byte.",
                          f"The .xlsx expands to more than {max_uncompressed} bytes.", "too_large")
        names = [entry.filename.lower() for entry in entries]
        if any(name.endswith("vbaproject.bin") or name.endswith(".bin") and "vba" in name for name in names):
            raise _refuse("macros_refused", "Bảng tính có macro (VBA) bị từ chối; hãy lưu thành .xlsx.",
                          "Workbooks with macros (VBA) are refused; save as .xlsx.")
        if "[content_types].xml" not in names:
            raise _refuse("not_xlsx", "Tệp không phải bảng tính .xlsx (thiếu [Content_Types].xml).",
                          "The file is not an .xlsx workbook (no [Content_Types].xml).", "unsupported")
        raw_types = archive.read(entries[names.index("[content_types].xml")])
    try:
        types_root = ElementTree.fromstring(raw_types)
    except Exception:
        raise _refuse("not_xlsx", "Tệp .xlsx có [Content_Types].xml không hợp lệ.",
                      "The .xlsx has an unreadable [Content_Types].xml.", "unsupported") from None
    content_types = {(el.get("ContentType") or "").lower() for el in types_root.iter()}
    if any(marker in ct for ct in content_types for marker in MACRO_MARKERS):
        raise _refuse("macros_refused", "Bảng tính có macro (VBA) bị từ chối; hãy lưu thành .xlsx.",
                      "Workbooks with macros (VBA) are refused; save as .xlsx.")
    if XLSX_MAIN_TYPE not in content_types and XLSX_TEMPLATE_TYPE not in content_types:
        raise _refuse("not_xlsx", "Tệp không phải bảng tính .xlsx.", "The file is not an .xlsx workbook.",
                      "unsupported")


def read_xlsx(data: bytes, *, max_rows: int = DEFAULT_MAX_ROWS, max_bytes: int = DEFAULT_MAX_BYTES,
              max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED) -> RawTable:
    """The first worksheet of an .xlsx; any formula in any sheet is refused, naming its cell."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    _check_size(data, max_bytes)
    _check_package(data, max_uncompressed=max_uncompressed)
    with warnings.catch_warnings():  # openpyxl warns about styles/extensions it drops; irrelevant here
        warnings.simplefilter("ignore")
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False,
                                              keep_links=False, keep_vba=False)
        except Exception:
            raise _refuse("not_xlsx", "Không đọc được bảng tính .xlsx.", "The .xlsx workbook cannot be read.",
                          "unsupported") from None
        try:
            sheets = workbook.worksheets
            if not sheets:
                raise _refuse("empty_table", "Bảng tính không có trang nào.", "The workbook has no sheet.")
            formulas: list[TableIssue] = []
            for sheet in sheets[1:]:
                for row in sheet.iter_rows():
                    formulas += _formulas(row, sheet.title, None, get_column_letter)
            rows: list[tuple[int, list[Any]]] = []
            for scanned, row in enumerate(sheets[0].iter_rows(), start=1):
                formulas += _formulas(row, sheets[0].title, None, get_column_letter)
                values = [getattr(cell, "value", None) for cell in row]
                line = next((cell.row for cell in row if getattr(cell, "row", None)), scanned)
                rows.append((line, values))
        finally:
            workbook.close()
    if formulas:
        raise TableReadError(formulas)
    table = _collect(rows, max_rows=max_rows)
    for record in table.records:
        for column, value in record.items():
            if value is None:
                record[column] = ""
    return table


def _formulas(row: Sequence[Any], sheet: str, table_row: int | None, letter) -> list[TableIssue]:
    found = []
    for cell in row:
        if getattr(cell, "data_type", None) == "f":
            where = f"{sheet}!{cell.coordinate}"
            found.append(_issue(table_row, letter(cell.column), "formula_refused",
                                f"Ô {where} chứa công thức; hãy nhập giá trị (không dùng công thức).",
                                f"Cell {where} holds a formula; type the value instead."))
    return found


# --- JSON ---------------------------------------------------------------------------------------------

def read_json_steps(steps: Any, *, max_rows: int = DEFAULT_MAX_ROWS) -> RawTable:
    """``steps`` of a JSON body: a list of objects keyed by column (English or Vietnamese names)."""
    if not isinstance(steps, list):
        raise _refuse("bad_steps", "'steps' phải là một danh sách các bước.", "'steps' must be a list of steps.")
    if not steps:
        raise _refuse("empty_table", "Bảng quy trình không có bước nào.", "The step table has no steps.")
    if len(steps) > max_rows:
        raise TableReadError([_issue(max_rows + 1, None, "too_many_rows", f"Bảng có hơn {max_rows} bước.",
                                     f"The table has more than {max_rows} steps.")], "too_large")
    issues: list[TableIssue] = []
    table = RawTable(from_file=False)
    for number, step in enumerate(steps, start=1):
        if not isinstance(step, dict):
            issues.append(_issue(number, None, "bad_step", "Mỗi bước phải là một đối tượng JSON.",
                                 "Each step must be a JSON object."))
            continue
        record: dict[str, Any] = {}
        for name, value in step.items():
            canonical, _hint = _header(name)
            if canonical is None:
                issues.append(_issue(number, str(name)[:100], "unknown_column", f"Cột {name!r} không thuộc bảng.",
                                     f"Unknown column {name!r}."))
            elif canonical in record:
                issues.append(_issue(number, canonical, "duplicate_column", f"Cột {canonical!r} lặp lại.",
                                     f"Column {canonical!r} is given twice."))
            else:
                record[canonical] = value
        for column in REQUIRED:
            if column not in record:
                issues.append(_issue(number, column, "missing_column", f"Thiếu cột {column!r}.",
                                     f"The column {column!r} is missing."))
        table.records.append(record)
    if issues:
        raise TableReadError(issues)
    return table


# --- records to rows ----------------------------------------------------------------------------------

def _label(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def rows_from_table(table: RawTable) -> tuple[list[StepRow], list[TableIssue]]:
    """Step rows of a read table, with the cell-level problems (types, lengths, characters)."""
    rows: list[StepRow] = []
    issues: list[TableIssue] = []
    for number, record in enumerate(table.records, start=1):
        cells: dict[str, Any] = {}
        for column in COLUMNS:
            value = record.get(column)
            if isinstance(value, (bool, list, dict)):
                issues.append(_issue(number, column, "bad_value", "Giá trị không hợp lệ cho ô này.",
                                     "This cell's value has the wrong type."))
                value = None
            if column == "time":  # None only from JSON ``null``: not counted
                cells[column] = value.strip() if isinstance(value, str) else value
            elif column in ("step", "return_to"):
                cells[column] = _text(_label(value))
            else:
                cells[column] = _text(value)
            text = cells[column] if isinstance(cells[column], str) else ""
            if len(text) > MAX_LENGTH[column]:
                issues.append(_issue(number, column, "too_long", f"Ô dài quá {MAX_LENGTH[column]} ký tự.",
                                     f"The cell is longer than {MAX_LENGTH[column]} characters."))
            if _NOT_XML.search(text):
                issues.append(_issue(number, column, "bad_character", "Ô chứa ký tự điều khiển không hợp lệ.",
                                     "The cell holds a control character that is not allowed."))
        rows.append(StepRow(
            label=cells["step"], responsible=cells["responsible"], content=cells["content"], time=cells["time"],
            phase=cells["phase"] or None, agency=cells["agency"] or None, return_to=cells["return_to"] or None,
            form=cells["form"] or None))
    return rows, issues


def meta_issues(meta: ProcedureMeta) -> list[TableIssue]:
    """Checks of the metadata the table validator leaves to storage (lengths, characters)."""
    issues = []
    for name, limit in (("key", 128), ("name", 500), ("code", 64), ("agency", 64), ("decision_number", 128)):
        value = getattr(meta, name) or ""
        if len(value) > limit:
            issues.append(_issue(None, name, "too_long", f"{name} dài quá {limit} ký tự.",
                                 f"{name} is longer than {limit} characters."))
        if _NOT_XML.search(value):
            issues.append(_issue(None, name, "bad_character", f"{name} chứa ký tự điều khiển.",
                                 f"{name} holds a control character."))
    return issues


# --- formats ------------------------------------------------------------------------------------------

def detect_format(filename: str | None, mimetype: str | None, data: bytes) -> str:
    """``csv`` or ``xlsx`` from the file name, the content type or the bytes; refuses macro workbooks."""
    name = (filename or "").lower()
    mimetype = (mimetype or "").lower()
    if name.endswith((".xlsm", ".xltm", ".xlsb", ".xls")) or "macroenabled" in mimetype:
        raise _refuse("macros_refused" if not name.endswith((".xls", ".xlsb")) else "not_xlsx",
                      "Chỉ nhận bảng tính .xlsx (không macro) hoặc .csv.",
                      "Only .xlsx workbooks (no macros) and .csv files are accepted.", "unsupported")
    if name.endswith((".xlsx", ".xltx")) or "spreadsheetml" in mimetype or data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if name.endswith((".csv", ".txt")) or mimetype in ("text/csv", "text/plain", "application/csv",
                                                         "application/vnd.ms-excel", "application/octet-stream", ""):
        return "csv"
    raise _refuse("unsupported_format", "Chỉ nhận .csv, .xlsx hoặc JSON.", "Send .csv, .xlsx or JSON.", "unsupported")


def read_table(data: bytes, fmt: str, *, max_rows: int = DEFAULT_MAX_ROWS, max_bytes: int = DEFAULT_MAX_BYTES,
               max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED) -> RawTable:
    if fmt == "xlsx":
        return read_xlsx(data, max_rows=max_rows, max_bytes=max_bytes, max_uncompressed=max_uncompressed)
    if fmt == "csv":
        return read_csv(data, max_rows=max_rows, max_bytes=max_bytes)
    raise ValueError(f"unknown format {fmt!r}")


def resolve_unit(meta: ProcedureMeta, table: RawTable) -> tuple[ProcedureMeta, list[TableIssue]]:
    """The table's unit: the metadata's, else the time heading's ("Thời gian (giờ)"); they must agree."""
    from dataclasses import replace

    hint = table.unit_hint
    if hint is None or meta.unit == hint:
        return meta, []
    if meta.unit is None:
        return replace(meta, unit=hint), []
    return meta, [_issue(None, "time", "unit_conflict",
                         f"Tiêu đề cột thời gian ghi đơn vị {hint!r} nhưng tham số 'unit' là {meta.unit!r}.",
                         f"The time heading says {hint!r} but 'unit' is {meta.unit!r}.")]


def table_issues(meta: ProcedureMeta, table: RawTable) -> tuple[ProcedureMeta, list[StepRow], list[TableIssue]]:
    """Metadata (unit settled), step rows and every problem of the table, errors and warnings."""
    meta, issues = resolve_unit(meta, table)
    rows, cell_issues = rows_from_table(table)
    issues += meta_issues(meta) + cell_issues
    seen = {(i.row, i.column, i.code) for i in issues}
    issues += [i for i in validate_table(meta, rows) if (i.row, i.column, i.code) not in seen]
    return meta, rows, issues


def build_from_table(meta: ProcedureMeta, table: RawTable, *,
                     unit_codes: Mapping[str, str] | None = None) -> tuple[bytes, list[TableIssue]]:
    """The pure path: a read table to BPMN bytes and the table's warnings; raises :class:`StepTableError`."""
    meta, rows, issues = table_issues(meta, table)
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        raise StepTableError(errors)
    return build_bpmn(meta, rows, unit_codes=unit_codes), [i for i in issues if i.severity != "error"]
