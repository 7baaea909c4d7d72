"""The flask-smorest ``Api``, taught to speak problem+json, and schema helpers shared by capabilities."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import marshmallow as ma
from apispec import BasePlugin
from flask import Response, current_app, render_template, request
from flask_smorest import Api
from marshmallow import validate
from werkzeug.routing import IntegerConverter

from app import errors


class Int64Converter(IntegerConverter):
    """``<int:…>`` bounded to a signed 64-bit integer (the documented ``maximum`` follows)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = 2**63 - 1, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class Problem(ma.Schema):
    """What every error body is (RFC 9457 problem+json), as documented in the OpenAPI spec.

    Extension members (``warnings``, ``current_etag``…) are allowed, as RFC 9457 says.
    """

    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(metadata={"description": "URI of the problem type"})
    title = ma.fields.String()
    status = ma.fields.Integer()
    code = ma.fields.String(metadata={"description": "Stable machine-readable code"})
    detail = ma.fields.String()
    instance = ma.fields.String(allow_none=True)
    errors = ma.fields.Raw(metadata={"description": "Per field (or per BPMN element) errors"})


class SchemaRulesPlugin(BasePlugin):
    """Say in the OpenAPI document the rules a schema class enforces beyond its fields: a change body
    (:class:`ChangeSchema`) needs at least one field, so generated clients and fuzzers know ``{}`` is a 422."""

    def schema_helper(self, name, definition, **kwargs):
        schema = kwargs.get("schema")
        schema_class = schema if isinstance(schema, type) else type(schema)
        if isinstance(schema_class, type) and issubclass(schema_class, ChangeSchema):
            return {"minProperties": 1}
        return None


def _nullable_reference(self, field: ma.fields.Field, ret: dict, **_kwargs) -> dict:
    """A nullable nested schema in OpenAPI 3.0 is ``allOf: [$ref], nullable: true``.

    apispec writes ``anyOf: [{type: object, nullable: true}, $ref]``, whose first branch admits *any* object:
    a client (or a fuzzer) trusting the document would send keys the nested schema refuses.
    """
    branches = ret.get("anyOf")
    if isinstance(branches, list) and {"type": "object", "nullable": True} in branches:
        refs = [b for b in branches if b != {"type": "object", "nullable": True}]
        if len(refs) == 1:
            del ret["anyOf"]
            ret["allOf"], ret["nullable"] = refs, True
    return {}


class ProblemApi(Api):
    """flask-smorest with its error handler replaced by ours (RFC 9457 bodies)."""

    ERROR_SCHEMA = Problem

    def _init_spec(self, *, extra_plugins=None, **options):
        super()._init_spec(extra_plugins=[*(extra_plugins or ()), SchemaRulesPlugin()], **options)
        self.ma_plugin.converter.add_attribute_function(_nullable_reference)

    def init_app(self, app, *args, **kwargs):  # flask-smorest's signature
        # ids are 64-bit in the database: a longer number in a path is a 404, not an overflow (500)
        app.url_map.converters["int"] = Int64Converter
        return super().init_app(app, *args, **kwargs)

    def handle_http_exception(self, error):
        return errors.handle_http_exception(error)

    def _register_pagination_header(self) -> None:
        """Document ``X-Pagination`` as what it is: a header whose text is a JSON object (not a schema'd value)."""
        from flask_smorest.pagination import PaginationMetadataSchema

        self.spec.components.header("PAGINATION", {
            "description": "Pagination metadata as JSON text, e.g. "
                           '{"total": 42, "total_pages": 5, "first_page": 1, "last_page": 5, "page": 1, "next_page": 2}',
            "content": {"application/json": {"schema": PaginationMetadataSchema}},
        }, lazy=True)

    def _register_responses(self) -> None:
        """Document error responses as they are sent: ``application/problem+json`` with :class:`Problem`."""
        import http

        from flask_smorest.utils import prepare_response

        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, "application/problem+json")
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, "application/problem+json")
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)



class LocalDateTime(ma.fields.DateTime):
    """Serialises aware datetimes in the service timezone (``+07:00``); parses any ISO 8601 with an offset.

    Naive input is refused: a deadline without an offset is ambiguous.
    """

    def _serialize(self, value: datetime | str | None, attr, obj, **kwargs):
        if value is None:
            return None
        if isinstance(value, str):  # a moment kept as ISO text inside a JSON column (a signature's time)
            value = datetime.fromisoformat(value)
        tz = ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Ho_Chi_Minh"))
        return value.astimezone(tz).isoformat()

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if parsed.tzinfo is None:
            raise ma.ValidationError("Cần có múi giờ (ví dụ +07:00). / A timezone offset is required.")
        return parsed


#: What the database holds: every id and count is a 64-bit integer.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _bounded(field: ma.fields.Field) -> None:
    """Give an integer field without an upper (or lower) bound the 64-bit one, through lists and dicts.

    So the OpenAPI document states it (apispec reads ``Range``) and the schema layer refuses a longer number
    (``validation_failed``) instead of the database (which could only answer ``value_out_of_range``).
    """
    if isinstance(field, ma.fields.Integer):
        ranges = [v for v in field.validators if isinstance(v, validate.Range)]
        if not any(r.max is not None for r in ranges):
            field.validators = [*field.validators, validate.Range(max=INT64_MAX)]
        if not any(r.min is not None for r in ranges):
            field.validators = [*field.validators, validate.Range(min=INT64_MIN)]
    elif isinstance(field, ma.fields.List):
        _bounded(field.inner)
    elif isinstance(field, ma.fields.Dict) and field.value_field is not None:
        _bounded(field.value_field)


class StrictSchema(ma.Schema):
    """Input schemas refuse unknown fields (marshmallow's RAISE), so typos never pass silently, and integers
    beyond 64 bits (:func:`_bounded`)."""

    class Meta:
        unknown = ma.RAISE
        ordered = True

    def on_bind_field(self, field_name: str, field_obj: ma.fields.Field) -> None:
        super().on_bind_field(field_name, field_obj)
        _bounded(field_obj)


class ChangeSchema(StrictSchema):
    """A PATCH body: every field optional, but an empty body changes nothing and is a 422, not a 200."""

    @ma.validates_schema
    def _something_to_change(self, data: dict, **_kwargs) -> None:
        if not data:
            raise ma.ValidationError("Cần ít nhất một trường để thay đổi.", "_schema")


def page_of(stmt, pagination_parameters):
    """One page of a select statement for ``@blp.paginate()``: sets the item count, returns the rows.

    The statement must order by a unique key (every list's does: its sort column, then ``id``), so pages
    neither repeat nor skip rows.
    """
    from sqlalchemy import func, select

    from app.extensions import db

    pagination_parameters.item_count = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    offset = pagination_parameters.first_item
    if offset >= pagination_parameters.item_count:
        return []  # a page past the last is empty (and page × size may exceed what the database can bind)
    return list(db.session.scalars(stmt.offset(offset).limit(pagination_parameters.page_size)))


def if_match() -> int | None:
    """The ``If-Match`` ETag as a lock version (None when absent or ``*``); a malformed one answers 412."""
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    value = raw.strip().removeprefix("W/").strip('"')
    try:
        return int(value)
    except ValueError:
        raise errors.PreconditionFailed("If-Match không hợp lệ.", detail_en="Malformed If-Match header.") from None


def etag(row) -> dict[str, str]:
    """The ``ETag`` header of a row with a ``lock_version`` (a dossier): what ``If-Match`` sends back."""
    return {"ETag": f'"{row.lock_version}"'}


class FormatQuery(StrictSchema):
    """``?format=`` of a form: its data (json), its printable page (html) or its PDF (pdf)."""

    format = ma.fields.String(load_default="json", validate=validate.OneOf(("json", "html", "pdf")))


def json_or_html_doc(schema_name: str) -> dict:
    """``?format=html|pdf`` answers the printable form: document both beside the JSON body (``@blp.doc(**…)``)."""
    return {"responses": {"200": {"description": "OK", "content": {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}},
        "text/html; charset=utf-8": {"schema": {"type": "string"}},
        "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}}


def printable(template: str, **context) -> Response:
    """A printable form (a Jinja page of the forms' ``_base.html``), UTF-8."""
    return Response(render_template(template, **context), mimetype="text/html", content_type="text/html; charset=utf-8")
