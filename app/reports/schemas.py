"""Query strings of the report endpoints; unknown parameters, groupings and formats are refused (422)."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api import LocalDateTime, StrictSchema
from app.reports.service import FORMATS, GROUPINGS

_CODE = validate.Length(min=1, max=128)


class PeriodQuery(StrictSchema):
    first = ma.fields.Date(data_key="from", metadata={"description": "first day (YYYY-MM-DD); default 1 January"})
    last = ma.fields.Date(data_key="to", metadata={"description": "last day, inclusive; default today"})
    agency = ma.fields.String(validate=_CODE, metadata={"description": "agency code; includes agencies below it"})
    unit = ma.fields.String(validate=_CODE, metadata={"description": "unit code"})
    procedure = ma.fields.String(validate=_CODE, metadata={"description": "procedure key"})
    format = ma.fields.String(load_default="json", validate=validate.OneOf(FORMATS))


class SummaryQuery(PeriodQuery):
    group_by = ma.fields.String(validate=validate.OneOf(GROUPINGS))


class SatisfactionQuery(PeriodQuery):
    group_by = ma.fields.String(validate=validate.OneOf(("unit", "procedure", "agency", "month")), metadata={
        "description": "by unit a rating counts for each unit that handled the dossier (its desk, its steps' units)"})


class OverdueQuery(StrictSchema):
    agency = ma.fields.String(validate=_CODE)
    unit = ma.fields.String(validate=_CODE)
    procedure = ma.fields.String(validate=_CODE)
    format = ma.fields.String(load_default="json", validate=validate.OneOf(FORMATS))


class StepRowsQuery(PeriodQuery):
    format = ma.fields.String(load_default="csv", validate=validate.OneOf(("csv", "xlsx")))


class PageQuery(StrictSchema):
    first = ma.fields.Date(data_key="from")
    last = ma.fields.Date(data_key="to")
    agency = ma.fields.String(validate=_CODE)
    procedure = ma.fields.String(validate=_CODE)


# --- form 07: the tracking book (app/reports/tracking_book.py) -------------------------------------------------

TRACKING_BOOK_FORMATS = ("json", "xlsx", "html", "pdf")


class TrackingBookQuery(PeriodQuery):
    """The period and filters of the other reports; ``format`` is json, xlsx or a printable html page."""

    format = ma.fields.String(load_default="json", validate=validate.OneOf(TRACKING_BOOK_FORMATS),
                              metadata={"description": "json (default), xlsx, html (printable, A4 landscape) or pdf"})


class TrackingBookPeriodOut(ma.Schema):
    first = ma.fields.Date(data_key="from", metadata={"description": "first day of reception (local date)"})
    last = ma.fields.Date(data_key="to", metadata={"description": "last day of reception, inclusive"})


class TrackingBookRowOut(ma.Schema):
    """One dossier received in the period: the columns of form 07, numbered as the form numbers them."""

    class Meta:
        ordered = True

    number = ma.fields.Integer(metadata={"description": "(1) STT: row number, in reception order"})
    code = ma.fields.String(metadata={"description": "(2) Mã hồ sơ: the dossier code"})
    procedure_code = ma.fields.String(allow_none=True, metadata={"description": "the procedure's national code"})
    procedure_name = ma.fields.String(metadata={"description": "(3) Tên thủ tục hành chính"})
    sets = ma.fields.Integer(metadata={"description": "(4) Số lượng hồ sơ (đơn vị tính: bộ): 1 per dossier"})
    applicant_name = ma.fields.String(allow_none=True, metadata={"description": "(5) Tên cá nhân: the applicant"})
    applicant_organisation = ma.fields.String(allow_none=True, metadata={
        "description": "(5) Tên tổ chức: the organisation applying, when one does"})
    applicant_address = ma.fields.String(allow_none=True, metadata={"description": "(6) Địa chỉ"})
    applicant_phone = ma.fields.String(allow_none=True, metadata={"description": "(6) Số điện thoại"})
    deciding_agency = ma.fields.String(metadata={"description": "(7) Cơ quan chủ trì giải quyết: the dossier's agency"})
    received_at = LocalDateTime(metadata={"description": "(8) Nhận hồ sơ: the reception moment"})
    appointment_at = LocalDateTime(allow_none=True, metadata={
        "description": "(9) Hẹn trả kết quả: the dossier's due time now — the extended date once extended (form 04), "
                       "moved by pauses; null when the procedure counts no time"})
    appointment_before_extension = LocalDateTime(allow_none=True, metadata={
        "description": "the appointment the extension replaced; null when not extended"})
    handed_over_at = LocalDateTime(allow_none=True, metadata={
        "description": "(10) Chuyển hồ sơ đến cơ quan giải quyết: the completion of the dossier's first step (the "
                       "desk's reception step); null while it is open or when it never completed"})
    result_received_at = LocalDateTime(allow_none=True, metadata={
        "description": "(11) Nhận kết quả từ cơ quan giải quyết: the start of the return step (when the step before "
                       "it was completed); null until the dossier is back at the desk"})
    returned_at = LocalDateTime(allow_none=True, metadata={
        "description": "(12) Trả kết quả cho cá nhân, tổ chức: when the dossier was finished; null otherwise"})
    note = ma.fields.String(metadata={
        "description": "(13) Ghi chú: the state of a dossier not finished (Đang giải quyết, Gia hạn đến …, Tạm dừng "
                       "chờ bổ sung, Đã rút, Dừng xử lý …; '; quá hạn' when past its appointment), 'Trễ hạn' for "
                       "a dossier finished late, empty for one finished in time"})
    status = ma.fields.String(metadata={"description": "the dossier's status code"})
    result = ma.fields.String(allow_none=True, metadata={"description": "early | on_time | late once finished"})
    closed_at = LocalDateTime(allow_none=True, metadata={"description": "when it was withdrawn or stopped"})


class TrackingBookOut(ma.Schema):
    """Form 07 (Sổ theo dõi hồ sơ, Circular 03/2025/TT-VPCP): one row per dossier received in the period."""

    class Meta:
        ordered = True

    form = ma.fields.String(metadata={"description": "'07'"})
    title = ma.fields.String(metadata={"description": "SỔ THEO DÕI HỒ SƠ"})
    agency = ma.fields.String(allow_none=True, metadata={
        "description": "the agency whose book it is (the one asked for, else the caller's home agency)"})
    agency_code = ma.fields.String(allow_none=True)
    period = ma.fields.Nested(TrackingBookPeriodOut)
    printed_at = LocalDateTime(metadata={"description": "the moment the notes (column 13) are judged at"})
    total = ma.fields.Integer(metadata={"description": "dossiers (sets) in the book"})
    rows = ma.fields.List(ma.fields.Nested(TrackingBookRowOut))
