"""Payloads of pause, resume and extension (the deadline block on steps and dossiers: ``app.dossiers.schemas.DeadlineOut``)."""
from __future__ import annotations

import marshmallow as ma
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
