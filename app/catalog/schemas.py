"""Payloads of ``/api/v1/procedures/review-due`` and ``/api/v1/procedures/export``."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api import StrictSchema
from app.definitions.schemas import CatalogAgencyOut

EXPORT_FORMATS = ("csv", "xlsx", "html")


class ReviewDueQuery(StrictSchema):
    agency = ma.fields.String(validate=validate.Length(min=1, max=64),
                              metadata={"description": "agency code; includes its child agencies"})
    as_of = ma.fields.Date(metadata={"description": "day of the review (default: today)"})


class ReviewDueOut(ma.Schema):
    key = ma.fields.String()
    code = ma.fields.String(allow_none=True)
    name = ma.fields.String()
    kind = ma.fields.String()
    agency = ma.fields.Nested(CatalogAgencyOut, allow_none=True)
    version = ma.fields.Integer()
    decision_number = ma.fields.String(allow_none=True)
    decision_date = ma.fields.Date(allow_none=True)
    effective_date = ma.fields.Date(allow_none=True)
    last_published = ma.fields.Date(metadata={"description": "effective date of the published version"})
    review_months = ma.fields.Integer(metadata={"description": "the agency's review period"})
    review_due_date = ma.fields.Date()
    days_overdue = ma.fields.Integer()
    months_overdue = ma.fields.Integer()


class ExportQuery(StrictSchema):
    format = ma.fields.String(load_default="csv", validate=validate.OneOf(EXPORT_FORMATS))
    agency = ma.fields.String(validate=validate.Length(min=1, max=64),
                              metadata={"description": "agency code; includes its child agencies"})
