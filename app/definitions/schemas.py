"""Payloads of ``/api/v1/process-definitions`` and the catalog ``/api/v1/procedures``."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api import LocalDateTime, StrictSchema
from app.definitions.components import (
    COMPONENT_KEY,
    COPY_KINDS,
    DEFAULT_FILE_KINDS,
    DEFAULT_MAX_BYTES,
    FILE_KINDS,
    MAX_FILE_BYTES,
)
from app.definitions.models import KINDS, RUN_STATUSES
from app.definitions.service import identity_of

KEY = validate.Regexp(r"^[A-Za-z_][A-Za-z0-9_.-]{0,127}$")


class UploadQuery(StrictSchema):
    process_id = ma.fields.String(validate=KEY, metadata={"description": "Which process of the file (default: the main executable one)"})
    replaces = ma.fields.String(validate=KEY, metadata={"description": "Key of the procedure this new one replaces"})
    code = ma.fields.String(validate=validate.Length(max=64), metadata={"description": "National procedure code (mã TTHC)"})
    name = ma.fields.String(validate=validate.Length(min=1, max=500))
    kind = ma.fields.String(validate=validate.OneOf(KINDS))
    agency_id = ma.fields.Integer()


class FormIn(ma.Schema):
    """A JSON Schema (2020-12) the step's data must meet; the service checks it (app.definitions.forms)."""

    class Meta:
        unknown = ma.INCLUDE  # a JSON Schema's keywords are its own: kept as sent, checked by the service


class ComponentIn(StrictSchema):
    """One component (thành phần hồ sơ); the service checks the list as a whole (app.definitions.components)."""

    key = ma.fields.String(required=True, validate=validate.Regexp(COMPONENT_KEY), metadata={
        "description": "what a step's `produces` property names: lowercase letters, digits, `_`"})
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=500))
    required = ma.fields.Boolean(metadata={"description": "must be handed in at reception (default false)"})
    copy_kind = ma.fields.String(validate=validate.OneOf(COPY_KINDS), metadata={"description": "default ban_chinh"})
    copies = ma.fields.Integer(validate=validate.Range(min=1, max=100), metadata={"description": "default 1"})
    file_kinds = ma.fields.List(ma.fields.String(validate=validate.OneOf(FILE_KINDS)),
                                validate=validate.Length(min=1, max=len(FILE_KINDS)),
                                metadata={"description": "kinds recognised from the bytes; default "
                                                         + ", ".join(DEFAULT_FILE_KINDS)})
    max_bytes = ma.fields.Integer(validate=validate.Range(min=1, max=MAX_FILE_BYTES),
                                  metadata={"description": f"default {DEFAULT_MAX_BYTES}"})
    result = ma.fields.Boolean(metadata={"description": "a result (kết quả) the agency returns; never required"})
    signature_required = ma.fields.Boolean(metadata={"description": "its file must carry a valid digital signature"})


class ComponentOut(ma.Schema):
    key = ma.fields.String()
    name = ma.fields.String()
    required = ma.fields.Boolean()
    copy_kind = ma.fields.String()
    copies = ma.fields.Integer()
    file_kinds = ma.fields.List(ma.fields.String())
    max_bytes = ma.fields.Integer()
    result = ma.fields.Boolean()
    signature_required = ma.fields.Boolean()


class DefinitionQuery(StrictSchema):
    agency_id = ma.fields.Integer()
    q = ma.fields.String(validate=validate.Length(max=200))


class IssueOut(ma.Schema):
    code = ma.fields.String()
    severity = ma.fields.String()
    message = ma.fields.String()
    message_en = ma.fields.String()
    element_id = ma.fields.String(allow_none=True)
    line = ma.fields.Integer(allow_none=True)
    column = ma.fields.Integer(allow_none=True)


class LaneBindingOut(ma.Schema):
    lane_id = ma.fields.String()
    lane_name = ma.fields.String(allow_none=True)
    unit_id = ma.fields.Integer()
    unit_code = ma.fields.String(attribute="unit.code")
    unit_name = ma.fields.String(attribute="unit.name")


class CommentOut(ma.Schema):
    id = ma.fields.Integer()
    author_id = ma.fields.Integer(allow_none=True)
    author_name = ma.fields.Function(lambda c: c.author.full_name if c.author else None)
    text = ma.fields.String()
    created_at = LocalDateTime()


def _days(minutes: int | None) -> float | None:
    return None if minutes is None else round(minutes / 60 / 8, 4)


class VersionOut(ma.Schema):
    key = ma.fields.Function(lambda v: v.definition.key)
    version = ma.fields.Integer()
    status = ma.fields.String()
    process_id = ma.fields.String()
    process_name = ma.fields.String(allow_none=True)
    #: The procedure's name this version brings; the definition (and the catalog) takes it when it is published.
    name = ma.fields.Function(lambda v: identity_of(v)["name"])
    filename = ma.fields.String(allow_none=True)
    bpmn_sha256 = ma.fields.String()
    is_executable = ma.fields.Boolean()
    publishable = ma.fields.Boolean()
    has_diagram = ma.fields.Boolean()
    declared_total_days = ma.fields.Function(lambda v: _days(v.declared_total_minutes))
    computed_total_days = ma.fields.Function(lambda v: _days(v.computed_total_minutes))
    total_mismatch = ma.fields.Boolean()
    errors = ma.fields.Function(lambda v: v.validation.get("errors", []))
    warnings = ma.fields.Function(lambda v: v.warnings_shown())
    lanes = ma.fields.Function(lambda v: v.lanes_shown())
    steps = ma.fields.Function(lambda v: v.validation.get("steps", []))
    legal_basis = ma.fields.List(ma.fields.String())
    forms = ma.fields.Function(lambda v: sorted(v.forms))
    components = ma.fields.List(ma.fields.Nested(ComponentOut))
    created_at = LocalDateTime()
    submitted_at = LocalDateTime(allow_none=True)
    published_at = LocalDateTime(allow_none=True)
    decision_number = ma.fields.String(allow_none=True)
    decision_date = ma.fields.Date(allow_none=True)
    effective_date = ma.fields.Date(allow_none=True)
    superseded_at = LocalDateTime(allow_none=True)
    abolished_at = LocalDateTime(allow_none=True)
    abolish_reason = ma.fields.String(allow_none=True)
    lane_bindings = ma.fields.List(ma.fields.Nested(LaneBindingOut))
    comments = ma.fields.List(ma.fields.Nested(CommentOut))


class VersionSummaryOut(ma.Schema):
    version = ma.fields.Integer()
    status = ma.fields.String()
    created_at = LocalDateTime()
    published_at = LocalDateTime(allow_none=True)


class DefinitionOut(ma.Schema):
    key = ma.fields.String()
    name = ma.fields.String()
    code = ma.fields.String(allow_none=True)
    kind = ma.fields.String()
    agency_id = ma.fields.Integer(allow_none=True)
    replaces_key = ma.fields.String(allow_none=True)
    created_at = LocalDateTime()
    versions = ma.fields.List(ma.fields.Nested(VersionSummaryOut))


class CommentIn(StrictSchema):
    text = ma.fields.String(required=True, validate=validate.Length(min=1, max=10_000))


class PublishIn(StrictSchema):
    decision_number = ma.fields.String(required=True, validate=validate.Length(min=1, max=128))
    decision_date = ma.fields.Date(required=True)
    effective_date = ma.fields.Date(load_default=None, allow_none=True)
    lane_bindings = ma.fields.Dict(keys=ma.fields.String(validate=validate.Length(max=128)),
                                   values=ma.fields.Raw(metadata={"oneOf": [{"type": "integer"}, {"type": "string"}]}),
                                   load_default=dict,
                                   metadata={"description": "lane id -> unit id or unit code"})

    @ma.validates("lane_bindings")
    def _check_bindings(self, value, **kwargs):
        for lane, unit in value.items():
            if isinstance(unit, bool) or not isinstance(unit, (int, str)):
                raise ma.ValidationError(f"{lane}: cần mã hoặc id đơn vị.")


class AbolishIn(StrictSchema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=2000))


class CatalogQuery(StrictSchema):
    agency_id = ma.fields.Integer()
    agency = ma.fields.String(metadata={"description": "agency code; includes its child agencies"})
    kind = ma.fields.String(validate=validate.OneOf(KINDS))
    #: A draft or a version under review is nothing of the catalog (no draft shows before it is published).
    status = ma.fields.String(load_default="published", validate=validate.OneOf(RUN_STATUSES))
    q = ma.fields.String(validate=validate.Length(max=200), metadata={"description": "text, with or without accents"})


class CatalogStepOut(ma.Schema):
    id = ma.fields.String()
    name = ma.fields.String(allow_none=True)
    lane_id = ma.fields.String(allow_none=True)
    unit_code = ma.fields.String(allow_none=True)
    unit_name = ma.fields.String(allow_none=True)
    time_limit = ma.fields.String(allow_none=True, metadata={"description": "ISO 8601 working time; null = not counted"})
    time_limit_days = ma.fields.Float(allow_none=True)
    produces = ma.fields.String(allow_none=True, metadata={"description": "the component the step must attach"})


class CatalogAgencyOut(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()


class CatalogEntryOut(ma.Schema):
    key = ma.fields.String()
    code = ma.fields.String(allow_none=True)
    name = ma.fields.String()
    kind = ma.fields.String()
    agency = ma.fields.Nested(CatalogAgencyOut, allow_none=True)
    replaces_key = ma.fields.String(allow_none=True)
    version = ma.fields.Integer()
    status = ma.fields.String()
    legal_basis = ma.fields.List(ma.fields.String())
    decision_number = ma.fields.String(allow_none=True)
    decision_date = ma.fields.Date(allow_none=True)
    effective_date = ma.fields.Date(allow_none=True)
    published_at = LocalDateTime(allow_none=True)
    declared_total_days = ma.fields.Float(allow_none=True)
    computed_total_days = ma.fields.Float()
    total_mismatch = ma.fields.Boolean()
    steps = ma.fields.List(ma.fields.Nested(CatalogStepOut))
    components = ma.fields.List(ma.fields.Nested(ComponentOut), metadata={
        "description": "the dossier's components (thành phần hồ sơ): the reception checklist, and the results"})
