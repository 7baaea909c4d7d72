"""Payloads of the desk's forms. Input schemas refuse unknown fields; outputs only declare."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api import LocalDateTime, StrictSchema
from app.dossiers.schemas import ApplicantIn, DocumentIn, NotifyIn, OfficerRefOut


class SupplementRequestIn(StrictSchema):
    components = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=64)), load_default=list,
                                validate=validate.Length(max=100), metadata={
                                    "description": "keys of the procedure's components that are missing"})
    items = ma.fields.List(ma.fields.String(validate=validate.Length(max=1000)), load_default=list,
                           validate=validate.Length(max=50), metadata={
                               "description": "other things to supplement or correct, in words"})
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=2000))


class SupplementAnswerIn(StrictSchema):
    note = ma.fields.String(validate=validate.Length(max=2000))


class MissingOut(ma.Schema):
    key = ma.fields.String()
    name = ma.fields.String()


class SupplementRequestOut(ma.Schema):
    id = ma.fields.Integer()
    dossier_id = ma.fields.Integer()
    number = ma.fields.Function(lambda r: f"{r.number}/{r.year}", metadata={"description": "số phiếu: n/year"})
    components = ma.fields.List(ma.fields.Nested(MissingOut))
    items = ma.fields.List(ma.fields.String())
    reason = ma.fields.String()
    requested_at = LocalDateTime()
    requested_by = ma.fields.Nested(OfficerRefOut, allow_none=True)
    answered_at = LocalDateTime(allow_none=True)
    answered_by = ma.fields.Nested(OfficerRefOut, allow_none=True)
    answer_note = ma.fields.String(allow_none=True)


class ApologyOut(ma.Schema):
    """Form 04: the apology and the new appointment."""

    code = ma.fields.String()
    agency = ma.fields.String()
    applicant = ma.fields.Dict()
    procedure = ma.fields.String()
    received_at = LocalDateTime()
    due_before = LocalDateTime(allow_none=True, metadata={"description": "the appointment before the extension"})
    new_due_at = LocalDateTime()
    reason = ma.fields.String()
    apology = ma.fields.String()
    issued_at = LocalDateTime()
    issued_by = ma.fields.String(allow_none=True)


class StopNoticeOut(ma.Schema):
    """Form 05: the notice that handling stopped."""

    code = ma.fields.String()
    agency = ma.fields.String()
    applicant = ma.fields.Dict()
    procedure = ma.fields.String()
    received_at = LocalDateTime()
    reason = ma.fields.String()
    issued_at = LocalDateTime()


class RefusalIn(StrictSchema):
    """A dossier the desk does not receive (form 03), with the reason the applicant is given."""

    applicant = ma.fields.Nested(ApplicantIn, required=True)
    documents = ma.fields.List(ma.fields.Nested(DocumentIn), load_default=list, validate=validate.Length(max=100),
                               metadata={"description": "the papers brought (as a reception's checklist)"})
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=2000), metadata={
        "description": "why it is refused (not within the agency's competence, not a valid request…)"})
    channel = ma.fields.String(load_default="direct", validate=validate.OneOf(("online", "direct", "postal")))
    notify = ma.fields.Nested(NotifyIn, metadata={"description": "tell the applicant of the refusal (as at reception)"})


class RefusalOut(ma.Schema):
    """Form 03: the refusal at reception."""

    id = ma.fields.Integer()
    code = ma.fields.String()
    agency = ma.fields.String()
    applicant = ma.fields.Dict()
    procedure = ma.fields.String()
    procedure_code = ma.fields.String(allow_none=True)
    documents = ma.fields.List(ma.fields.Dict())
    reason = ma.fields.String()
    refused_at = LocalDateTime()
    refused_by = ma.fields.String(allow_none=True)
    lookup_secret = ma.fields.String(allow_none=True, metadata={"description": "shown once, when refused"})
