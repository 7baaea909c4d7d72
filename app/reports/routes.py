"""``/api/v1/reports/…``: summary (form II.06a), steps, officers, overdue now, and the flat step export.

Each report answers JSON, CSV or XLSX (``?format=``); files are streamed. Leaders see their units and
agencies only (:func:`app.reports.service.scope_for`); auditors and admins see everything.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import Response, current_app, jsonify, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint

from app.api import printable
from app.clock import utcnow
from app.extensions import db
from app.identity import current_officer
from app.printing.answer import pdf_answer, render_pdf
from app.reports import export, rollup, satisfaction, schemas, service, tracking_book
from app.scheduler.runner import ROLLUP, register_tick_handler

blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports",
                description="Báo cáo, thống kê cho lãnh đạo (reports for leaders)")
register_tick_handler("report_rollup", rollup.tick, order=ROLLUP)  # builds the daily step rollup once a day is over

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FILE_DOC = {"responses": {"200": {"description": "JSON, or the report as a file (?format=csv|xlsx)", "content": {
    "application/json": {"schema": {"type": "object"}},
    CONTENT_TYPES["csv"]: {"schema": {"type": "string"}},
    CONTENT_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
}}}}


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Ho_Chi_Minh"))


def jsonable(value: Any, tz: ZoneInfo) -> Any:
    """Datetimes as ISO 8601 in the service timezone, as every other endpoint writes them."""
    if isinstance(value, datetime):
        return value.astimezone(tz).isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v, tz) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v, tz) for v in value]
    return value


def _context(query: dict[str, Any]) -> tuple:
    now = utcnow()
    scope = service.scope_for(session=db.session, officer=current_officer())
    f = service.filters(session=db.session, scope=scope, agency=query.get("agency"), unit=query.get("unit"),
                        procedure=query.get("procedure"))
    return now, f


def _period(query: dict[str, Any], now: datetime) -> service.Period:
    return service.period(first=query.get("first"), last=query.get("last"), now=now,
                          tz=current_app.config.get("TIMEZONE", "Asia/Ho_Chi_Minh"),
                          max_days=int(current_app.config.get("REPORT_MAX_DAYS", 731)))


def answer(fmt: str, name: str, report: dict[str, Any] | None, table, title: str) -> Response:
    """JSON, or the (headings, rows) ``table`` streamed as CSV or XLSX."""
    tz = _tz()
    if fmt == "json":
        return jsonify(jsonable(report, tz))
    headings, rows = table
    filename = f"{name}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "X-Content-Type-Options": "nosniff"}
    if fmt == "csv":
        body = stream_with_context(export.csv_chunks(headings, rows, tz=tz))
    else:
        body = export.file_chunks(export.xlsx_file(headings, rows, title=title, tz=tz))
    return Response(body, status=200, content_type=CONTENT_TYPES[fmt], headers=headers)


def _suffix(p: service.Period) -> str:
    return f"{p.first.isoformat()}_{p.last.isoformat()}"


@blp.route("/summary")
class Summary(MethodView):
    @blp.arguments(schemas.SummaryQuery, location="query", unknown=ma.RAISE)
    @blp.doc(**FILE_DOC)
    def get(self, query):
        """Received (online, direct/postal, carried over), resolved (early, on time, late), in progress, per group."""
        now, f = _context(query)
        p = _period(query, now)
        report = service.summary(session=db.session, f=f, p=p, group_by=query.get("group_by"), now=now)
        return answer(query["format"], f"bao-cao-tong-hop_{_suffix(p)}", report,
                      None if query["format"] == "json" else export.summary_table(report),
                      f"Tình hình giải quyết hồ sơ từ {p.first:%d/%m/%Y} đến {p.last:%d/%m/%Y}")


@blp.route("/satisfaction")
class Satisfaction(MethodView):
    @blp.arguments(schemas.SatisfactionQuery, location="query", unknown=ma.RAISE)
    @blp.doc(**FILE_DOC)
    def get(self, query):
        """The applicants' ratings: count, mean per criterion and overall, satisfied rate and low ones, per group."""
        now, f = _context(query)
        p = _period(query, now)
        report = satisfaction.report(session=db.session, f=f, p=p, group_by=query.get("group_by"))
        return answer(query["format"], f"muc-do-hai-long_{_suffix(p)}", report,
                      None if query["format"] == "json" else satisfaction.table(report),
                      f"Mức độ hài lòng từ {p.first:%d/%m/%Y} đến {p.last:%d/%m/%Y}")


@blp.route("/steps")
class Steps(MethodView):
    @blp.arguments(schemas.PeriodQuery, location="query", unknown=ma.RAISE)
    @blp.doc(**FILE_DOC)
    def get(self, query):
        """Per step of a procedure: count, median and p90 working hours against the limit, late rate, bottleneck."""
        now, f = _context(query)
        p = _period(query, now)
        report = service.steps(session=db.session, f=f, p=p)
        return answer(query["format"], f"bao-cao-buoc_{_suffix(p)}", report,
                      None if query["format"] == "json" else export.steps_table(report),
                      f"Thời gian xử lý theo bước từ {p.first:%d/%m/%Y} đến {p.last:%d/%m/%Y}")


@blp.route("/officers")
class Officers(MethodView):
    @blp.arguments(schemas.PeriodQuery, location="query", unknown=ma.RAISE)
    @blp.doc(**FILE_DOC)
    def get(self, query):
        """Per officer: steps handled (early, on time, late), working hours against limits, open and overdue now."""
        now, f = _context(query)
        p = _period(query, now)
        report = service.officers(session=db.session, f=f, p=p, now=now)
        return answer(query["format"], f"bao-cao-can-bo_{_suffix(p)}", report,
                      None if query["format"] == "json" else export.officers_table(report),
                      f"Kết quả xử lý theo cán bộ từ {p.first:%d/%m/%Y} đến {p.last:%d/%m/%Y}")


@blp.route("/overdue")
class Overdue(MethodView):
    @blp.arguments(schemas.OverdueQuery, location="query", unknown=ma.RAISE)
    @blp.doc(**FILE_DOC)
    def get(self, query):
        """Steps and dossiers overdue now, by unit and officer, with how late in working hours."""
        now, f = _context(query)
        report = service.overdue(session=db.session, f=f, now=now)
        return answer(query["format"], f"qua-han_{now.astimezone(_tz()):%Y-%m-%d}", report,
                      None if query["format"] == "json" else export.overdue_table(report),
                      f"Hồ sơ, bước quá hạn lúc {now.astimezone(_tz()):%H:%M %d/%m/%Y}")


@blp.route("/step-rows")
class StepRows(MethodView):
    @blp.arguments(schemas.StepRowsQuery, location="query", unknown=ma.RAISE)
    @blp.doc(**FILE_DOC)
    def get(self, query):
        """Every step started in the period, one row each (CSV or XLSX), streamed from a server-side cursor."""
        now, f = _context(query)
        p = _period(query, now)
        rows = service.step_rows(session=db.session, f=f, p=p)
        return answer(query["format"], f"cac-buoc_{_suffix(p)}", None, export.step_rows_table(rows),
                      f"Các bước xử lý từ {p.first:%d/%m/%Y} đến {p.last:%d/%m/%Y}")


TRACKING_BOOK_DOC = {"responses": {"200": {"description": "Form 07 as JSON, XLSX (?format=xlsx) or a printable page "
                                                         "(?format=html) or PDF (?format=pdf)", "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/TrackingBookOut"}},
    CONTENT_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
    "text/html; charset=utf-8": {"schema": {"type": "string"}},
    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
}}}}


@blp.route("/tracking-book")
class TrackingBook(MethodView):
    @blp.arguments(schemas.TrackingBookQuery, location="query", unknown=ma.RAISE)
    @blp.response(200, schemas.TrackingBookOut)
    @blp.doc(**TRACKING_BOOK_DOC)
    def get(self, query):
        """Form 07 (Sổ theo dõi hồ sơ): one row per dossier received in the period, every column of the form.

        Scoped as the other reports: ``agency`` (a code, with the agencies below it), ``unit``, ``procedure``;
        a leader or clerk sees their agencies' dossiers only. Rules of columns 9–13: :mod:`app.reports.tracking_book`.
        """
        now, f = _context(query)
        p = _period(query, now)
        agency = tracking_book.heading_agency(session=db.session, agency=query.get("agency"),
                                              officer=current_officer(), reads_all=f.scope is None)
        book = tracking_book.book(session=db.session, f=f, p=p, now=now, agency=agency)
        tz = _tz()
        if query["format"] in ("html", "pdf"):
            page = {"b": book, "rows": tracking_book.page_rows(book, tz), "columns": tracking_book.COLUMNS,
                    "date_columns": tracking_book.DATE_COLUMNS, "printed_at": tracking_book.local(now, tz)}
            if query["format"] == "html":
                return printable("tracking_book.html", **page)
            return pdf_answer(render_pdf("tracking_book.html", landscape=True, **page),
                              tracking_book.filename(p, "pdf"))
        if query["format"] == "xlsx":
            headers = {"Content-Disposition": f'attachment; filename="{tracking_book.filename(p, "xlsx")}"',
                       "X-Content-Type-Options": "nosniff"}
            return Response(export.file_chunks(tracking_book.xlsx_file(book, tz=tz)), status=200,
                            content_type=CONTENT_TYPES["xlsx"], headers=headers)
        return book
