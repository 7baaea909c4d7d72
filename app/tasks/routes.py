"""``/api/v1/tasks…``: officers' steps, thin views over :mod:`app.tasks.service`."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app import flows
from app.api import etag, if_match, page_of
from app.clock import utcnow
from app.extensions import db
from app.identity import current_officer
from app.tasks import schemas, service

blp = Blueprint("tasks", __name__, url_prefix="/api/v1", description="Bước xử lý của cán bộ (officers' steps)")



def _shown(step):
    """A step answer: its deadline, unit and dossier shown with the request's now; the dossier's ETag."""
    flows.shown(session=db.session, now=utcnow(), steps=[step])
    return step, 200, etag(step.dossier)


@blp.route("/tasks")
class Tasks(MethodView):
    @blp.arguments(schemas.TaskQuery, location="query")
    @blp.response(200, schemas.TaskOut(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Steps of my units (or mine), ordered by due time then id."""
        stmt = service.list_steps(session=db.session, officer=current_officer(), now=utcnow(), **query)
        page = page_of(stmt, pagination_parameters)
        flows.shown(session=db.session, now=utcnow(), steps=page)
        return page


@blp.route("/tasks/<int:step_id>")
class TaskById(MethodView):
    @blp.response(200, schemas.TaskDetailOut)
    def get(self, step_id):
        """One step with its form's JSON Schema and the dossier summary."""
        step = service.get_for(session=db.session, step_id=step_id, officer=current_officer())
        return _shown(step)


@blp.route("/tasks/<int:step_id>/claim")
class TaskClaim(MethodView):
    @blp.response(200, schemas.TaskOut)
    def post(self, step_id):
        """Take a step of my unit (nhận xử lý)."""
        step = flows.claim_step(session=db.session, step_id=step_id, officer=current_officer(), now=utcnow(),
                                if_match=if_match())
        return _shown(step)


@blp.route("/tasks/<int:step_id>/unclaim")
class TaskUnclaim(MethodView):
    @blp.response(200, schemas.TaskOut)
    def post(self, step_id):
        """Put a claimed step back in the unit's queue."""
        step = flows.unclaim_step(session=db.session, step_id=step_id, officer=current_officer(), now=utcnow(),
                                  if_match=if_match())
        return _shown(step)


@blp.route("/tasks/<int:step_id>/assign")
class TaskAssign(MethodView):
    @blp.arguments(schemas.AssignIn)
    @blp.response(200, schemas.TaskOut)
    def post(self, body, step_id):
        """A leader assigns a step of their unit to one of its officers (phân công)."""
        step = flows.assign_step(session=db.session, step_id=step_id, officer=current_officer(),
                                 assignee_id=body["assignee_id"], now=utcnow(), if_match=if_match())
        return _shown(step)


@blp.route("/tasks/<int:step_id>/complete")
class TaskComplete(MethodView):
    @blp.arguments(schemas.CompleteIn)
    @blp.response(200, schemas.CompletedTaskOut)
    @blp.alt_response(202, schema=schemas.CompletedTaskOut, description="accepted, but the dossier went into incident")
    def post(self, body, step_id):
        """Complete a step with its form data (checked against the form's JSON Schema; 422 lists fields).

        202 means the data was kept but a gateway condition failed: the dossier is in incident until a
        leader retries it.
        """
        step, next_steps = flows.complete_step(session=db.session, step_id=step_id, officer=current_officer(),
                                               data=body["data"], now=utcnow(), if_match=if_match())
        step.next_steps = next_steps or []  # not a column: the response's "where it went", known in memory
        flows.shown(session=db.session, now=utcnow(), steps=[step, *step.next_steps])
        return step, 200 if next_steps is not None else 202, etag(step.dossier)


@blp.route("/tasks/<int:step_id>/return")
class TaskReturn(MethodView):
    @blp.arguments(schemas.ReturnIn)
    @blp.response(200, schemas.TaskOut)
    def post(self, body, step_id):
        """Send the dossier back to an earlier step with a reason (409 when the diagram does not allow it)."""
        step = flows.return_step(session=db.session, step_id=step_id, officer=current_officer(),
                                 reason=body["reason"], data=body["data"], now=utcnow(), if_match=if_match())
        return _shown(step)
