"""``GET /api/v1/public/dossiers/{code}?secret=…``: no token; rate-limited per client address."""
from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth import guard, throttle
from app.clock import utcnow
from app.documents import delivery
from app.errors import TooManyRequests
from app.extensions import db
from app.public import schemas, service

blp = Blueprint("public", __name__, url_prefix="/api/v1/public", description="Tra cứu hồ sơ công khai (public lookup)")


@blp.route("/dossiers/<code>")
class DossierLookup(MethodView):
    @blp.doc(security=[])
    @blp.arguments(schemas.LookupQuery, location="query")
    @blp.response(200, schemas.PublicDossierOut)
    def get(self, query, code):
        """Progress of a dossier for its applicant: state, current unit, due date, steps done (no names)."""
        throttled(code)
        return service.lookup(session=db.session, code=code, secret=query["secret"])


@blp.route("/dossiers/<code>/results/<int:document_id>/content")
class ResultContent(MethodView):
    @blp.doc(security=[])
    @blp.arguments(schemas.LookupQuery, location="query")
    @blp.response(200, content_type="application/octet-stream", description="the result's bytes (ranges honoured)")
    def get(self, query, code, document_id):
        """Download a result of the dossier (only its results: no other paper is reachable here)."""
        throttled(code)
        document = service.result(session=db.session, code=code, secret=query["secret"], document_id=document_id)
        return delivery.content_response(document, current_app.extensions["motcua.storage"])


def throttled(code: str) -> None:
    """Counted whatever the answer, before the lookup (atomic across workers: app.auth.throttle)."""
    try:
        throttle.reserve(session=db.session, buckets={throttle.PUBLIC_LOOKUP: request.remote_addr}, now=utcnow())
    except TooManyRequests as exc:
        guard.record_refusal(status=429, code=exc.code, officer=None, action="public.lookup_throttled",
                             object_type="dossier_code", object_id=code[:64])
        raise
