"""Payloads of the notification inbox."""
from __future__ import annotations

import marshmallow as ma

from app.api import LocalDateTime, StrictSchema


class InboxQuery(StrictSchema):
    unread = ma.fields.Boolean()
    dossier_id = ma.fields.Integer()


class NotificationOut(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    text = ma.fields.String()
    recipient_officer_id = ma.fields.Integer(allow_none=True)
    recipient_unit_id = ma.fields.Integer(allow_none=True)
    dossier_id = ma.fields.Integer(allow_none=True)
    step_id = ma.fields.Integer(allow_none=True)
    created_at = LocalDateTime()
    read_at = LocalDateTime(allow_none=True)
    read_by = ma.fields.Integer(allow_none=True)
    webhook_status = ma.fields.String(allow_none=True)
