"""``/api/v1/procedures/{key}/dossiers`` and ``/api/v1/dossiers…``: thin views over :mod:`app.dossiers.service`."""
from __future__ import annotations

import json
from pathlib import Path

import marshmallow as ma
from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.exceptions import RequestEntityTooLarge

from app import flows
from app.api import FormatQuery, etag, if_match, json_or_html_doc, page_of, printable
from app.clock import utcnow
from app.documents import service as documents
from app.dossiers import records, schemas, service, transfers
from app.errors import BadRequest, PayloadTooLarge, Unprocessable
from app.extensions import db
from app.identity import current_officer
from app.printing import answer, qr
from app.printing.answer import pdf_answer, render_pdf
from app.tasks import service as tasks

blp = Blueprint("dossiers", __name__, url_prefix="/api/v1", description="Hồ sơ (dossiers)",
                template_folder="templates")



@blp.app_template_filter("local_time")
def local_time(value) -> str:
    """``hh:mm dd/mm/yyyy`` in the service timezone, as forms 01 and 06 write times."""
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Ho_Chi_Minh"))).strftime("%H:%M %d/%m/%Y")


def _readable(dossier_id: int):
    return flows.readable_dossier(session=db.session, dossier_id=dossier_id, officer=current_officer())


def dossier_shown(dossier):
    """A dossier answer (``DossierOut``): its deadline and its steps' shown with the request's now, its ETag."""
    flows.shown(session=db.session, now=utcnow(), dossiers=[dossier], with_steps=True)
    return dossier, 200, etag(dossier)


@blp.route("/procedures/<key>/dossiers")
class ProcedureDossiers(MethodView):
    @blp.arguments(schemas.DossierIn)
    @blp.response(201, schemas.ReceiptOut)
    def post(self, dossier_in, key):
        """Receive a dossier (tiếp nhận): code, appointment date and the lookup secret (shown once)."""
        dossier, secret = flows.receive(session=db.session, key=key, dossier_in=dossier_in, officer=current_officer(),
                                      now=utcnow(), code_format=current_app.config.get("DOSSIER_CODE_FORMAT"))
        receipt = records.receipt(session=db.session, dossier=dossier, secret=secret)
        flows.shown(session=db.session, now=utcnow(), steps=receipt["current_steps"])
        return receipt, 201, etag(dossier)


RECEPTION_WITH_FILES = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["dossier"], "properties": {
        "dossier": {"type": "string", "description": "the reception as JSON (DossierIn)"},
    }, "additionalProperties": {"type": "string", "format": "binary",
                                "description": "a file part named after its component's key (repeatable)"}}}}}
#: Room for the multipart framing and the ``dossier`` part beside the files.
MULTIPART_ALLOWANCE = 256 * 1024


@blp.route("/procedures/<key>/dossiers/with-documents")
class ProcedureDossiersWithDocuments(MethodView):
    @blp.doc(requestBody=RECEPTION_WITH_FILES)
    @blp.response(201, schemas.ReceiptOut)
    def post(self, key):
        """Receive a dossier with its digitised papers in one request: a refused file means no dossier."""
        version = service.reception_version(session=db.session, key=key)
        limits = [c["max_bytes"] for c in documents.components_of_version(version)]
        request.max_content_length = sum(sorted(limits)[-20:]) + MULTIPART_ALLOWANCE
        try:
            text = request.form.get("dossier")
            files = [(name, upload) for name in request.files for upload in request.files.getlist(name)]
        except RequestEntityTooLarge:
            raise PayloadTooLarge("Tổng dung lượng các tệp vượt quá giới hạn của thủ tục.", code="file_too_large",
                                  detail_en="The files together exceed the procedure's limits.") from None
        try:
            dossier, secret = flows.receive(
                session=db.session, key=key, dossier_in=_reception_part(text), officer=current_officer(), now=utcnow(),
                code_format=current_app.config.get("DOSSIER_CODE_FORMAT"), files=files,
                storage=current_app.extensions["motcua.storage"],
                staging_dir=Path(current_app.config["DOCUMENT_STAGING_DIR"]))
        finally:
            for _, upload in files:
                upload.close()
        receipt = records.receipt(session=db.session, dossier=dossier, secret=secret)
        flows.shown(session=db.session, now=utcnow(), steps=receipt["current_steps"])
        return receipt, 201, etag(dossier)


def _reception_part(text: str | None) -> dict:
    """The ``dossier`` part, loaded by the same schema as a JSON reception."""
    if text is None:
        raise BadRequest("Thiếu phần 'dossier' (JSON của hồ sơ).", code="dossier_part_missing",
                         detail_en="Missing the 'dossier' part (the reception as JSON).")
    try:
        return schemas.DossierIn().load(json.loads(text))
    except (ValueError, RecursionError):
        raise Unprocessable("Phần 'dossier' không phải JSON hợp lệ.", code="validation_failed",
                            detail_en="The 'dossier' part is not valid JSON.", errors={"dossier": ["JSON"]}) from None
    except ma.ValidationError as exc:
        raise Unprocessable("Phần 'dossier' không hợp lệ.", code="validation_failed",
                            detail_en="The 'dossier' part is not valid.", errors={"dossier": exc.messages}) from None


@blp.route("/dossiers")
class Dossiers(MethodView):
    @blp.arguments(schemas.DossierQuery, location="query")
    @blp.response(200, schemas.DossierSummaryOut(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List dossiers, newest first; filters by procedure, agency, unit, status, overdue, dates, code."""
        stmt = service.list_dossiers(session=db.session, now=utcnow(),
                                     visible=tasks.visibility(session=db.session, officer=current_officer()), **query)
        page = page_of(stmt, pagination_parameters)
        flows.shown(session=db.session, now=utcnow(), dossiers=page)
        return page


@blp.route("/dossiers/<int:dossier_id>")
class DossierById(MethodView):
    @blp.response(200, schemas.DossierOut)
    def get(self, dossier_id):
        """One dossier: state, current steps (unit, assignee, due time) and past steps; ETag = lock version."""
        return dossier_shown(_readable(dossier_id))


@blp.route("/dossiers/<int:dossier_id>/receipt")
class DossierReceipt(MethodView):
    @blp.arguments(FormatQuery, location="query")
    @blp.response(200, schemas.ReceiptOut)
    @blp.doc(**json_or_html_doc("ReceiptOut"))
    def get(self, query, dossier_id):
        """Form 01 (Giấy tiếp nhận hồ sơ và hẹn trả kết quả) as JSON, a printable page (``?format=html``) or a PDF
        (``?format=pdf``, kept with the dossier); the printed form carries a QR code of the lookup page."""
        dossier = _readable(dossier_id)
        receipt = records.receipt(session=db.session, dossier=dossier)
        flows.shown(session=db.session, now=utcnow(), steps=receipt["current_steps"])
        if query["format"] == "json":
            return receipt
        lookup = qr.lookup_url(dossier.code, current_app.config.get("PUBLIC_BASE_URL") or request.url_root)
        paper = answer.Paper(form="01", template="receipt.html", number=dossier.code)
        return answer.answer(query["format"], paper, dossier, r=receipt, agency=dossier.agency,
                             lookup_url=lookup, qr=qr.qr_svg(lookup))


@blp.route("/dossiers/<int:dossier_id>/control-sheet")
class DossierControlSheet(MethodView):
    @blp.arguments(FormatQuery, location="query")
    @blp.response(200, schemas.ControlSheetOut)
    @blp.doc(**json_or_html_doc("ControlSheetOut"))
    def get(self, query, dossier_id):
        """Form 06 (Phiếu kiểm soát quá trình giải quyết hồ sơ): one row per hand-over."""
        dossier = _readable(dossier_id)
        sheet = flows.control_sheet(session=db.session, dossier=dossier)
        if query["format"] == "html":
            return printable("control_sheet.html", s=sheet, agency=dossier.agency, now=utcnow())
        if query["format"] == "pdf":
            pdf = render_pdf("control_sheet.html", s=sheet, agency=dossier.agency, now=utcnow())
            return pdf_answer(pdf, f"Mau-so-06_{dossier.code}.pdf")
        return sheet


@blp.route("/dossiers/<int:dossier_id>/withdraw")
class DossierWithdraw(MethodView):
    @blp.arguments(schemas.ReasonIn)
    @blp.response(200, schemas.DossierOut)
    def post(self, body, dossier_id):
        """Withdraw a dossier at the applicant's request (rút hồ sơ); open steps are cancelled."""
        _readable(dossier_id)
        dossier = flows.close(session=db.session, dossier_id=dossier_id, officer=current_officer(),
                              status="withdrawn", reason=body["reason"], now=utcnow(), if_match=if_match())
        return dossier_shown(dossier)


@blp.route("/dossiers/<int:dossier_id>/stop")
class DossierStop(MethodView):
    @blp.arguments(schemas.ReasonIn)
    @blp.response(200, schemas.DossierOut)
    def post(self, body, dossier_id):
        """Stop handling a dossier (dừng xử lý, form 05) with a reason."""
        _readable(dossier_id)
        dossier = flows.close(session=db.session, dossier_id=dossier_id, officer=current_officer(),
                              status="stopped", reason=body["reason"], now=utcnow(), if_match=if_match())
        return dossier_shown(dossier)


@blp.route("/dossiers/<int:dossier_id>/transfer")
class DossierTransfer(MethodView):
    @blp.arguments(schemas.TransferIn)
    @blp.response(200, schemas.DossierOut)
    def post(self, body, dossier_id):
        """Transfer to the competent agency (chuyển hồ sơ): same code and history; the clock follows the target
        procedure's ``transferClock`` (restart, the default, or keep)."""
        _readable(dossier_id)
        dossier = flows.transfer(session=db.session, dossier_id=dossier_id, officer=current_officer(),
                                 agency_id=body["agency_id"], procedure_key=body["procedure_key"],
                                 reason=body["reason"], now=utcnow(), if_match=if_match())
        return dossier_shown(dossier)


@blp.route("/dossiers/<int:dossier_id>/transfers")
class DossierTransfers(MethodView):
    @blp.response(200, schemas.TransferOut(many=True))
    def get(self, dossier_id):
        """The dossier's transfers between agencies, oldest first."""
        return transfers.transfers_of(session=db.session, dossier_id=_readable(dossier_id).id)


@blp.route("/dossiers/<int:dossier_id>/retry")
class DossierRetry(MethodView):
    @blp.arguments(schemas.RetryIn)
    @blp.response(200, schemas.DossierOut)
    def post(self, body, dossier_id):
        """Run again what failed (an incident), optionally with corrected step data."""
        _readable(dossier_id)
        dossier = flows.retry(session=db.session, dossier_id=dossier_id, officer=current_officer(), now=utcnow(),
                              data=body["data"], if_match=if_match())
        return dossier_shown(dossier)
