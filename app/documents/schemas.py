"""Payloads of the documents endpoints. Input schemas refuse unknown fields; outputs only declare."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api import LocalDateTime, StrictSchema
from app.definitions.schemas import ComponentOut
from app.dossiers.schemas import OfficerRefOut


class UploadForm(StrictSchema):
    """The multipart fields beside ``file`` (documented; the route reads them after the size check)."""

    step_id = ma.fields.Integer(metadata={"description": "the open step the file is attached at (officers: required)"})
    note = ma.fields.String(validate=validate.Length(max=2000))


class ReuseIn(StrictSchema):
    document_id = ma.fields.Integer(required=True, metadata={
        "description": "a document digitised for an earlier dossier of the same applicant (same ID number)"})
    step_id = ma.fields.Integer()
    note = ma.fields.String(validate=validate.Length(max=2000))


class DeleteIn(StrictSchema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ReusableQuery(StrictSchema):
    id_number = ma.fields.String(required=True, validate=validate.Regexp(r"^[0-9]{9,12}$"))


class SignatureOut(ma.Schema):
    field = ma.fields.String()
    signer = ma.fields.String(allow_none=True)
    signer_subject = ma.fields.String(allow_none=True)
    signer_serial = ma.fields.String(allow_none=True)
    signing_time = LocalDateTime(allow_none=True, metadata={"description": "as the signature (or its timestamp) says"})
    time_source = ma.fields.String(allow_none=True, metadata={"description": "signer | timestamp"})
    intact = ma.fields.Boolean()
    valid = ma.fields.Boolean()
    covers_whole_file = ma.fields.Boolean()
    modified_after_signing = ma.fields.Boolean()
    trusted = ma.fields.Boolean(metadata={"description": "the chain reaches a CA the agency trusts"})
    status = ma.fields.String(metadata={"description": "valid | untrusted | modified | invalid"})
    reason = ma.fields.String(allow_none=True)


class OriginOut(ma.Schema):
    """Where a reused document was first digitised."""

    document_id = ma.fields.Integer(attribute="id")
    dossier_id = ma.fields.Integer()
    uploaded_at = LocalDateTime()
    uploaded_by = ma.fields.Nested(OfficerRefOut, allow_none=True)


class DocumentOut(ma.Schema):
    id = ma.fields.Integer()
    dossier_id = ma.fields.Integer()
    component = ma.fields.String()
    version = ma.fields.Integer()
    filename = ma.fields.String()
    size = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "what the bytes are (pdf, jpeg, docx…), never the name's say"})
    content_type = ma.fields.String()
    sha256 = ma.fields.String(metadata={"description": "also the download's ETag"})
    step_id = ma.fields.Integer(allow_none=True)
    note = ma.fields.String(allow_none=True)
    form_ref = ma.fields.String(allow_none=True, metadata={
        "description": "a form the service issued (01, 02:<request id>, 03, 04, 05), stored on its first print"})
    uploaded_at = LocalDateTime()
    uploaded_by = ma.fields.Nested(OfficerRefOut, allow_none=True)
    origin = ma.fields.Nested(OriginOut, allow_none=True)
    signature_status = ma.fields.String(allow_none=True, metadata={
        "description": "valid | untrusted | modified | invalid; null: no signature"})
    signatures = ma.fields.List(ma.fields.Nested(SignatureOut), allow_none=True)
    deleted_at = LocalDateTime(allow_none=True)
    deleted_by = ma.fields.Nested(OfficerRefOut, allow_none=True)
    delete_reason = ma.fields.String(allow_none=True)


class DossierComponentOut(ComponentOut):
    """A component of the dossier: as declared, whether it was handed in, what the step must produce, its files."""

    handed_in = ma.fields.Dict(allow_none=True, metadata={"description": "the reception checklist's entry"})
    produced_at = ma.fields.List(ma.fields.String(), metadata={
        "description": "ids of the steps whose `produces` names it (they cannot complete without it)"})
    current = ma.fields.Nested(DocumentOut, allow_none=True)
    versions = ma.fields.Integer()


class AnchorIn(StrictSchema):
    pem = ma.fields.String(required=True, validate=validate.Length(min=1, max=64 * 1024), metadata={
        "description": "one CA certificate, PEM"})


class AnchorOut(ma.Schema):
    id = ma.fields.Integer()
    agency_id = ma.fields.Integer()
    subject = ma.fields.String()
    fingerprint_sha256 = ma.fields.String()
    not_before = LocalDateTime()
    not_after = LocalDateTime()
    added_at = LocalDateTime()

