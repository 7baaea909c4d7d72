"""Step tables as the files designers send: CSV text and XLSX made with openpyxl."""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import openpyxl

VI_HEADERS = ("Bước", "Trách nhiệm", "Nội dung", "Thời gian")
EN_HEADERS = ("step", "responsible", "content", "time")


def rows_of(case: dict[str, Any], *, blank: str = "Không tính thời gian") -> list[list[Any]]:
    return [[s["step"], s["responsible"], s["content"], blank if s["time"] is None else s["time"]]
            for s in case["steps"]]


def csv_bytes(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, delimiter: str = ",", bom: bool = True,
              decimal_comma: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([str(v).replace(".", ",") if decimal_comma and isinstance(v, float) else v for v in row])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, text_cells: dict[str, str] | None = None,
               formula_cells: dict[str, str] | None = None) -> bytes:
    """An .xlsx; ``text_cells`` are written typed as text (even when they start with '='), ``formula_cells``
    as formulas."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Quy trình"
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    for ref, value in (text_cells or {}).items():
        sheet[ref] = value
        sheet[ref].data_type = "s"
    for ref, value in (formula_cells or {}).items():
        sheet[ref] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
