"""Payloads of the token, session and API-key endpoints."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api import LocalDateTime, StrictSchema
from app.org.models import ROLES
from app.org.passwords import MIN_PASSWORD_LENGTH
from app.org.schemas import OfficerOut


class TokenIn(StrictSchema):
    username = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = ma.fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))


class RefreshIn(StrictSchema):
    refresh_token = ma.fields.String(required=True, validate=validate.Length(min=10, max=256))


class TokenOut(ma.Schema):
    access_token = ma.fields.String()
    token_type = ma.fields.String(dump_default="Bearer")
    expires_in = ma.fields.Integer()
    refresh_token = ma.fields.String()
    officer = ma.fields.Nested(OfficerOut)


class PasswordChangeIn(StrictSchema):
    current_password = ma.fields.String(required=True, load_only=True)
    new_password = ma.fields.String(required=True, load_only=True,
                                    validate=validate.Length(min=MIN_PASSWORD_LENGTH, max=256))


class ApiKeyIn(StrictSchema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=128))
    officer_id = ma.fields.Integer(required=True)
    roles = ma.fields.List(ma.fields.String(validate=validate.OneOf(ROLES)), validate=validate.Length(max=len(ROLES)),
                           metadata={"description": "Some of the officer's roles; omitted: all of them"})
    expires_at = LocalDateTime(metadata={"description": "After this the key is refused; omitted: no expiry"})
    topics = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=255)), validate=validate.Length(
        min=1, max=100), metadata={"description": "A worker's key: the external-task topics it may serve; omitted: any"})


class ApiKeyOwnerOut(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    full_name = ma.fields.String()
    agency_id = ma.fields.Integer(allow_none=True)


class ApiKeyOut(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    officer_id = ma.fields.Integer()
    officer = ma.fields.Nested(ApiKeyOwnerOut, metadata={"description": "Whom the key acts as"})
    roles = ma.fields.List(ma.fields.String(), attribute="role_list", allow_none=True,
                           metadata={"description": "Roles the key may use; null: all of its officer's"})
    topics = ma.fields.List(ma.fields.String(), attribute="topic_list", allow_none=True)
    prefix = ma.fields.String()
    created_at = LocalDateTime()
    expires_at = LocalDateTime(allow_none=True)
    revoked_at = LocalDateTime(allow_none=True)
    last_used_at = LocalDateTime(allow_none=True)


class ApiKeyCreatedOut(ApiKeyOut):
    key = ma.fields.String(metadata={"description": "Shown once; only its digest is kept."})
