"""Payloads of the applicant notices: the operators' list, the channels, the templates (consent at reception is
``app.dossiers.schemas.NotifyIn``)."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api import LocalDateTime, StrictSchema
from app.applicant_notices.events import CHANNELS, EVENTS
from app.applicant_notices.models import NOTICE_STATUSES


class NoticeQuery(StrictSchema):
    status = ma.fields.String(validate=validate.OneOf(NOTICE_STATUSES), metadata={
        "description": "failed: the dead letters an operator sends again"})
    dossier_id = ma.fields.Integer()


class DeliveryOut(ma.Schema):
    attempts = ma.fields.Integer()
    last_error = ma.fields.String(allow_none=True)
    next_attempt_at = LocalDateTime()


class NoticeOut(ma.Schema):
    id = ma.fields.Integer()
    dossier_id = ma.fields.Integer()
    event = ma.fields.String()
    channel = ma.fields.String()
    recipient = ma.fields.String()
    subject = ma.fields.String()
    body = ma.fields.String()
    status = ma.fields.String()
    attempts = ma.fields.Integer()
    last_error = ma.fields.String(allow_none=True)
    provider_ref = ma.fields.String(allow_none=True)
    created_at = LocalDateTime()
    sent_at = LocalDateTime(allow_none=True)
    delivery = ma.fields.Nested(DeliveryOut, allow_none=True, metadata={
        "description": "while it is being retried: attempts, the provider's last error, the next try"})


class ChannelOut(ma.Schema):
    channel = ma.fields.String()
    name = ma.fields.String()


class TemplateIn(StrictSchema):
    event = ma.fields.String(required=True, validate=validate.OneOf(tuple(EVENTS)))
    channel = ma.fields.String(allow_none=True, validate=validate.OneOf(CHANNELS), metadata={
        "description": "omitted: every channel"})
    procedure_key = ma.fields.String(allow_none=True, validate=validate.Length(min=1, max=128), metadata={
        "description": "omitted: every procedure (of the agency, or of all agencies)"})
    agency_id = ma.fields.Integer(allow_none=True, metadata={
        "description": "omitted: every agency (system admins); a procedure's template is its agency's"})
    subject = ma.fields.String(allow_none=True, validate=validate.Length(min=1, max=300))
    body = ma.fields.String(required=True, validate=validate.Length(min=1, max=4000), metadata={
        "description": "plain text with {placeholders}: the SMS/Zalo text and the e-mail's plain-text part"})
    html = ma.fields.String(allow_none=True, validate=validate.Length(min=1, max=20000), metadata={
        "description": "the e-mail's HTML part (default: the plain text as HTML)"})


class PreviewIn(TemplateIn):
    """A template to see filled with sample values before it is saved."""


class TemplateOut(ma.Schema):
    id = ma.fields.Integer(allow_none=True)
    event = ma.fields.String()
    channel = ma.fields.String(allow_none=True)
    procedure_key = ma.fields.String(allow_none=True)
    agency_id = ma.fields.Integer(allow_none=True)
    subject = ma.fields.String(allow_none=True)
    body = ma.fields.String()
    html = ma.fields.String(allow_none=True)
    built_in = ma.fields.Boolean()
    updated_at = LocalDateTime(allow_none=True)


class EventOut(ma.Schema):
    event = ma.fields.String()
    name = ma.fields.String()
    placeholders = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())


class TemplatesOut(ma.Schema):
    events = ma.fields.List(ma.fields.Nested(EventOut))
    templates = ma.fields.List(ma.fields.Nested(TemplateOut))


class PreviewOut(ma.Schema):
    subject = ma.fields.String()
    body = ma.fields.String()
    html = ma.fields.String(allow_none=True)
