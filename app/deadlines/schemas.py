"""Payloads of pause, resume and extension, and the deadline block shown on steps and dossiers."""
from __future__ import annotations

import marshmallow as ma
from flask import g
from marshmallow import validate

from app.api import LocalDateTime, StrictSchema
from app.deadlines.models import PAUSE_KINDS


class PauseIn(StrictSchema):
    kind = ma.fields.String(required=True, validate=validate.OneOf(PAUSE_KINDS),
                            metadata={"description": "supplementation (Mẫu 02) or verification"})
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ResumeIn(StrictSchema):
    note = ma.fields.String(validate=validate.Length(max=2000))


class ExtensionIn(StrictSchema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=2000))
    new_due_at = LocalDateTime(required=True, metadata={"description": "the new date, with its offset (+07:00)"})


class DeadlineOut(ma.Schema):
    time_used_minutes = ma.fields.Integer(allow_none=True, metadata={"description": "working minutes, pauses excluded"})
    remaining_minutes = ma.fields.Integer(allow_none=True, metadata={"description": "working minutes to the due time"})
    status = ma.fields.String(allow_none=True, metadata={"description": "on_track | due_soon | overdue | paused"})
    overdue_at = LocalDateTime(allow_none=True)


_DEADLINE = DeadlineOut()  # built once: schema construction deep-copies the fields


def _calendar(agency_id: int):
    """The agency calendar, once per request (a list of fifty steps asks fifty times)."""
    from app.calendar.service import calendar_for
    from app.clock import utcnow
    from app.extensions import db

    cache = g.setdefault("_deadline_calendars", {})
    if agency_id not in cache:
        cache[agency_id] = calendar_for(db.session, agency_id, utcnow())
    return cache[agency_id]


def step_deadline(step) -> dict:
    from app.clock import utcnow
    from app.deadlines.views import step_view
    from app.extensions import db

    view = step_view(session=db.session, step=step, now=utcnow(), cal=_calendar(step.dossier.agency_id))
    return _DEADLINE.dump(view)


def dossier_deadline(dossier) -> dict:
    from app.clock import utcnow
    from app.deadlines.views import dossier_view
    from app.extensions import db

    view = dossier_view(session=db.session, dossier=dossier, now=utcnow(), cal=_calendar(dossier.agency_id))
    return _DEADLINE.dump(view)
