"""``POST /api/v1/process-definitions/from-steps``: a decision's step table becomes a BPMN draft."""
from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from app.authoring import schemas, service
from app.authoring.step_table import TableIssue
from app.clock import utcnow
from app.errors import BadRequest, UnsupportedMediaType
from app.extensions import db
from app.identity import current_officer

blp = Blueprint("authoring", __name__, url_prefix="/api/v1",
                description="Soạn quy trình từ bảng các bước của quyết định (authoring from a step table)")

FILE_TYPES = {"text/csv", "application/csv", "text/plain",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _limits() -> service.Limits:
    config = current_app.config
    return service.Limits(
        max_rows=int(config.get("AUTHORING_MAX_ROWS", service.tabular.DEFAULT_MAX_ROWS)),
        max_bytes=int(config.get("AUTHORING_MAX_BYTES", service.tabular.DEFAULT_MAX_BYTES)),
        max_uncompressed=int(config.get("AUTHORING_XLSX_MAX_UNCOMPRESSED",
                                        service.tabular.DEFAULT_MAX_UNCOMPRESSED)),
        bpmn_max_bytes=int(config["BPMN_MAX_BYTES"]))


def _query_meta() -> dict[str, Any]:
    """Metadata from the query string; ``legal_basis`` may repeat, any other repeated name is refused."""
    return {name: values if name == "legal_basis" or len(values) > 1 else values[0]
            for name, values in request.args.to_dict(flat=False).items()}


def _table_and_meta(limits: service.Limits):
    if request.mimetype == "application/json":
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise BadRequest(code="invalid_json")
        extra = sorted(set(body) - {"meta", "steps"}) + (["?" + k for k in request.args] if request.args else [])
        if extra:
            raise service.table_refused([TableIssue(None, name, "unknown_field",
                                               f"Trường {name!r} không được nhận; siêu dữ liệu đặt trong 'meta'.",
                                               f"Unknown field {name!r}; metadata goes in 'meta'.")
                                    for name in extra])
        meta = service.load_meta(body.get("meta"), prefix="meta.")
        return meta, service.read_source(fmt="json", payload=body.get("steps"), limits=limits)
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise BadRequest("Thiếu trường 'file' chứa bảng quy trình (.csv hoặc .xlsx).",
                             detail_en="Missing the 'file' field with the step table (.csv or .xlsx).")
        data, filename, mimetype = upload.read(limits.max_bytes + 1), upload.filename, upload.mimetype
    elif request.mimetype in FILE_TYPES:
        data, filename, mimetype = request.get_data(cache=False), None, request.mimetype
    else:
        raise UnsupportedMediaType("Gửi bảng quy trình dạng JSON, CSV (text/csv) hoặc tệp .xlsx (multipart 'file').",
                                   detail_en="Send the step table as JSON, CSV (text/csv) or an .xlsx file "
                                             "(multipart 'file').")
    meta = service.load_meta(_query_meta())
    table = service.read_source(fmt="auto", payload=data, limits=limits, filename=filename, mimetype=mimetype)
    return meta, table


@blp.route("/process-definitions/from-steps")
class FromSteps(MethodView):
    @blp.doc(requestBody=schemas.REQUEST_BODY, parameters=schemas.QUERY_PARAMETERS)
    @blp.response(201, schemas.FromStepsOut)
    def post(self):
        """Build a BPMN draft from a step table (JSON, CSV or XLSX); 4xx lists each problem by row and column."""
        limits = _limits()
        meta, table = _table_and_meta(limits)
        return service.draft_from_steps(session=db.session, meta=meta, table=table, now=utcnow(),
                                        officer=current_officer(), limits=limits)
