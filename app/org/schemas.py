"""Payloads of the organisation endpoints. Input schemas refuse unknown fields."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api import ChangeSchema, LocalDateTime, StrictSchema
from app.org.models import AGENCY_KINDS, RECEPTION_SCOPES, ROLES, UNIT_KINDS
from app.org.passwords import MIN_PASSWORD_LENGTH

CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
                       error="Mã chỉ gồm chữ, số, dấu chấm, gạch ngang, gạch dưới (tối đa 64 ký tự).")
NAME = validate.Length(min=1, max=255)
USERNAME = validate.Regexp(r"^[a-z0-9][a-z0-9._-]{1,63}$",
                           error="Tên đăng nhập: chữ thường không dấu, số, '.', '_', '-' (2–64 ký tự).")


class AgencyIn(StrictSchema):
    code = ma.fields.String(required=True, validate=CODE)
    name = ma.fields.String(required=True, validate=NAME)
    kind = ma.fields.String(load_default="other", validate=validate.OneOf(AGENCY_KINDS))
    place = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=128),
                             metadata={"description": "place name of its papers' date line (địa danh); null: the parent's"})
    parent_id = ma.fields.Integer(load_default=None, allow_none=True)


class AgencyPatch(ChangeSchema):
    name = ma.fields.String(validate=NAME)
    kind = ma.fields.String(validate=validate.OneOf(AGENCY_KINDS))
    place = ma.fields.String(allow_none=True, validate=validate.Length(min=1, max=128))
    parent_id = ma.fields.Integer(allow_none=True)


class AgencyOut(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    kind = ma.fields.String()
    place = ma.fields.String(allow_none=True)
    parent_id = ma.fields.Integer(allow_none=True)
    created_at = LocalDateTime()


class AgencyQuery(StrictSchema):
    parent_id = ma.fields.Integer()
    q = ma.fields.String(validate=validate.Length(max=100))


class UnitIn(StrictSchema):
    code = ma.fields.String(required=True, validate=CODE)
    name = ma.fields.String(required=True, validate=NAME)
    kind = ma.fields.String(load_default="division", validate=validate.OneOf(UNIT_KINDS))
    agency_id = ma.fields.Integer(required=True)
    reception_scope = ma.fields.String(load_default="agency", validate=validate.OneOf(RECEPTION_SCOPES), metadata={
        "description": "agency: the desk receives its agency tree's procedures; province: any published procedure "
                       "of its province, routed to the competent agency (Decree 118/2025)"})


class UnitPatch(ChangeSchema):
    name = ma.fields.String(validate=NAME)
    kind = ma.fields.String(validate=validate.OneOf(UNIT_KINDS))
    reception_scope = ma.fields.String(validate=validate.OneOf(RECEPTION_SCOPES), metadata={
        "description": "agency: the desk receives its agency tree's procedures; province: any published procedure "
                       "of its province, routed to the competent agency (Decree 118/2025)"})


class UnitOut(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    kind = ma.fields.String()
    agency_id = ma.fields.Integer()
    reception_scope = ma.fields.String()
    created_at = LocalDateTime()


class UnitQuery(StrictSchema):
    agency_id = ma.fields.Integer()


class OfficerIn(StrictSchema):
    username = ma.fields.String(required=True, validate=USERNAME)
    full_name = ma.fields.String(required=True, validate=NAME)
    email = ma.fields.Email(load_default=None, allow_none=True)
    password = ma.fields.String(required=True, load_only=True,
                                validate=validate.Length(min=MIN_PASSWORD_LENGTH, max=256))
    #: Omitted: the first unit's agency (an agency admin's own agency when there is no unit). Null: system scope.
    agency_id = ma.fields.Integer(allow_none=True)
    unit_ids = ma.fields.List(ma.fields.Integer(), load_default=list, validate=validate.Length(max=50))
    roles = ma.fields.List(ma.fields.String(validate=validate.OneOf(ROLES)), load_default=lambda: ["officer"],
                           validate=validate.Length(max=len(ROLES)))


class OfficerPatch(ChangeSchema):
    full_name = ma.fields.String(validate=NAME)
    email = ma.fields.Email(allow_none=True)
    password = ma.fields.String(load_only=True, validate=validate.Length(min=MIN_PASSWORD_LENGTH, max=256))
    is_active = ma.fields.Boolean()
    agency_id = ma.fields.Integer(allow_none=True)
    unit_ids = ma.fields.List(ma.fields.Integer(), validate=validate.Length(max=50))
    roles = ma.fields.List(ma.fields.String(validate=validate.OneOf(ROLES)), validate=validate.Length(max=len(ROLES)))


class OfficerUnitOut(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()


class OfficerOut(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    full_name = ma.fields.String()
    email = ma.fields.String(allow_none=True)
    is_active = ma.fields.Boolean()
    agency_id = ma.fields.Integer(allow_none=True)
    roles = ma.fields.List(ma.fields.String())
    units = ma.fields.List(ma.fields.Nested(OfficerUnitOut))
    created_at = LocalDateTime()
    updated_at = LocalDateTime()


class OfficerQuery(StrictSchema):
    unit_id = ma.fields.Integer()
    agency_id = ma.fields.Integer()
    role = ma.fields.String(validate=validate.OneOf(ROLES))
