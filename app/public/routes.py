"""``/api/v1/public/dossiers/{code}…``: the applicant's side, no token; rate-limited per client address.

Every call names the dossier by its code and opens it with the receipt's lookup secret or the token of a
notice's link (``t``); a wrong one and an unknown dossier answer the same 404.
"""
from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from app import flows
from app.auth import guard, throttle
from app.clock import utcnow
from app.documents import delivery
from app.dossiers.models import Dossier
from app.errors import TooManyRequests
from app.extensions import db
from app.public import schemas, service

blp = Blueprint("public", __name__, url_prefix="/api/v1/public", description="Tra cứu hồ sơ công khai (public lookup)")


def opened(code: str, access: dict) -> Dossier:
    """Throttled, then the dossier the secret or link token opens (the one 404 otherwise)."""
    throttled(code)
    return service.found(db.session, code, secret=access.get("secret"), token=access.get("t"),
                         secret_key=current_app.config["SECRET_KEY"])


@blp.route("/dossiers/<code>")
class DossierLookup(MethodView):
    @blp.doc(security=[])
    @blp.arguments(schemas.LookupQuery, location="query")
    @blp.response(200, schemas.PublicDossierOut)
    def get(self, query, code):
        """Progress of a dossier for its applicant: state, current unit, dates, what to supplement (no names)."""
        return service.lookup(session=db.session, dossier=opened(code, query))


@blp.route("/dossiers/<code>/results/<int:document_id>/content")
class ResultContent(MethodView):
    @blp.doc(security=[])
    @blp.arguments(schemas.LookupQuery, location="query")
    @blp.response(200, content_type="application/octet-stream", description="the result's bytes (ranges honoured)")
    def get(self, query, code, document_id):
        """Download a result of the dossier (only its results: no other paper is reachable here)."""
        document = service.result(session=db.session, dossier=opened(code, query), document_id=document_id)
        return delivery.content_response(document, current_app.extensions["motcua.storage"])


@blp.route("/dossiers/<code>/rating")
class DossierRating(MethodView):
    @blp.doc(security=[])
    @blp.arguments(schemas.RatingIn)
    @blp.response(201, schemas.RatingOut)
    def post(self, rating_in, code):
        """Rate the service once, after the result is returned (409 ``rating_not_open`` / ``already_rated``)."""
        dossier = opened(code, rating_in)
        row = flows.rate(session=db.session, dossier_id=dossier.id, scores=rating_in["scores"],
                           comment=rating_in.get("comment"), via="link" if rating_in.get("t") else "api",
                           now=utcnow())
        return {"dossier": dossier.code, "scores": row.scores(), "total": row.total, "comment": row.comment,
                "rated_at": row.rated_at}


@blp.route("/dossiers/<code>/notices/stop")
class StopNotices(MethodView):
    @blp.doc(security=[])
    @blp.arguments(schemas.Access)
    @blp.response(204)
    def post(self, access, code):
        """Stop every notice of this dossier (the applicant's opt-out; idempotent)."""
        flows.stop_notices(session=db.session, dossier_id=opened(code, access).id, now=utcnow())


def throttled(code: str) -> None:
    """Counted whatever the answer, before the lookup (atomic across workers: app.auth.throttle)."""
    try:
        throttle.reserve(session=db.session, buckets={throttle.PUBLIC_LOOKUP: request.remote_addr}, now=utcnow())
    except TooManyRequests as exc:
        guard.record_refusal(status=429, code=exc.code, officer=None, action="public.lookup_throttled",
                             object_type="dossier_code", object_id=code[:64])
        raise
