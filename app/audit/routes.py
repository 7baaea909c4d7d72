"""``GET /api/v1/audit``: read the audit trail (auditors, admins). There is no route that changes it."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.audit import schemas, service
from app.extensions import db
from app.org.routes import _page

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="Nhật ký kiểm tra (audit trail)")


@blp.route("/audit")
class AuditEvents(MethodView):
    @blp.arguments(schemas.AuditQuery, location="query")
    @blp.response(200, schemas.AuditEventOut(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Audit events, newest first; filters: actor, action (or ``prefix.``), object, outcome, from/to."""
        return _page(service.search(session=db.session, **query), pagination_parameters)
