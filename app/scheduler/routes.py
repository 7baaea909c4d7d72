"""``/api/v1/scheduler/due-work``: administrators see incidents (failed work) and retry them.

Importing this module (it is in ``BLUEPRINT_MODULES``) also registers the due-work tick handler.
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import func, select

from app.clock import utcnow
from app.extensions import db
from app.scheduler import due_work, schemas
from app.scheduler.runner import RUN_DUE_WORK, register_tick_handler

blp = Blueprint("scheduler", __name__, url_prefix="/api/v1", description="Việc đến hạn (scheduler, due work)")

register_tick_handler("due_work", due_work.due_work_tick, order=RUN_DUE_WORK)


@blp.route("/scheduler/due-work")
class DueWorkList(MethodView):
    @blp.arguments(schemas.DueWorkQuery, location="query")
    @blp.response(200, schemas.DueWorkOut(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Due work by status (``failed`` = incidents that need an administrator)."""
        stmt = due_work.list_due_work(session=db.session, **query)
        pagination_parameters.item_count = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
        return list(db.session.scalars(stmt.offset(pagination_parameters.first_item)
                                       .limit(pagination_parameters.page_size)))


@blp.route("/scheduler/due-work/<int:item_id>/retry")
class DueWorkRetry(MethodView):
    @blp.response(200, schemas.DueWorkOut)
    def post(self, item_id):
        """Queue a failed item again, due now, attempts reset."""
        return due_work.retry(session=db.session, item_id=item_id, now=utcnow())
