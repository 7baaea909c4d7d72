"""Payloads of the scheduler admin endpoints."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api import LocalDateTime, StrictSchema
from app.scheduler.due_work_models import DUE_WORK_STATUSES


class DueWorkQuery(StrictSchema):
    status = ma.fields.String(validate=validate.OneOf(DUE_WORK_STATUSES))
    kind = ma.fields.String(validate=validate.Length(max=64))
    dossier_id = ma.fields.Integer()


class DueWorkOut(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    status = ma.fields.String()
    due_at = LocalDateTime()
    dossier_id = ma.fields.Integer(allow_none=True)
    step_id = ma.fields.Integer(allow_none=True)
    payload = ma.fields.Dict()
    dedupe_key = ma.fields.String()
    attempts = ma.fields.Integer()
    last_error = ma.fields.String(allow_none=True)
    lock_owner = ma.fields.String(allow_none=True)
    locked_until = LocalDateTime(allow_none=True)
    created_at = LocalDateTime(allow_none=True)
    done_at = LocalDateTime(allow_none=True)
