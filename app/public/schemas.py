"""Public lookup shapes: only what an applicant may see — no officer names, no applicant data."""
from __future__ import annotations

import marshmallow as ma

from app.api import LocalDateTime, StrictSchema


class LookupQuery(StrictSchema):
    secret = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=256))


class PublicStepOut(ma.Schema):
    step = ma.fields.String(allow_none=True)
    name = ma.fields.String()
    unit = ma.fields.String(allow_none=True)
    started_at = LocalDateTime()
    completed_at = LocalDateTime(allow_none=True)
    result = ma.fields.String(allow_none=True)


class PublicResultOut(ma.Schema):
    """A result the applicant may download (``…/results/{id}/content?secret=…``)."""

    id = ma.fields.Integer()
    name = ma.fields.String()
    size = ma.fields.Integer()
    signed = ma.fields.Boolean(metadata={"description": "carries a valid, trusted digital signature"})


class PublicDossierOut(ma.Schema):
    code = ma.fields.String()
    procedure = ma.fields.String()
    agency = ma.fields.String()
    status = ma.fields.String()
    received_at = LocalDateTime()
    due_at = LocalDateTime(allow_none=True)
    finished_at = LocalDateTime(allow_none=True)
    result = ma.fields.String(allow_none=True)
    current_units = ma.fields.List(ma.fields.String())
    steps_done = ma.fields.List(ma.fields.Nested(PublicStepOut))
    results = ma.fields.List(ma.fields.Nested(PublicResultOut))
