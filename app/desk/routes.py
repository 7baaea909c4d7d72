"""``/api/v1/dossiers/{id}/supplement-requests``: form 02, issued by the desk or the step's officer, answered
by the supplement; ``…/apology`` (form 04) and ``…/stop-notice`` (form 05) as printed. Thin views over
:mod:`app.flows` (pause and resume) and :mod:`app.desk.service`."""
from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from app import flows
from app.api import FormatQuery, if_match, json_or_html_doc
from app.clock import utcnow
from app.desk import schemas, service
from app.extensions import db
from app.identity import current_officer
from app.printing import answer

blp = Blueprint("desk", __name__, url_prefix="/api/v1", template_folder="templates",
                description="Bộ phận một cửa: phiếu yêu cầu bổ sung, từ chối, xin lỗi, thông báo dừng (forms 02–05)")


def _readable(dossier_id: int):
    return flows.readable_dossier(session=db.session, dossier_id=dossier_id, officer=current_officer())


@blp.route("/dossiers/<int:dossier_id>/supplement-requests")
class SupplementRequests(MethodView):
    @blp.response(200, schemas.SupplementRequestOut(many=True))
    def get(self, dossier_id):
        """The dossier's requests to supplement, oldest first."""
        return service.list_for(session=db.session, dossier_id=_readable(dossier_id).id)

    @blp.arguments(schemas.SupplementRequestIn)
    @blp.response(201, schemas.SupplementRequestOut)
    def post(self, body, dossier_id):
        """Issue form 02: name what is missing; the dossier pauses until the supplement comes (409 if closed/paused)."""
        _readable(dossier_id)
        return flows.request_supplement(session=db.session, dossier_id=dossier_id, officer=current_officer(),
                                        component_keys=body["components"], items=body["items"],
                                        reason=body["reason"], now=utcnow(), if_match=if_match())


@blp.route("/dossiers/<int:dossier_id>/supplement-requests/<int:request_id>")
class SupplementRequestById(MethodView):
    @blp.arguments(FormatQuery, location="query")
    @blp.response(200, schemas.SupplementRequestOut)
    @blp.doc(**json_or_html_doc("SupplementRequestOut"))
    def get(self, query, dossier_id, request_id):
        """One request; ``?format=html`` prints form 02 (Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ)."""
        dossier = _readable(dossier_id)
        request = service.get(session=db.session, dossier_id=dossier_id, request_id=request_id)
        paper = answer.Paper(form="02", template="supplement_request.html", number=f"{request.number}/{request.year}",
                             ref=request.id)
        return answer.answer(query["format"], paper, dossier, f=service.form_02(request, dossier),
                             agency=dossier.agency) or request


@blp.route("/dossiers/<int:dossier_id>/supplement-requests/<int:request_id>/answer")
class SupplementAnswer(MethodView):
    @blp.arguments(schemas.SupplementAnswerIn)
    @blp.response(200, schemas.SupplementRequestOut)
    def post(self, body, dossier_id, request_id):
        """Take the supplement: every missing component uploaded since the request (422 names what is still
        missing); the dossier resumes and its due times move by the working time it waited."""
        _readable(dossier_id)
        return flows.answer_supplement(session=db.session, dossier_id=dossier_id, request_id=request_id,
                                       officer=current_officer(), note=body.get("note"), now=utcnow(),
                                       if_match=if_match())


@blp.route("/dossiers/<int:dossier_id>/apology")
class DossierApology(MethodView):
    @blp.arguments(FormatQuery, location="query")
    @blp.response(200, schemas.ApologyOut)
    @blp.doc(**json_or_html_doc("ApologyOut"))
    def get(self, query, dossier_id):
        """Form 04 (phiếu xin lỗi và hẹn lại ngày trả kết quả) of the dossier's extension (404 if never extended)."""
        dossier = _readable(dossier_id)
        form = service.form_04(dossier)
        paper = answer.Paper(form="04", template="apology.html", number=dossier.code)
        return answer.answer(query["format"], paper, dossier, f=form, agency=dossier.agency) or form


@blp.route("/dossiers/<int:dossier_id>/stop-notice")
class DossierStopNotice(MethodView):
    @blp.arguments(FormatQuery, location="query")
    @blp.response(200, schemas.StopNoticeOut)
    @blp.doc(**json_or_html_doc("StopNoticeOut"))
    def get(self, query, dossier_id):
        """Form 05 (thông báo dừng xử lý hồ sơ) of a stopped dossier (404 for one that was not stopped)."""
        dossier = _readable(dossier_id)
        form = service.form_05(dossier)
        paper = answer.Paper(form="05", template="stop_notice.html", number=dossier.code)
        return answer.answer(query["format"], paper, dossier, f=form, agency=dossier.agency) or form


@blp.route("/procedures/<key>/refusals")
class ProcedureRefusals(MethodView):
    @blp.arguments(schemas.RefusalIn)
    @blp.response(201, schemas.RefusalOut)
    def post(self, body, key):
        """Refuse a dossier at reception (form 03): recorded with a code and its reason, closed at once, no clock."""
        dossier, secret = flows.refuse(session=db.session, key=key, refusal_in=body, officer=current_officer(),
                                       now=utcnow(), code_format=current_app.config.get("DOSSIER_CODE_FORMAT"))
        return service.form_03(dossier, secret)


@blp.route("/dossiers/<int:dossier_id>/refusal")
class DossierRefusal(MethodView):
    @blp.arguments(FormatQuery, location="query")
    @blp.response(200, schemas.RefusalOut)
    @blp.doc(**json_or_html_doc("RefusalOut"))
    def get(self, query, dossier_id):
        """Form 03 (phiếu từ chối tiếp nhận giải quyết hồ sơ) of a refused dossier (404 for any other)."""
        dossier = _readable(dossier_id)
        form = service.form_03(dossier)
        paper = answer.Paper(form="03", template="refusal.html", number=dossier.code)
        return answer.answer(query["format"], paper, dossier, f=form, agency=dossier.agency) or form
