"""Payloads of ``POST /api/v1/process-definitions/from-steps``."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api import StrictSchema
from app.authoring.step_table import KINDS
from app.definitions.schemas import ComponentIn, VersionOut


def _amount(value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ma.ValidationError("Cần số hoặc chữ, ví dụ 10.5 hay '10,5 ngày'. / A number or a text is required.")


class StepTableMetaIn(StrictSchema):
    """What the decision says about the procedure (query parameters for CSV/XLSX, ``meta`` for JSON)."""

    key = ma.fields.String(required=True, validate=validate.Length(min=1, max=128),
                           metadata={"description": "BPMN process id, ASCII snake_case (stable across versions)"})
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=500),
                            metadata={"description": "Vietnamese name of the procedure"})
    code = ma.fields.String(load_default="", validate=validate.Length(max=64),
                            metadata={"description": "National procedure code (mã TTHC)"})
    agency = ma.fields.String(load_default="", validate=validate.Length(max=64),
                              metadata={"description": "Code of the owning agency; lanes are matched to its units"})
    kind = ma.fields.String(load_default="internal", validate=validate.OneOf(KINDS))
    unit = ma.fields.String(load_default=None, allow_none=True, validate=validate.OneOf(("day", "hour")),
                            metadata={"description": "Unit of plain numbers in the time column"})
    declared_total = ma.fields.Raw(load_default=None, allow_none=True, validate=_amount,
                                   metadata={"description": "Total the decision declares (e.g. 10.5 or '168 giờ')"})
    phase_totals = ma.fields.Dict(keys=ma.fields.String(validate=validate.Length(min=1, max=64)),
                                  values=ma.fields.Raw(validate=_amount), load_default=dict,
                                  metadata={"description": "Declared total of each phase (JSON only)"})
    decision_number = ma.fields.String(load_default="", validate=validate.Length(max=128),
                                       metadata={"description": "e.g. 2028/QĐ-UBND"})
    decision_date = ma.fields.Date(load_default=None, allow_none=True)
    components = ma.fields.List(ma.fields.Nested(ComponentIn), load_default=list, validate=validate.Length(max=100),
                                metadata={"description": "JSON only: the dossier's components (thành phần hồ sơ) "
                                                         "and results, as `PUT …/versions/{n}/components` takes them"})
    legal_basis = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=1000)),
                                 validate=validate.Length(max=20), load_default=list)


#: Query parameters of a CSV/XLSX upload (documentation; parsed by the service to report every issue).
QUERY_PARAMETERS = [
    {"in": "query", "name": name, "required": name in ("key", "name"), "schema": schema,
     "description": description}
    for name, schema, description in (
        ("key", {"type": "string"}, "BPMN process id, ASCII snake_case"),
        ("name", {"type": "string"}, "Vietnamese name of the procedure"),
        ("code", {"type": "string"}, "National procedure code (mã TTHC)"),
        ("agency", {"type": "string"}, "Code of the owning agency"),
        ("kind", {"type": "string", "enum": list(KINDS)}, "internal by default"),
        ("unit", {"type": "string", "enum": ["day", "hour"]}, "Unit of plain numbers in the time column"),
        ("declared_total", {"type": "string"}, "Total the decision declares"),
        ("decision_number", {"type": "string"}, "e.g. 2028/QĐ-UBND"),
        ("decision_date", {"type": "string", "format": "date"}, "Date of the decision"),
        ("legal_basis", {"type": "array", "items": {"type": "string"}}, "Repeat for several"),
    )
]

REQUEST_BODY = {"required": True, "content": {
    "application/json": {"schema": {"type": "object", "properties": {
        "meta": {"type": "object"}, "steps": {"type": "array", "items": {"type": "object"}}}}},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": ".csv (UTF-8) or .xlsx"}}}},
    "text/csv": {"schema": {"type": "string"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string",
                                                                                      "format": "binary"}},
}}


class TableIssueOut(ma.Schema):
    row = ma.fields.Integer(allow_none=True, metadata={"description": "1-based step row; null = the procedure"})
    column = ma.fields.String(allow_none=True)
    line = ma.fields.Integer(allow_none=True, metadata={"description": "line of the CSV / row of the sheet"})
    code = ma.fields.String()
    severity = ma.fields.String()
    message = ma.fields.String()
    message_en = ma.fields.String()


class UnboundLaneOut(ma.Schema):
    lane_id = ma.fields.String()
    name = ma.fields.String()


class FromStepsOut(VersionOut):
    """The stored draft version, plus what the table says that a designer must look at."""

    table_warnings = ma.fields.List(ma.fields.Nested(TableIssueOut))
    unbound_lanes = ma.fields.List(ma.fields.Nested(UnboundLaneOut),
                                   metadata={"description": "lanes whose unit is chosen at publish time"})
