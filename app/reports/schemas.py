"""Query strings of the report endpoints; unknown parameters, groupings and formats are refused (422)."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api import StrictSchema
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
