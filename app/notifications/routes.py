"""``/api/v1/notifications``: the caller's in-app inbox (their own notices and their units').

Importing this module (it is in ``BLUEPRINT_MODULES``) registers the notification due-work handlers.
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import func, select

from app.clock import utcnow
from app.extensions import db
from app.identity import current_officer
from app.notifications import schemas, service

blp = Blueprint("notifications", __name__, url_prefix="/api/v1", description="Thông báo (notifications)")


@blp.route("/notifications")
class Inbox(MethodView):
    @blp.arguments(schemas.InboxQuery, location="query")
    @blp.response(200, schemas.NotificationOut(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """My notices and my units', newest first; ``unread=true`` for the unread ones."""
        stmt = service.list_inbox(session=db.session, officer=current_officer(), **query)
        pagination_parameters.item_count = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
        return list(db.session.scalars(stmt.offset(pagination_parameters.first_item)
                                       .limit(pagination_parameters.page_size)))


@blp.route("/notifications/<int:notification_id>/read")
class MarkRead(MethodView):
    @blp.response(200, schemas.NotificationOut)
    def post(self, notification_id):
        """Mark one of my notices read (idempotent)."""
        return service.mark_read(session=db.session, officer=current_officer(), notification_id=notification_id,
                                 now=utcnow())
