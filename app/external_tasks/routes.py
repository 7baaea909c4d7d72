"""``/api/v1/external-task/…``: Camunda 7's external-task REST API (so its clients work with ``<base>/api/v1``).

fetchAndLock (with long polling), complete, failure, bpmnError, extendLock, unlock, the list, the count, one
task, and its retries. Workers authenticate with an API key (``X-API-Key``, or as the bearer token the
Camunda clients send) of an account with the ``worker`` role; the key may be limited to topics.
"""
from __future__ import annotations

import time
from zoneinfo import ZoneInfo

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import func, select

from app import flows
from app.clock import utcnow
from app.errors import Unprocessable
from app.extensions import db
from app.external_tasks import schemas, service
from app.external_tasks.variables import VariableError, to_plain, to_typed
from app.identity import current_officer

blp = Blueprint("external_tasks", __name__, url_prefix="/api/v1",
                description="Tác vụ ngoài cho tiến trình xử lý tự động (external tasks, Camunda 7 compatible)")

#: How often a long poll looks again for work (other processes' new tasks arrive through the database).
POLL_SECONDS = 0.25


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Ho_Chi_Minh"))


def _plain(typed) -> dict:
    try:
        return to_plain(typed)
    except VariableError as exc:
        raise Unprocessable("Biến gửi lên không hợp lệ.", code="variables_invalid",
                            detail_en="A variable is not valid.", errors=exc.problems) from None


def _step_id(task_id: str) -> int:
    return service.get(session=db.session, task_id=task_id, officer=current_officer()).id


@blp.route("/external-task/fetchAndLock")
class FetchAndLock(MethodView):
    @blp.arguments(schemas.FetchAndLockIn)
    @blp.response(200, schemas.LockedExternalTaskOut(many=True))
    def post(self, request_in):
        """Lease tasks of the topics; with ``asyncResponseTimeout`` wait (long polling) until one comes."""
        officer = current_officer()
        deadline = time.monotonic() + (request_in.get("async_response_timeout") or 0) / 1000
        while True:
            now = utcnow()
            locked = service.fetch_and_lock(session=db.session, request=request_in, officer=officer, now=now)
            if locked or time.monotonic() >= deadline:
                break
            db.session.rollback()  # end the read: the next look sees what other processes committed
            time.sleep(min(POLL_SECONDS, max(deadline - time.monotonic(), 0)))
        tz = _tz()
        return [{**service.task_out(item.step, now=now, tz=tz), "extension_properties": {},
                 "variables": to_typed(flows.external_variables(session=db.session, step=item.step,
                                                                names=item.variables))} for item in locked]


@blp.route("/external-task/<task_id>/complete")
class Complete(MethodView):
    @blp.arguments(schemas.ExternalCompleteIn)
    @blp.response(204)
    def post(self, body, task_id):
        """Complete the task with its variables: the dossier moves on (409 without the lease)."""
        variables = {**_plain(body.get("variables")), **_plain(body.get("local_variables"))}
        flows.complete_external(session=db.session, step_id=_step_id(task_id), worker_id=body["worker_id"],
                                variables=variables, officer=current_officer(), now=utcnow())


@blp.route("/external-task/<task_id>/failure")
class Failure(MethodView):
    @blp.arguments(schemas.ExternalFailureIn)
    @blp.response(204)
    def post(self, body, task_id):
        """The worker failed: fetchable again after ``retryTimeout``, or an incident at 0 retries."""
        flows.external_failure(session=db.session, step_id=_step_id(task_id), failure=body,
                               officer=current_officer(), now=utcnow())


@blp.route("/external-task/<task_id>/bpmnError")
class BpmnError(MethodView):
    @blp.arguments(schemas.BpmnErrorIn)
    @blp.response(204)
    def post(self, body, task_id):
        """A business error: the task's error boundary event of that code catches it (422 when none does)."""
        flows.external_bpmn_error(session=db.session, step_id=_step_id(task_id), worker_id=body["worker_id"],
                                  code=body["error_code"], message=body.get("error_message"),
                                  variables=_plain(body.get("variables")), officer=current_officer(), now=utcnow())


@blp.route("/external-task/<task_id>/extendLock")
class ExtendLock(MethodView):
    @blp.arguments(schemas.ExtendLockIn)
    @blp.response(204)
    def post(self, body, task_id):
        """Keep the lease ``newDuration`` ms from now (409 without it)."""
        flows.external_extend_lock(session=db.session, step_id=_step_id(task_id), worker_id=body["worker_id"],
                                   new_duration=body["new_duration"], officer=current_officer(), now=utcnow())


@blp.route("/external-task/<task_id>/unlock")
class Unlock(MethodView):
    @blp.response(204)
    def post(self, task_id):
        """Release the lease: any worker may fetch the task at once."""
        service.unlock(step=service.get(session=db.session, task_id=task_id, officer=current_officer(), writes=True))


@blp.route("/external-task/<task_id>/retries")
class Retries(MethodView):
    @blp.arguments(schemas.ExternalRetriesIn)
    @blp.response(204)
    def put(self, body, task_id):
        """Give the task retries (after an incident is fixed): fetchable again at once."""
        officer = current_officer()
        service.set_retries(session=db.session,
                            step=service.get(session=db.session, task_id=task_id, officer=officer, writes=True),
                            retries=body["retries"], officer=officer, now=utcnow())


@blp.route("/external-task")
class Tasks(MethodView):
    @blp.arguments(schemas.ExternalTaskQuery, location="query")
    @blp.response(200, schemas.ExternalTaskOut(many=True))
    def get(self, query):
        """Open external tasks (``noRetriesLeft=true``: the incidents), ``firstResult``/``maxResults`` paged."""
        now = utcnow()
        stmt = service.query(session=db.session, officer=current_officer(), filters=query, now=now)
        steps = db.session.scalars(stmt.offset(query["first_result"]).limit(query["max_results"]))
        return [service.task_out(step, now=now, tz=_tz()) for step in steps]


@blp.route("/external-task/count")
class Count(MethodView):
    @blp.arguments(schemas.ExternalCountQuery, location="query")
    @blp.response(200, schemas.ExternalCountOut)
    def get(self, query):
        """How many open external tasks the filters match."""
        stmt = service.query(session=db.session, officer=current_officer(), filters=query, now=utcnow())
        return {"count": db.session.scalar(select(func.count()).select_from(stmt.subquery()))}


@blp.route("/external-task/<task_id>")
class TaskById(MethodView):
    @blp.response(200, schemas.LockedExternalTaskOut)
    def get(self, task_id):
        """One external task, with its last error's details."""
        step = service.get(session=db.session, task_id=task_id, officer=current_officer())
        return {**service.task_out(step, now=utcnow(), tz=_tz()), "variables": {}, "extension_properties": {}}
