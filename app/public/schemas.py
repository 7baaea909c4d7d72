"""Public lookup shapes: only what an applicant may see — no officer names, no applicant data."""
from __future__ import annotations

import marshmallow as ma

from app.api import LocalDateTime, StrictSchema
from app.satisfaction.criteria import CRITERIA, MAX_COMMENT


class Access(StrictSchema):
    """The lookup secret of the receipt, or the token of a notice's link (``t``): one of them (neither reads as
    a wrong one: the same 404)."""

    secret = ma.fields.String(validate=ma.validate.Length(min=1, max=256), metadata={
        "description": "the lookup code printed on the receipt (form 01)"})
    t = ma.fields.String(validate=ma.validate.Length(min=1, max=128), metadata={
        "description": "the token of the link in a notice (instead of the secret)"})


class LookupQuery(Access):
    pass


#: One whole score per criterion (``app.satisfaction.criteria``), all required, nothing else.
ScoresIn = StrictSchema.from_dict({key: ma.fields.Integer(required=True, strict=True,
                                                          validate=ma.validate.Range(min=1, max=5),
                                                          metadata={"description": label})
                                   for key, (label, _) in CRITERIA.items()}, name="ScoresIn")


class RatingIn(Access):
    scores = ma.fields.Nested(ScoresIn, required=True, metadata={
        "description": "1 (rất không hài lòng) … 5 (rất hài lòng) for every criterion"})
    comment = ma.fields.String(validate=ma.validate.Length(max=MAX_COMMENT))


class RatingOut(ma.Schema):
    dossier = ma.fields.String()
    scores = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    total = ma.fields.Integer()
    comment = ma.fields.String(allow_none=True)
    rated_at = LocalDateTime()


class PublicStepOut(ma.Schema):
    step = ma.fields.String(allow_none=True)
    name = ma.fields.String()
    unit = ma.fields.String(allow_none=True)
    started_at = LocalDateTime()
    completed_at = LocalDateTime(allow_none=True)
    result = ma.fields.String(allow_none=True)


class PublicResultOut(ma.Schema):
    """A result the applicant may download (``…/results/{id}/content?secret=…``)."""

    id = ma.fields.Integer()
    name = ma.fields.String()
    size = ma.fields.Integer()
    signed = ma.fields.Boolean(metadata={"description": "carries a valid, trusted digital signature"})


class SupplementOut(ma.Schema):
    items = ma.fields.List(ma.fields.String())
    reason = ma.fields.String()
    requested_at = LocalDateTime()


class NoticesOut(ma.Schema):
    channels = ma.fields.List(ma.fields.String())
    stopped = ma.fields.Boolean()


class RatingStateOut(ma.Schema):
    open = ma.fields.Boolean(metadata={"description": "the result is returned and no rating is recorded yet"})
    rated_at = LocalDateTime(allow_none=True)


class PublicDossierOut(ma.Schema):
    code = ma.fields.String()
    procedure = ma.fields.String()
    agency = ma.fields.String()
    status = ma.fields.String()
    received_at = LocalDateTime()
    due_at = LocalDateTime(allow_none=True, metadata={"description": "the appointment of the receipt"})
    new_due_at = LocalDateTime(allow_none=True, metadata={"description": "the new date of an extension (form 04)"})
    extension_reason = ma.fields.String(allow_none=True)
    apology = ma.fields.String(allow_none=True)
    supplement = ma.fields.Nested(SupplementOut, allow_none=True, metadata={
        "description": "what to supplement while the dossier waits for it (form 02)"})
    close_reason = ma.fields.String(allow_none=True, metadata={"description": "why it was refused or stopped"})
    finished_at = LocalDateTime(allow_none=True)
    result = ma.fields.String(allow_none=True)
    current_units = ma.fields.List(ma.fields.String())
    steps_done = ma.fields.List(ma.fields.Nested(PublicStepOut))
    results = ma.fields.List(ma.fields.Nested(PublicResultOut))
    notices = ma.fields.Nested(NoticesOut, allow_none=True)
    rating = ma.fields.Nested(RatingStateOut)
