"""``/api/v1/dossiers/{id}/components|documents`` (officers), trust anchors (administrators).

An upload names its component in the URL so the body's limit is known *before* the body is read: a file
bigger than the component's ``max_bytes`` is a 413 from its ``Content-Length`` alone (or as soon as a
chunked body passes it), and nothing is staged.
"""
from __future__ import annotations

from pathlib import Path

import marshmallow as ma
from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.exceptions import RequestEntityTooLarge

from app import flows
from app.api import if_match
from app.auth import scope
from app.clock import utcnow
from app.documents import anchors, delivery, schemas, service
from app.documents.storage import Storage
from app.errors import BadRequest, Unprocessable
from app.extensions import db
from app.identity import current_officer
from app.tasks import service as tasks

blp = Blueprint("documents", __name__, url_prefix="/api/v1",
                description="Thành phần hồ sơ, tệp số hoá, kết quả, chữ ký số (documents)")

#: Room for the multipart framing and the small fields beside the file.
MULTIPART_ALLOWANCE = 64 * 1024
UPLOAD_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": "the file; its kind is read from the bytes"},
        "step_id": {"type": "integer", "description": "the open step the file is attached at (officers: required)"},
        "note": {"type": "string", "maxLength": 2000}}}}}}


def storage() -> Storage:
    return current_app.extensions["motcua.storage"]


def staging_dir() -> Path:
    return Path(current_app.config["DOCUMENT_STAGING_DIR"])


def _readable(dossier_id: int):
    return flows.readable_dossier(session=db.session, dossier_id=dossier_id, officer=current_officer())


def _upload_fields() -> dict:
    """The file part and the fields beside it, parsed only now (the limit is set)."""
    file = request.files.get("file")
    if file is None:
        raise BadRequest("Thiếu trường 'file' chứa tệp.", code="file_missing_in_request",
                         detail_en="Missing the 'file' field.")
    try:
        fields = schemas.UploadForm().load(dict(request.form.items()))
    except ma.ValidationError as exc:
        raise Unprocessable("Trường gửi kèm tệp không hợp lệ.", code="validation_failed",
                            detail_en="A field beside the file is not valid.", errors=exc.messages) from None
    return {"file": file, **fields}


@blp.route("/dossiers/<int:dossier_id>/components")
class DossierComponents(MethodView):
    @blp.response(200, schemas.DossierComponentOut(many=True))
    def get(self, dossier_id):
        """The checklist: each component as declared, handed in or not, its current file and version count."""
        return service.dossier_components(session=db.session, dossier=_readable(dossier_id))


@blp.route("/dossiers/<int:dossier_id>/components/<component>/documents")
class ComponentDocuments(MethodView):
    @blp.doc(requestBody=UPLOAD_BODY)
    @blp.response(201, schemas.DocumentOut)
    def post(self, dossier_id, component):
        """Upload a file to a component: a new version (413 past its size, 415 a kind it does not accept)."""
        dossier = _readable(dossier_id)
        declared = service.component_of(dossier, component)
        request.max_content_length = declared["max_bytes"] + MULTIPART_ALLOWANCE
        try:
            fields = _upload_fields()
        except RequestEntityTooLarge:
            raise service.too_large(declared) from None
        file = fields["file"]
        try:
            return flows.upload_document(
                session=db.session, storage=storage(), dossier_id=dossier_id, component=component, source=file.stream,
                filename=file.filename, officer=current_officer(), now=utcnow(), staging_dir=staging_dir(),
                step_id=fields.get("step_id"), note=fields.get("note"), if_match=if_match())
        finally:
            file.close()


@blp.route("/dossiers/<int:dossier_id>/components/<component>/reuse")
class ComponentReuse(MethodView):
    @blp.arguments(schemas.ReuseIn)
    @blp.response(201, schemas.DocumentOut)
    def post(self, body, dossier_id, component):
        """Attach a document digitised for an earlier dossier of the same applicant, without scanning again."""
        _readable(dossier_id)
        officer = current_officer()
        return flows.reuse_document(session=db.session, dossier_id=dossier_id, component=component,
                                    source_id=body["document_id"], officer=officer, now=utcnow(),
                                    can_read=lambda other: scope.can_read_dossier(session=db.session, officer=officer,
                                                                                  dossier=other),
                                    step_id=body.get("step_id"), note=body.get("note"), if_match=if_match())


@blp.route("/dossiers/<int:dossier_id>/documents")
class DossierDocuments(MethodView):
    @blp.response(200, schemas.DocumentOut(many=True))
    def get(self, dossier_id):
        """Every version of every component, deleted ones marked (the trail stays readable)."""
        return service.list_for(session=db.session, dossier_id=_readable(dossier_id).id)


@blp.route("/dossiers/<int:dossier_id>/documents/<int:document_id>")
class DossierDocument(MethodView):
    @blp.response(200, schemas.DocumentOut)
    def get(self, dossier_id, document_id):
        """One version: who uploaded it when and at which step, its signatures."""
        _readable(dossier_id)
        return service.get(session=db.session, dossier_id=dossier_id, document_id=document_id)

    @blp.arguments(schemas.DeleteIn)
    @blp.response(200, schemas.DocumentOut)
    def delete(self, body, dossier_id, document_id):
        """Soft-delete a version (kept, marked with who, when and why; the audit trail records it)."""
        _readable(dossier_id)
        return flows.delete_document(session=db.session, dossier_id=dossier_id, document_id=document_id,
                                     officer=current_officer(), reason=body["reason"], now=utcnow(), if_match=if_match())


@blp.route("/dossiers/<int:dossier_id>/documents/<int:document_id>/content")
class DossierDocumentContent(MethodView):
    @blp.response(200, content_type="application/octet-stream",
                  description="the bytes (206 for a range; ETag = sha-256; 304 on If-None-Match)")
    def get(self, dossier_id, document_id):
        """Download a version's bytes, streamed; ``Range`` and ``If-None-Match`` are honoured."""
        _readable(dossier_id)
        document = service.get(session=db.session, dossier_id=dossier_id, document_id=document_id)
        return delivery.content_response(document, storage())


@blp.route("/documents/reusable")
class ReusableDocuments(MethodView):
    @blp.arguments(schemas.ReusableQuery, location="query")
    @blp.response(200, schemas.DocumentOut(many=True))
    def get(self, query):
        """Documents digitised for an applicant (by ID number) in dossiers you may read, newest first."""
        return service.reusable(session=db.session, id_number=query["id_number"],
                                visible=tasks.visibility(session=db.session, officer=current_officer()))


@blp.route("/agencies/<int:agency_id>/trust-anchors")
class TrustAnchors(MethodView):
    @blp.response(200, schemas.AnchorOut(many=True))
    def get(self, agency_id):
        """The CA certificates the agency trusts for digital signatures (agencies below it trust them too)."""
        return anchors.list_for(session=db.session, agency_id=agency_id)

    @blp.arguments(schemas.AnchorIn)
    @blp.response(201, schemas.AnchorOut)
    def post(self, body, agency_id):
        """Trust one CA certificate (PEM); a leaf certificate or garbage is a 422."""
        return anchors.add(session=db.session, agency_id=agency_id, pem=body["pem"].encode("utf-8"),
                                  officer=current_officer(), now=utcnow())


@blp.route("/agencies/<int:agency_id>/trust-anchors/<int:anchor_id>")
class TrustAnchorById(MethodView):
    @blp.response(204)
    def delete(self, agency_id, anchor_id):
        """Stop trusting a CA certificate (documents verified before keep their recorded verdict)."""
        anchors.remove(session=db.session, agency_id=agency_id, anchor_id=anchor_id, officer=current_officer(),
                       now=utcnow())
