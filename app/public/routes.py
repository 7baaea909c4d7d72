"""``GET /api/v1/public/dossiers/{code}?secret=…``: no token; rate-limited per client address."""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth import guard, throttle
from app.clock import utcnow
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
        now, address = utcnow(), request.remote_addr
        try:  # counted whatever the answer, before the lookup (atomic across workers: app.auth.throttle)
            throttle.reserve(session=db.session, buckets={throttle.PUBLIC_LOOKUP: address}, now=now)
        except TooManyRequests as exc:
            guard.record_refusal(status=429, code=exc.code, officer=None, action="public.lookup_throttled",
                                 object_type="dossier_code", object_id=code[:64])
            raise
        return service.lookup(session=db.session, code=code, secret=query["secret"])
