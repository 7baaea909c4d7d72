"""Form 07 — the tracking book (Sổ theo dõi hồ sơ, Circular 03/2025/TT-VPCP, mẫu số 07) of a desk and a period.

One row per dossier **received** in the period (``received_at`` in ``[from 00:00, to + 1 day 00:00)``, service
timezone) by the asked agency and those below it, restricted to what the caller may see exactly as the other
reports are (:func:`app.reports.service.scope_for`, :func:`app.reports.queries.restrict_dossiers`), in reception
order. Two statements: the dossiers with their procedure, agency and open pause joined, and the steps of the
same dossiers (joined, not an ``IN`` list), read column by column in dossier order.

The columns, and the rules where the form leaves the system to decide:

1. STT — the row number. 2. Mã hồ sơ. 3. Tên thủ tục hành chính — the procedure's name. 4. Số lượng hồ sơ
   (bộ) — 1 per dossier. 5. Tên cá nhân, tổ chức — the applicant's name, then the organisation's. 6. Địa chỉ,
   số điện thoại. 7. Cơ quan chủ trì giải quyết — the dossier's agency. 8. Nhận hồ sơ — ``received_at``.
9. Hẹn trả kết quả — the dossier's due time *now*: the new date once extended (form 04 sets ``due_at`` to it),
   moved by the working time of any pause; empty when the procedure counts no time.
10. Chuyển hồ sơ đến cơ quan giải quyết — the completion of the dossier's **first step** (the step with no
    previous step, the lowest id: the desk's reception step, step 1 of every shipped procedure): completing it is
    the hand-over to the units that decide. Empty while that step is open, or when it never completed (withdrawn
    or stopped at the desk).
11. Nhận kết quả từ cơ quan giải quyết — the **start of the return step**, i.e. the moment the step before it was
    completed and the result came back. The return step is the dossier's last completed step once the dossier
    is finished, and otherwise its latest activated step when that step sits in the receiving desk's unit (the
    unit of the first step); in both cases it must not be an activation of the first step itself (a loop back
    to reception is not a result). Empty until then.
12. Trả kết quả cho cá nhân, tổ chức — ``finished_at`` of a finished dossier.
13. Ghi chú — judged at the moment the book is printed: for a dossier not finished its state in words
    (:data:`STATUS_NOTES`; paused: :data:`PAUSE_NOTES`; "Gia hạn đến hh:mm dd/mm/yyyy" once extended; withdrawn
    and stopped with their reason), with "; quá hạn" when an open, running dossier is past its appointment;
    "Trễ hạn" for a dossier finished late; empty for one finished early or on time.

Times print as ``hh:mm dd/mm/yyyy`` in the service timezone. The XLSX writes text typed as text and flags
formula-like text (:mod:`app.text.spreadsheet`), so an applicant's ``=…`` is never evaluated.
"""
from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import datetime
from itertools import groupby
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from app.deadlines.models import DossierPause
from app.definitions.models import DefinitionVersion, ProcessDefinition
from app.dossiers.models import Dossier, DossierStatus, Step, StepStatus
from app.org.models import Agency, Officer
from app.org.service import get_agency_by_code
from app.reports.queries import Filters, restrict_dossiers
from app.reports.service import Period
from app.text.spreadsheet import looks_like_formula

FORM = "07"
TITLE = "SỔ THEO DÕI HỒ SƠ"
FORM_LINE = "Mẫu số 07 – Thông tư 03/2025/TT-VPCP"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
ALL_AGENCIES = "Tất cả cơ quan"

#: The thirteen columns as the form words them; columns 8–12 carry "Ngày, giờ" beneath.
COLUMNS = (
    "STT", "Mã hồ sơ", "Tên thủ tục hành chính", "Số lượng hồ sơ (đơn vị tính: bộ)", "Tên cá nhân, tổ chức",
    "Địa chỉ, số điện thoại", "Cơ quan chủ trì giải quyết", "Nhận hồ sơ", "Hẹn trả kết quả",
    "Chuyển hồ sơ đến cơ quan giải quyết", "Nhận kết quả từ cơ quan giải quyết", "Trả kết quả cho cá nhân, tổ chức",
    "Ghi chú",
)
DATE_COLUMNS = range(7, 12)  # 0-based: columns 8–12
SUBHEADING = "Ngày, giờ"
WIDTHS = (6, 22, 42, 11, 28, 32, 30, 17, 17, 17, 17, 17, 30)

STATUS_NOTES = {
    DossierStatus.RECEIVED: "Đang giải quyết",
    DossierStatus.PROCESSING: "Đang giải quyết",
    DossierStatus.INCIDENT: "Đang giải quyết (sự cố khi xử lý, chờ khắc phục)",
    DossierStatus.WITHDRAWN: "Đã rút",
    DossierStatus.STOPPED: "Dừng xử lý",
    DossierStatus.REFUSED: "Từ chối tiếp nhận",
    "transferred": "Đã chuyển cơ quan khác giải quyết",
}
PAUSE_NOTES = {"supplementation": "Tạm dừng chờ bổ sung", "verification": "Tạm dừng chờ xác minh"}
LATE_NOTE = "Trễ hạn"
OVERDUE_SUFFIX = "quá hạn"

XLSX_MAX_ROWS = 1_000_000
XLSX_FIRST_DATA_ROW = 10  # national heading, form line, title, period, blank, two heading rows, column numbers


def local(value: datetime | None, tz: ZoneInfo) -> str:
    """``hh:mm dd/mm/yyyy`` in the service timezone, as the forms write times; '' for none."""
    return "" if value is None else value.astimezone(tz).strftime("%H:%M %d/%m/%Y")


# --- SQL ---------------------------------------------------------------------------------------------------

def _received(stmt, f: Filters, p: Period):
    stmt = stmt.where(Dossier.received_at >= p.start, Dossier.received_at < p.end)
    return restrict_dossiers(stmt, f)


def dossiers_statement(*, f: Filters, p: Period):
    """The dossiers received in the period with their procedure, agency and open pause, in reception order."""
    open_pause = and_(DossierPause.dossier_id == Dossier.id, DossierPause.resumed_at.is_(None))
    stmt = (select(Dossier.id, Dossier.code, Dossier.applicant, Dossier.status, Dossier.received_at, Dossier.due_at,
                   Dossier.extended_at, Dossier.extended_due_at, Dossier.due_before_extension, Dossier.finished_at,
                   Dossier.result, Dossier.closed_at, Dossier.close_reason,
                   ProcessDefinition.name.label("procedure_name"), ProcessDefinition.code.label("procedure_code"),
                   Agency.name.label("agency_name"), DossierPause.kind.label("pause_kind"))
            .join(DefinitionVersion, DefinitionVersion.id == Dossier.definition_version_id)
            .join(ProcessDefinition, ProcessDefinition.id == DefinitionVersion.definition_id)
            .join(Agency, Agency.id == Dossier.agency_id)
            .outerjoin(DossierPause, open_pause))
    return _received(stmt, f, p).order_by(Dossier.received_at, Dossier.id)


def steps_statement(*, f: Filters, p: Period):
    """The steps of the same dossiers, what columns 10 and 11 need, grouped by dossier, oldest first."""
    stmt = (select(Step.dossier_id, Step.id, Step.spec_id, Step.previous_step_id, Step.unit_id, Step.status,
                   Step.started_at, Step.completed_at)
            .join(Dossier, Dossier.id == Step.dossier_id))
    return _received(stmt, f, p).order_by(Step.dossier_id, Step.id)


def _hand_overs(steps: list[Any], finished: bool) -> tuple[datetime | None, datetime | None]:
    """(column 10, column 11) of one dossier's steps (ordered by id); the rules are the module's."""
    first = next((s for s in steps if s.previous_step_id is None), steps[0])
    handed = first.completed_at if first.status == StepStatus.COMPLETED else None
    if finished:
        done = [s for s in steps if s.status == StepStatus.COMPLETED]
        back = max(done, key=lambda s: (s.completed_at, s.id)) if done else None
        at_desk = True
    else:
        back = steps[-1]
        at_desk = first.unit_id is not None and back.unit_id == first.unit_id
    if back is None or not at_desk or back.id == first.id or back.spec_id == first.spec_id:
        return handed, None
    return handed, back.started_at


def _note(d: Any, now: datetime, tz: ZoneInfo) -> str:
    if d.status == DossierStatus.FINISHED:
        return LATE_NOTE if d.result == "late" else ""
    if d.status in (DossierStatus.WITHDRAWN, DossierStatus.STOPPED, DossierStatus.REFUSED):
        return STATUS_NOTES[d.status] + (f": {d.close_reason}" if d.close_reason else "")
    paused = d.status == DossierStatus.PAUSED
    if paused:
        parts = [PAUSE_NOTES.get(d.pause_kind, "Tạm dừng")]
        if d.extended_at is not None:
            parts.append(f"gia hạn đến {local(d.extended_due_at, tz)}")
    elif d.extended_at is not None:
        parts = [f"Gia hạn đến {local(d.extended_due_at, tz)}"]
    else:
        parts = [STATUS_NOTES.get(d.status, d.status)]
    if not paused and d.due_at is not None and d.due_at < now:
        parts.append(OVERDUE_SUFFIX)
    return "; ".join(parts)


def rows(*, session: Session, f: Filters, p: Period, now: datetime) -> list[dict[str, Any]]:
    """The book's rows (two statements), numbered in reception order."""
    found = session.execute(dossiers_statement(f=f, p=p)).all()
    if not found:
        return []
    finished = {d.id for d in found if d.status == DossierStatus.FINISHED}
    hand_overs = {dossier_id: _hand_overs(list(steps), dossier_id in finished) for dossier_id, steps in
                  groupby(session.execute(steps_statement(f=f, p=p)), key=lambda s: s.dossier_id)}
    out = []
    for number, d in enumerate(found, start=1):
        applicant = d.applicant or {}
        handed, back = hand_overs.get(d.id, (None, None))
        out.append({
            "number": number, "code": d.code, "procedure_code": d.procedure_code, "procedure_name": d.procedure_name,
            "sets": 1, "applicant_name": applicant.get("name"), "applicant_organisation": applicant.get("organisation"),
            "applicant_address": applicant.get("address"), "applicant_phone": applicant.get("phone"),
            "deciding_agency": d.agency_name, "received_at": d.received_at,
            "appointment_at": d.due_at if d.due_at is not None else d.extended_due_at,
            "appointment_before_extension": d.due_before_extension if d.extended_at is not None else None,
            "handed_over_at": handed, "result_received_at": back,
            "returned_at": d.finished_at if d.status == DossierStatus.FINISHED else None,
            "note": _note(d, now, p.tz), "status": d.status, "result": d.result, "closed_at": d.closed_at,
        })
    return out


def heading_agency(*, session: Session, agency: str | None, officer: Officer, reads_all: bool) -> Agency | None:
    """Whose book: the agency asked for, else the caller's home agency (none for read-all callers)."""
    if agency:
        return get_agency_by_code(session=session, code=agency)
    if reads_all:
        return None
    return officer.agency or next((unit.agency for unit in officer.units), None)


def book(*, session: Session, f: Filters, p: Period, now: datetime, agency: Agency | None) -> dict[str, Any]:
    """Form 07 as data: what the JSON answers and the spreadsheet and the page print."""
    found = rows(session=session, f=f, p=p, now=now)
    return {"form": FORM, "title": TITLE, "agency": agency.name if agency else None,
            "agency_code": agency.code if agency else None, "period": p, "printed_at": now,
            "total": len(found), "rows": found}


# --- printing ----------------------------------------------------------------------------------------------

def applicant_text(row: dict[str, Any]) -> str:
    """Column 5: the person, then the organisation."""
    return ", ".join(v for v in (row["applicant_name"], row["applicant_organisation"]) if v)


def contact_text(row: dict[str, Any]) -> str:
    """Column 6: the address, then the phone number."""
    parts = [row["applicant_address"] or ""]
    if row["applicant_phone"]:
        parts.append(f"ĐT: {row['applicant_phone']}")
    return "; ".join(v for v in parts if v)


def period_text(p: Period) -> str:
    return f"Từ ngày {p.first:%d/%m/%Y} đến ngày {p.last:%d/%m/%Y}"


def printed_row(row: dict[str, Any]) -> list[Any]:
    """The thirteen cells of a row (datetimes left as datetimes)."""
    return [row["number"], row["code"], row["procedure_name"], row["sets"], applicant_text(row), contact_text(row),
            row["deciding_agency"], row["received_at"], row["appointment_at"], row["handed_over_at"],
            row["result_received_at"], row["returned_at"], row["note"]]


def page_rows(book_: dict[str, Any], tz: ZoneInfo) -> Iterator[list[str]]:
    """The rows as the printed page shows them: every cell text, times as ``hh:mm dd/mm/yyyy``."""
    for row in book_["rows"]:
        yield [local(v, tz) if isinstance(v, datetime) else ("" if v is None else str(v)) for v in printed_row(row)]


def xlsx_file(book_: dict[str, Any], *, tz: ZoneInfo, max_rows: int = XLSX_MAX_ROWS) -> IO[bytes]:
    """The book as .xlsx (openpyxl write-only, streamed rows): heading, title, agency, period, the form's
    two heading rows and column numbers, then the rows; A4 landscape, headings repeated on every printed page;
    a new sheet, with the same heading, every ``max_rows`` rows."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.Workbook(write_only=True)
    bold, italic = Font(bold=True), Font(italic=True)
    title_font = Font(bold=True, size=14)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wrap = Alignment(vertical="top", wrap_text=True)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    last = get_column_letter(len(COLUMNS))
    agency = book_["agency"] or ALL_AGENCIES

    def text(sheet, value: str, font=None, alignment=None, border=None) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        cell.quotePrefix = looks_like_formula(value)  # and stays text when someone edits the cell
        if font is not None:
            cell.font = font
        if alignment is not None:
            cell.alignment = alignment
        if border is not None:
            cell.border = border
        return cell

    def value_cell(sheet, value: Any) -> WriteOnlyCell:
        if isinstance(value, str):
            return text(sheet, value, alignment=wrap, border=box)
        if isinstance(value, datetime):
            value = value.astimezone(tz).replace(tzinfo=None)  # a spreadsheet holds local wall time
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, datetime):
            cell.number_format = "hh:mm dd/mm/yyyy"
        cell.alignment, cell.border = wrap, box
        return cell

    def new_sheet(number: int):
        sheet = workbook.create_sheet("Sổ theo dõi" if number == 1 else f"Sổ theo dõi ({number})")
        for index, width in enumerate(WIDTHS, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = "9"  # A4
        sheet.print_title_rows = f"{XLSX_FIRST_DATA_ROW - 3}:{XLSX_FIRST_DATA_ROW - 1}"
        sheet.freeze_panes = f"A{XLSX_FIRST_DATA_ROW}"
        for merged in ("A1:E1", "H1:M1", "A2:E2", "H2:M2", f"A3:{last}3", f"A4:{last}4", f"A5:{last}5"):
            sheet.merged_cells.add(merged)
        for index in range(len(COLUMNS)):  # a heading without "Ngày, giờ" spans both heading rows
            letter = get_column_letter(index + 1)
            if index not in DATE_COLUMNS:
                sheet.merged_cells.add(f"{letter}7:{letter}8")
        blank = [None] * 2
        sheet.append([text(sheet, agency, bold, center), *[None] * 6, text(sheet, NATION, bold, center)])
        sheet.append([text(sheet, "", None, center), *[None] * 6, text(sheet, MOTTO, bold, center)])
        sheet.append([text(sheet, FORM_LINE, italic)])
        sheet.append([text(sheet, TITLE, title_font, center)])
        sheet.append([text(sheet, period_text(book_["period"]), italic, center)])
        sheet.append(blank)
        sheet.append([text(sheet, h, bold, center, box) for h in COLUMNS])
        sheet.append([text(sheet, SUBHEADING if i in DATE_COLUMNS else "", bold, center, box)
                      for i in range(len(COLUMNS))])
        sheet.append([text(sheet, f"({i})", italic, center, box) for i in range(1, len(COLUMNS) + 1)])
        return sheet

    number, written = 1, 0
    sheet = new_sheet(number)
    for row in book_["rows"]:
        if written >= max_rows:
            number, written = number + 1, 0
            sheet = new_sheet(number)
        sheet.append([value_cell(sheet, v) for v in printed_row(row)])
        written += 1
    spooled = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by file_chunks
    workbook.save(spooled)
    spooled.seek(0)
    return spooled


def filename(p: Period, fmt: str) -> str:
    return f"so-theo-doi-ho-so_{p.first.isoformat()}_{p.last.isoformat()}.{fmt}"


__all__ = ["COLUMNS", "book", "heading_agency", "page_rows", "rows", "xlsx_file", "local", "filename"]
