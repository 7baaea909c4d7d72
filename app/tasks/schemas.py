"""Payloads of the step endpoints. Input schemas refuse unknown fields."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api import LocalDateTime, StrictSchema
from app.dossiers.models import STEP_STATUSES
from app.dossiers.schemas import DossierSummaryOut, StepOut


class TaskQuery(StrictSchema):
    mine = ma.fields.Boolean()
    unit_id = ma.fields.Integer()
    procedure = ma.fields.String(validate=validate.Length(max=128))
    status = ma.fields.String(validate=validate.OneOf(STEP_STATUSES))
    overdue = ma.fields.Boolean(metadata={"description": "true: open steps past their due time now"})
    due_before = LocalDateTime()


class TaskOut(StepOut):
    dossier = ma.fields.Nested(DossierSummaryOut)


class CompletedTaskOut(TaskOut):
    """The completed step, and where the dossier went (``next_steps``, set on the step by the view)."""

    next_steps = ma.fields.List(ma.fields.Nested(StepOut), metadata={
        "description": "the dossier's open steps after this completion (where it went; empty when finished)"})


class TaskDetailOut(TaskOut):
    form_schema = ma.fields.Dict(allow_none=True)


class CompleteIn(StrictSchema):
    data = ma.fields.Dict(required=True, metadata={
        "description": "the step's form, checked against its JSON Schema (`{}` for a step without a form)"})


class AssignIn(StrictSchema):
    assignee_id = ma.fields.Integer(required=True)


class ReturnIn(StrictSchema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=2000))
    data = ma.fields.Dict(load_default=dict)
