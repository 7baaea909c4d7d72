"""``GET /api/v1/health``: database and scheduler status, open to monitoring without a token."""
from __future__ import annotations

from datetime import timedelta

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from app.api import LocalDateTime
from app.clock import utcnow
from app.documents.storage import StorageUnavailable
from app.extensions import db
from app.scheduler.models import SchedulerHeartbeat

blp = Blueprint("health", __name__, url_prefix="/api/v1", description="Tình trạng dịch vụ (health)")


class SchedulerStatus(ma.Schema):
    enabled_in_process = ma.fields.Boolean()
    alive_workers = ma.fields.Integer()
    last_tick_at = LocalDateTime(allow_none=True)


class HealthOut(ma.Schema):
    status = ma.fields.String(metadata={"description": "ok | degraded"})
    database = ma.fields.String(metadata={"description": "ok | unavailable"})
    database_backend = ma.fields.String()
    documents = ma.fields.String(metadata={"description": "the file store: ok | unavailable (uploads answer 503)"})
    documents_backend = ma.fields.String(metadata={"description": "local | s3"})
    scheduler = ma.fields.Nested(SchedulerStatus)
    time = LocalDateTime()


@blp.route("/health")
class Health(MethodView):
    @blp.doc(security=[])
    @blp.response(200, HealthOut)
    @blp.alt_response(503, schema=HealthOut, description="Database unavailable")
    def get(self):
        """Database and scheduler status."""
        now = utcnow()
        body = {"status": "ok", "database": "ok", "database_backend": db.engine.dialect.name, "time": now,
                "scheduler": {"enabled_in_process": bool(current_app.config.get("SCHEDULER_ENABLED")),
                              "alive_workers": 0, "last_tick_at": None}}
        store = current_app.extensions["motcua.storage"]
        body["documents_backend"] = store.name
        try:
            store.check()
            body["documents"] = "ok"
        except StorageUnavailable:
            body["status"], body["documents"] = "degraded", "unavailable"
        try:
            db.session.execute(text("SELECT 1"))
            stale = now - timedelta(seconds=4 * current_app.config["SCHEDULER_TICK_SECONDS"])
            beats = list(db.session.scalars(select(SchedulerHeartbeat)))
            body["scheduler"]["alive_workers"] = sum(1 for b in beats if b.last_tick_at >= stale)
            body["scheduler"]["last_tick_at"] = max((b.last_tick_at for b in beats), default=None)
        except SQLAlchemyError:
            db.session.rollback()
            body["status"], body["database"] = "degraded", "unavailable"
            return HealthOut().dump(body), 503
        return body
