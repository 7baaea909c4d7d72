"""Payloads of the dossier endpoints. Input schemas refuse unknown fields."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api import LocalDateTime, StrictSchema
from app.dossiers.models import STATUSES

COPY_KINDS = ("ban_chinh", "ban_sao", "ban_sao_chung_thuc", "ban_dien_tu")


class ApplicantIn(StrictSchema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    id_number = ma.fields.String(validate=validate.Regexp(r"^[0-9]{9,12}$",
                                                          error="Số định danh/CCCD gồm 9–12 chữ số."))
    phone = ma.fields.String(validate=validate.Regexp(r"^(\+84|0)[0-9]{9,10}$", error="Số điện thoại không hợp lệ."))
    email = ma.fields.Email()
    address = ma.fields.String(validate=validate.Length(max=500))
    organisation = ma.fields.String(validate=validate.Length(max=300))


#: The applicant notices' channels (``app.applicant_notices.events.CHANNELS``; tests/applicant keeps them equal):
#: spelled here because the dossier package knows nothing of the packages above it.
NOTICE_CHANNELS = ("email", "sms", "zalo")


class NotifyIn(StrictSchema):
    """At reception: how the applicant wants to be told, and that they agree to it."""

    channels = ma.fields.List(ma.fields.String(validate=validate.OneOf(NOTICE_CHANNELS)), load_default=list,
                              validate=validate.Length(max=len(NOTICE_CHANNELS)), metadata={
                                  "description": "email needs applicant.email; sms and zalo need applicant.phone"})
    consent = ma.fields.Boolean(load_default=False, metadata={
        "description": "the applicant agreed to receive notices over these channels (required when any)"})


class DocumentIn(StrictSchema):
    """One line of the reception checklist: a paper handed in (a component of the procedure, or another)."""

    component = ma.fields.String(validate=validate.Length(min=1, max=64), metadata={
        "description": "the component's key (the procedure's `components`); its name is filled in"})
    name = ma.fields.String(validate=validate.Length(min=1, max=500), metadata={
        "description": "needed when no component is named (422 `document_unnamed`)"})
    copy_kind = ma.fields.String(validate=validate.OneOf(COPY_KINDS), metadata={
        "description": "default: the component's, else ban_chinh"})
    copies = ma.fields.Integer(validate=validate.Range(min=1, max=100), metadata={"description": "default: the component's, else 1"})



class DossierIn(StrictSchema):
    applicant = ma.fields.Nested(ApplicantIn, required=True)
    data = ma.fields.Dict(keys=ma.fields.String(), load_default=dict, metadata={
        "description": "dossier fields, visible to gateways; each key a name (a letter or `_`, then letters, digits, "
                       "`_`; at most 64): 422 `data_key_invalid` otherwise, and 422 `form_data_invalid` when the "
                       "procedure's start form refuses the data"})
    documents = ma.fields.List(ma.fields.Nested(DocumentIn), load_default=list, validate=validate.Length(max=100))
    channel = ma.fields.String(load_default="direct", validate=validate.OneOf(("online", "direct", "postal")),
                               metadata={"description": "how the dossier was received (trực tuyến, trực tiếp, bưu chính)"})
    notify = ma.fields.Nested(NotifyIn, metadata={
        "description": "the applicant's notices: channels chosen and consent (422 `notice_channel_unavailable`, "
                       "`notice_address_missing`, `notice_consent_missing`)"})


class DossierQuery(StrictSchema):
    procedure = ma.fields.String(validate=validate.Length(max=128))
    agency_id = ma.fields.Integer()
    unit_id = ma.fields.Integer()
    status = ma.fields.String(validate=validate.OneOf(STATUSES))
    overdue = ma.fields.Boolean(metadata={"description": "true: open dossiers past their due time now"})
    received_from = LocalDateTime()
    received_to = LocalDateTime()
    code = ma.fields.String(validate=validate.Length(max=64))


class ReasonIn(StrictSchema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=2000))


class TransferIn(StrictSchema):
    agency_id = ma.fields.Integer(required=True, metadata={"description": "the competent agency"})
    procedure_key = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=128),
                                     metadata={"description": "its procedure; omitted: the one of the same national code"})
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=2000))


class TransferOut(ma.Schema):
    id = ma.fields.Integer()
    from_agency = ma.fields.Function(lambda t: {"id": t.from_agency.id, "code": t.from_agency.code,
                                                "name": t.from_agency.name})
    to_agency = ma.fields.Function(lambda t: {"id": t.to_agency.id, "code": t.to_agency.code, "name": t.to_agency.name})
    reason = ma.fields.String()
    clock = ma.fields.String(metadata={"description": "restart | keep (the target procedure's transferClock)"})
    due_before = LocalDateTime(allow_none=True)
    transferred_at = LocalDateTime()
    transferred_by = ma.fields.Function(lambda t: t.transferred_by.full_name if t.transferred_by else None)


class RetryIn(StrictSchema):
    data = ma.fields.Dict(load_default=dict, metadata={"description": "corrected step data, merged over the failed one"})


class DeadlineOut(ma.Schema):
    """A step's or a dossier's time, judged with the request's now (set by ``app.deadlines.views.annotate``)."""

    time_used_minutes = ma.fields.Integer(allow_none=True, metadata={"description": "working minutes, pauses excluded"})
    remaining_minutes = ma.fields.Integer(allow_none=True, metadata={"description": "working minutes to the due time"})
    status = ma.fields.String(allow_none=True, metadata={"description": "on_track | due_soon | overdue | paused"})
    overdue_at = LocalDateTime(allow_none=True)


class RefOut(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()


class OfficerRefOut(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    full_name = ma.fields.String()


class StepOut(ma.Schema):
    id = ma.fields.Integer()
    dossier_id = ma.fields.Integer()
    task_id = ma.fields.String()
    spec_id = ma.fields.String()
    name = ma.fields.String()
    label = ma.fields.String(allow_none=True)
    form = ma.fields.String(allow_none=True)
    produces = ma.fields.String(allow_none=True, metadata={
        "description": "the component the step must attach before it completes (422 document_missing otherwise)"})
    lane_id = ma.fields.String(allow_none=True)
    unit = ma.fields.Nested(RefOut, attribute="unit_ref", allow_none=True)
    assignee = ma.fields.Nested(OfficerRefOut, allow_none=True)
    status = ma.fields.String()
    started_at = LocalDateTime()
    claimed_at = LocalDateTime(allow_none=True)
    due_at = LocalDateTime(allow_none=True)
    time_limit_minutes = ma.fields.Integer(allow_none=True)
    completed_at = LocalDateTime(allow_none=True)
    completed_by = ma.fields.Nested(OfficerRefOut, allow_none=True)
    result = ma.fields.String(allow_none=True)
    data = ma.fields.Dict(allow_none=True)
    returned_reason = ma.fields.String(allow_none=True)
    deadline = ma.fields.Nested(DeadlineOut, allow_none=True)
    kind = ma.fields.String(metadata={"description": "user (an officer's step) | external (a worker's, by topic)"})
    topic = ma.fields.String(allow_none=True)
    retries = ma.fields.Integer(allow_none=True, metadata={"description": "external: 0 is an incident"})
    error_message = ma.fields.String(allow_none=True)


class DossierSummaryOut(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    procedure_key = ma.fields.String()
    version = ma.fields.Function(lambda d: d.version.version)
    agency = ma.fields.Nested(RefOut)
    applicant = ma.fields.Dict()
    status = ma.fields.String()
    received_at = LocalDateTime()
    counting_from = LocalDateTime()
    due_at = LocalDateTime(allow_none=True)
    finished_at = LocalDateTime(allow_none=True)
    result = ma.fields.String(allow_none=True)
    incident = ma.fields.String(allow_none=True)
    lock_version = ma.fields.Integer()
    deadline = ma.fields.Nested(DeadlineOut, allow_none=True)


_LOCAL = LocalDateTime(allow_none=True)


class DossierOut(DossierSummaryOut):
    procedure_name = ma.fields.Function(lambda d: d.version.definition.name)
    data = ma.fields.Dict()
    documents = ma.fields.List(ma.fields.Dict())
    receiving_unit = ma.fields.Nested(RefOut, allow_none=True, metadata={
        "description": "the desk that received it (its clerks follow it); the deciding agency is `agency`"})
    closed_at = LocalDateTime(allow_none=True)
    close_reason = ma.fields.String(allow_none=True)
    extension = ma.fields.Function(lambda d: None if d.extended_at is None else {
        "extended_at": _LOCAL.serialize("x", {"x": d.extended_at}),
        "previous_due_at": _LOCAL.serialize("x", {"x": d.due_before_extension}),
        "new_due_at": _LOCAL.serialize("x", {"x": d.extended_due_at}),
        "reason": d.extension_reason, "apology_text": d.apology_text,
        "extended_by": d.extended_by.full_name if d.extended_by else None})
    current_steps = ma.fields.List(ma.fields.Nested(StepOut))
    past_steps = ma.fields.List(ma.fields.Nested(StepOut))


class ReceiptOut(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    procedure_key = ma.fields.String()
    procedure_name = ma.fields.String()
    procedure_code = ma.fields.String(allow_none=True)
    agency = ma.fields.String()
    applicant = ma.fields.Dict()
    documents = ma.fields.List(ma.fields.Dict())
    received_at = LocalDateTime()
    received_by = ma.fields.String(allow_none=True)
    receiving_unit = ma.fields.String(allow_none=True, metadata={"description": "the receiving desk"})
    counting_from = LocalDateTime()
    appointment_at = LocalDateTime(allow_none=True)
    lookup_secret = ma.fields.String(allow_none=True, metadata={"description": "shown once, at reception"})
    current_steps = ma.fields.List(ma.fields.Nested(StepOut), metadata={
        "description": "the steps open now (at reception: the first steps), with their ids to act on"})


class ControlRowOut(ma.Schema):
    step = ma.fields.String(allow_none=True)
    step_name = ma.fields.String(allow_none=True)
    from_unit = ma.fields.String(allow_none=True)
    from_officer = ma.fields.String(allow_none=True)
    to_unit = ma.fields.String(allow_none=True)
    to_officer = ma.fields.String(allow_none=True)
    given_at = LocalDateTime(allow_none=True)
    received_at = LocalDateTime(allow_none=True)
    due_at = LocalDateTime(allow_none=True)
    result = ma.fields.String(allow_none=True)
    note = ma.fields.String(allow_none=True)


class SheetDocumentOut(ma.Schema):
    """A paper of the dossier as form 06 lists it (every version, deleted ones marked)."""

    component = ma.fields.String()
    component_name = ma.fields.String()
    version = ma.fields.Integer()
    filename = ma.fields.String()
    step = ma.fields.String(allow_none=True)
    uploaded_by = ma.fields.String(allow_none=True)
    uploaded_at = LocalDateTime()
    signature_status = ma.fields.String(allow_none=True)
    signers = ma.fields.List(ma.fields.String())
    deleted = ma.fields.Boolean()
    reused = ma.fields.Boolean()


class ControlSheetOut(ma.Schema):
    code = ma.fields.String()
    agency = ma.fields.String()
    procedure = ma.fields.String()
    rows = ma.fields.List(ma.fields.Nested(ControlRowOut))
    documents = ma.fields.List(ma.fields.Nested(SheetDocumentOut))
