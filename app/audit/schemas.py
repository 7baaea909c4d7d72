"""Audit API shapes: the query filters and one event."""
from __future__ import annotations

import marshmallow as ma

from app.api import LocalDateTime, StrictSchema


class AuditQuery(StrictSchema):

    actor = ma.fields.String(metadata={"description": "username of the actor"})
    actor_id = ma.fields.Integer()
    action = ma.fields.String(metadata={"description": "exact action, or a prefix ending in '.' (``step.``)"})
    object_type = ma.fields.String()
    object_id = ma.fields.String()
    outcome = ma.fields.String(validate=ma.validate.OneOf(("allowed", "denied")))
    at_from = LocalDateTime(data_key="from", metadata={"description": "at or after (ISO 8601 with zone)"})
    at_to = LocalDateTime(data_key="to", metadata={"description": "before (ISO 8601 with zone)"})


class AuditEventOut(ma.Schema):
    id = ma.fields.Integer()
    at = LocalDateTime()
    actor_id = ma.fields.Integer(allow_none=True)
    actor_username = ma.fields.String(allow_none=True)
    actor_roles = ma.fields.String(allow_none=True)
    action = ma.fields.String()
    outcome = ma.fields.String()
    object_type = ma.fields.String()
    object_id = ma.fields.String()
    summary = ma.fields.String()
    before = ma.fields.Raw(allow_none=True)
    after = ma.fields.Raw(allow_none=True)
    request_id = ma.fields.String(allow_none=True)
    client_address = ma.fields.String(allow_none=True)
