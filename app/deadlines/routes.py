"""``/api/v1/dossiers/{id}/pause|resume|extension``: thin views over :mod:`app.flows` (pause, resume, extend)."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app import flows
from app.api import etag, if_match
from app.clock import utcnow
from app.deadlines import schemas
from app.dossiers.schemas import DossierOut
from app.extensions import db
from app.identity import current_officer

blp = Blueprint("deadlines", __name__, url_prefix="/api/v1",
                description="Thời hạn: tạm dừng, tiếp tục, gia hạn (deadlines: pause, resume, extension)")


def _shown(dossier):
    flows.shown(session=db.session, now=utcnow(), dossiers=[dossier], with_steps=True)
    return dossier, 200, etag(dossier)


@blp.route("/dossiers/<int:dossier_id>/pause")
class DossierPause(MethodView):
    @blp.arguments(schemas.PauseIn)
    @blp.response(200, DossierOut)
    def post(self, body, dossier_id):
        """Pause the clock while waiting for a supplement (Mẫu 02) or an outside verification (409 when closed)."""
        flows.readable_dossier(session=db.session, dossier_id=dossier_id, officer=current_officer())
        dossier = flows.pause(session=db.session, dossier_id=dossier_id, officer=current_officer(),
                              kind=body["kind"], reason=body["reason"], now=utcnow(), if_match=if_match())
        return _shown(dossier)


@blp.route("/dossiers/<int:dossier_id>/resume")
class DossierResume(MethodView):
    @blp.arguments(schemas.ResumeIn)
    @blp.response(200, DossierOut)
    def post(self, body, dossier_id):
        """Resume: due times move by the working time paused, or the current steps restart (pausePolicy)."""
        flows.readable_dossier(session=db.session, dossier_id=dossier_id, officer=current_officer())
        dossier = flows.resume(session=db.session, dossier_id=dossier_id, officer=current_officer(),
                               note=body.get("note"), now=utcnow(), if_match=if_match())
        return _shown(dossier)


@blp.route("/dossiers/<int:dossier_id>/extension")
class DossierExtension(MethodView):
    @blp.arguments(schemas.ExtensionIn)
    @blp.response(200, DossierOut)
    def post(self, body, dossier_id):
        """Extend once with an apology (Mẫu 04): at the latest one working day before the deadline, to a later date."""
        flows.readable_dossier(session=db.session, dossier_id=dossier_id, officer=current_officer())
        dossier = flows.extend(session=db.session, dossier_id=dossier_id, officer=current_officer(),
                               reason=body["reason"], new_due_at=body["new_due_at"], now=utcnow(),
                               if_match=if_match())
        return _shown(dossier)
