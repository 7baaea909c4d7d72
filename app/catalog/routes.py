"""``/api/v1/procedures/review-due`` (yearly review) and ``/api/v1/procedures/export`` (portal catalog)."""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask import Response, current_app, stream_template, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint

from app.catalog import export, review, schemas
from app.clock import utcnow
from app.errors import NotFound
from app.extensions import db
from app.org.service import get_agency_by_code

blp = Blueprint("catalog", __name__, url_prefix="/api/v1", template_folder="templates",
                description="Danh mục: rà soát hằng năm và xuất bản danh mục (catalog review and export)")

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}


def _today() -> date:
    return utcnow().astimezone(ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Ho_Chi_Minh"))).date()


@blp.route("/procedures/review-due")
class ReviewDue(MethodView):
    @blp.arguments(schemas.ReviewDueQuery, location="query")
    @blp.response(200, schemas.ReviewDueOut(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Published procedures not reviewed within their agency's period (CATALOG_REVIEW_MONTHS), most overdue first."""
        due = review.list_review_due(session=db.session, as_of=query.get("as_of") or _today(),
                                     agency=query.get("agency"),
                                     setting=current_app.config.get("CATALOG_REVIEW_MONTHS"))
        pagination_parameters.item_count = len(due)
        first = pagination_parameters.first_item
        return due[first:first + pagination_parameters.page_size]


@blp.route("/procedures/export")
class Export(MethodView):
    @blp.arguments(schemas.ExportQuery, location="query")
    @blp.doc(responses={"200": {"description": "The catalog file", "content": {
        EXPORT_TYPES["csv"]: {"schema": {"type": "string"}},
        EXPORT_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
        EXPORT_TYPES["html"]: {"schema": {"type": "string"}},
    }}})
    def get(self, query):
        """The published catalog as CSV (UTF-8 with BOM), XLSX or printable HTML, streamed."""
        fmt, code = query["format"], query.get("agency")
        agency = get_agency_by_code(session=db.session, code=code) if code else None
        if code and agency is None:
            raise NotFound(f"Không có cơ quan mã '{code}'.", detail_en=f"No agency '{code}'.")
        today = _today()
        name = f"danh-muc-quy-trinh{'-' + code if code else ''}-{today.isoformat()}.{fmt}"
        entries = export.iter_entries(session=db.session, agency=code)
        headers = {"Content-Disposition": f'{"inline" if fmt == "html" else "attachment"}; filename="{name}"',
                   "X-Content-Type-Options": "nosniff"}
        if fmt == "csv":
            body = stream_with_context(export.csv_chunks(entries))
        elif fmt == "xlsx":
            title = "Danh mục quy trình nội bộ giải quyết thủ tục hành chính" + (f" — {agency.name}" if agency else "")
            body = export.file_chunks(export.xlsx_file(entries, title=title))
        else:
            # Plain values only: the stream runs after the request's session is closed (it opens its own).
            body = stream_template("catalog/export.html", title="Danh mục quy trình nội bộ",
                                   agency={"code": agency.code, "name": agency.name} if agency else None,
                                   exported_on=export.vn_date(today), sections=export.html_sections(entries))
        return Response(body, status=200, content_type=EXPORT_TYPES[fmt], headers=headers)
