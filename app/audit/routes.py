"""``GET /api/v1/audit``: read the audit trail (auditors, admins). There is no route that changes it."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.api import page_of
from app.audit import schemas, service
from app.extensions import db
from app.identity import current_officer
from app.org.models import Officer
from app.org.service import list_officers
from app.org.visibility import visible_agency_ids

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="Nhật ký kiểm tra (audit trail)")


@blp.route("/audit")
class AuditEvents(MethodView):
    @blp.arguments(schemas.AuditQuery, location="query")
    @blp.response(200, schemas.AuditEventOut(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Audit events, newest first; filters: actor, action (or ``prefix.``), object, outcome, from/to."""
        within = visible_agency_ids(session=db.session, officer=current_officer())
        actors = None
        if within is not None:  # an agency's administrator: events of that agency's people only
            actors = list_officers(session=db.session, within_agencies=within).with_only_columns(Officer.id)
        return page_of(service.search(session=db.session, actor_ids_within=actors, **query), pagination_parameters)
