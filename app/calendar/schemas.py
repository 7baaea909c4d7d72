"""Payloads of the calendar endpoints. Input schemas refuse unknown fields; datetimes need an offset."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api import ChangeSchema, LocalDateTime, StrictSchema
from app.calendar.durations import DURATION_PATTERN
from app.calendar.model import COMPLETION_RULES, MAX_YEAR, MIN_YEAR
from app.calendar.models import OVERRIDE_KINDS


class DueDateQuery(StrictSchema):
    agency = ma.fields.Integer(load_default=None, allow_none=True, metadata={"description": "agency id; none: national"})
    start = LocalDateTime(required=True, metadata={"description": "reception moment, ISO 8601 with offset"})
    # pattern and year bounds are documented here and enforced by the service, which names the problem
    # (invalid_duration, year_out_of_range) instead of a generic mismatch
    duration = ma.fields.String(required=True, validate=validate.Length(min=1, max=40),
                                metadata={"description": "working duration, ISO 8601 (P1D = 8 h, PT4H, P0.5D)",
                                          "pattern": DURATION_PATTERN})


class DueDateOut(ma.Schema):
    agency_id = ma.fields.Integer(allow_none=True)
    start = LocalDateTime()
    reception_start = LocalDateTime(metadata={"description": "start after the 15:00 rule and session snapping"})
    due_at = LocalDateTime()
    duration = ma.fields.String()
    working_time = ma.fields.String(metadata={"description": "working time from start to due_at"})
    working_days = ma.fields.Float()
    calendar_elapsed_hours = ma.fields.Float()


class DaysQuery(StrictSchema):
    agency = ma.fields.Integer(load_default=None, allow_none=True)
    year = ma.fields.Integer(required=True, metadata={"minimum": MIN_YEAR, "maximum": MAX_YEAR})


class DayOut(ma.Schema):
    day = ma.fields.Date()
    weekday = ma.fields.Integer(metadata={"description": "ISO weekday, 1 = Monday"})
    source = ma.fields.String(metadata={"description": "holidays_package or override"})
    name = ma.fields.String(allow_none=True)
    override_id = ma.fields.Integer(allow_none=True)
    agency_id = ma.fields.Integer(allow_none=True)
    decision = ma.fields.String(allow_none=True)
    note = ma.fields.String(allow_none=True)


class DaysOut(ma.Schema):
    agency_id = ma.fields.Integer(allow_none=True)
    year = ma.fields.Integer()
    days_off = ma.fields.List(ma.fields.Nested(DayOut))
    extra_working_days = ma.fields.List(ma.fields.Nested(DayOut))


class OverrideIn(StrictSchema):
    day = ma.fields.Date(load_default=None)
    day_from = ma.fields.Date(load_default=None)
    day_to = ma.fields.Date(load_default=None)
    kind = ma.fields.String(required=True, validate=validate.OneOf(OVERRIDE_KINDS))
    decision = ma.fields.String(required=True, validate=validate.Length(min=3, max=2000))
    note = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class OverrideQuery(StrictSchema):
    year = ma.fields.Integer(metadata={"minimum": MIN_YEAR, "maximum": MAX_YEAR})


class OverrideOut(ma.Schema):
    id = ma.fields.Integer()
    agency_id = ma.fields.Integer(allow_none=True)
    day = ma.fields.Date()
    kind = ma.fields.String()
    decision = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    created_by = ma.fields.Integer(allow_none=True)
    created_at = LocalDateTime()


def _day_sessions() -> ma.fields.List:
    """One weekday's sessions: up to four ["HH:MM", "HH:MM"] pairs (order and overlap: the service)."""
    bound = ma.fields.String(validate=validate.Regexp(r"^\d\d:\d\d$"))
    return ma.fields.List(ma.fields.List(bound, validate=validate.Length(equal=2)), validate=validate.Length(max=4))


#: The week, weekday "0" (Monday) … "6" (Sunday); a weekday left out has no session.
WeekSessionsIn = StrictSchema.from_dict({str(i): _day_sessions() for i in range(7)}, name="WeekSessionsIn")


class SettingsIn(ChangeSchema):
    sessions = ma.fields.Nested(WeekSessionsIn, allow_none=True, metadata={
        "description": "weekday 0 (Monday)..6 → up to four [\"HH:MM\", \"HH:MM\"] sessions, ordered, not overlapping"})
    reception_cutoff = ma.fields.String(allow_none=True, validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$"),
                                       metadata={"description": "HH:MM, after the week's first session starts"})
    completion_rule = ma.fields.String(allow_none=True, validate=validate.OneOf(COMPLETION_RULES))


class SettingsValues(ma.Schema):
    sessions = ma.fields.Dict(allow_none=True)
    reception_cutoff = ma.fields.String(allow_none=True)
    completion_rule = ma.fields.String(allow_none=True)


class SettingsOut(ma.Schema):
    agency_id = ma.fields.Integer()
    own = ma.fields.Nested(SettingsValues)
    effective = ma.fields.Nested(SettingsValues)
