"""``/api/v1/process-definitions`` (designers, administrators) and the catalog ``/api/v1/procedures``."""
from __future__ import annotations

import json

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from app.api import page_of
from app.clock import utcnow
from app.definitions import catalog, schemas, service
from app.errors import BadRequest, NotFound, Unprocessable, UnsupportedMediaType
from app.extensions import db
from app.identity import current_officer

blp = Blueprint("definitions", __name__, url_prefix="/api/v1",
                description="Quy trình BPMN: tải lên, kiểm tra, phiên bản, ban hành (process definitions)")

XML_TYPES = {"application/xml", "text/xml", "application/bpmn+xml", "application/octet-stream"}
UPLOAD_BODY = {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": "the BPMN file"},
        "forms": {"type": "string", "format": "binary",
                  "description": "optional JSON object: form name → JSON Schema, the forms the steps' `form` "
                                 "properties name (without it, an amendment keeps the amended version's forms)"},
        "components": {"type": "string", "format": "binary",
                       "description": "optional JSON list of the dossier's components (thành phần hồ sơ, results "
                                      "included; see `PUT …/components`); without it an amendment keeps the "
                                      "amended version's"}}}},
    "application/xml": {"schema": {"type": "string"}},
}}


def _uploaded_json(name: str, code: str) -> object | None:
    """The multipart part ``name`` (a file or a field) as JSON, or None when there is none."""
    part = request.files.get(name)
    text = part.read() if part is not None else request.form.get(name)
    if text is None:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise Unprocessable(f"Phần '{name}' không phải JSON hợp lệ.", code=code,
                            detail_en=f"The '{name}' part is not valid JSON.", errors={name: ["JSON"]}) from None


def _uploaded_bytes() -> tuple[bytes, str | None]:
    """The BPMN from a multipart ``file`` field or from the raw body."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise BadRequest("Thiếu trường 'file' chứa tệp BPMN.", detail_en="Missing the 'file' field.")
        return upload.read(), upload.filename
    if request.mimetype not in XML_TYPES:
        raise UnsupportedMediaType("Gửi tệp BPMN dạng multipart (trường 'file') hoặc thân application/xml.",
                               detail_en="Send the BPMN as multipart 'file' or as an application/xml body.")
    return request.get_data(cache=False), None


@blp.route("/process-definitions")
class Definitions(MethodView):
    @blp.arguments(schemas.DefinitionQuery, location="query")
    @blp.response(200, schemas.DefinitionOut(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List process definitions with their versions (a designer of an agency: that agency's tree)."""
        return page_of(service.list_definitions(session=db.session, officer=current_officer(), **query),
                       pagination_parameters)

    @blp.arguments(schemas.UploadQuery, location="query")
    @blp.doc(requestBody=UPLOAD_BODY)
    @blp.response(201, schemas.VersionOut)
    def post(self, query):
        """Upload BPMN: validated, then stored as a new draft version (422 lists errors with line and element)."""
        data, filename = _uploaded_bytes()
        meta = {"code": query.get("code"), "name": query.get("name"), "kind": query.get("kind"),
                "agency_id": query.get("agency_id"), "replaces_key": query.get("replaces"),
                "forms": None, "components": None}
        if request.mimetype == "multipart/form-data":
            meta["forms"] = _uploaded_json("forms", "form_invalid")
            meta["components"] = _uploaded_json("components", "components_invalid")
        return service.upload(session=db.session, data=data, filename=filename, now=utcnow(),
                              officer=current_officer(), max_bytes=current_app.config["BPMN_MAX_BYTES"],
                              process_id=query.get("process_id"), meta=meta)


@blp.route("/process-definitions/<key>")
class DefinitionByKey(MethodView):
    @blp.response(200, schemas.DefinitionOut)
    def get(self, key):
        """One process definition and its versions."""
        return service.get_definition(session=db.session, key=key)


@blp.route("/process-definitions/<key>/versions/<int:version>")
class VersionByNumber(MethodView):
    @blp.response(200, schemas.VersionOut)
    def get(self, key, version):
        """One version: status, validation findings, lanes, steps, bindings, review comments."""
        return service.get_version(session=db.session, key=key, version=version)


@blp.route("/process-definitions/<key>/versions/<int:version>/bpmn")
class VersionBpmn(MethodView):
    @blp.response(200, content_type="application/xml")
    def get(self, key, version):
        """The exact bytes uploaded (diagram interchange included)."""
        found = service.get_version(session=db.session, key=key, version=version)
        return Response(found.bpmn, mimetype="application/xml",
                        headers={"ETag": f'"{found.bpmn_sha256}"',
                                 "Content-Disposition": f'inline; filename="{key}-v{version}.bpmn"'})


@blp.route("/process-definitions/<key>/versions/<int:version>/forms")
class VersionForms(MethodView):
    @blp.response(200, description="form name → JSON Schema, exactly as stored")
    def get(self, key, version):
        """The version's forms: name → JSON Schema (frozen once the version is submitted)."""
        return service.get_version(session=db.session, key=key, version=version).forms


@blp.route("/process-definitions/<key>/versions/<int:version>/forms/<name>")
class VersionForm(MethodView):
    @blp.response(200, description="the JSON Schema, exactly as stored")
    def get(self, key, version, name):
        """One form of the version (a JSON Schema)."""
        forms = service.get_version(session=db.session, key=key, version=version).forms
        if name not in forms:
            raise NotFound(f"Phiên bản không có biểu mẫu '{name}'.", detail_en=f"The version has no form '{name}'.")
        return forms[name]

    @blp.arguments(schemas.FormIn)
    @blp.response(200, schemas.VersionOut)
    def put(self, schema, key, version, name):
        """Add or replace a form of a draft (JSON Schema 2020-12, checked); the data flow is checked again."""
        return service.set_form(session=db.session, key=key, version=version, name=name, schema=schema, now=utcnow())

    @blp.response(200, schemas.VersionOut)
    def delete(self, key, version, name):
        """Remove a form of a draft; steps that name it become errors of the version."""
        return service.set_form(session=db.session, key=key, version=version, name=name, schema=None, now=utcnow())


@blp.route("/process-definitions/<key>/versions/<int:version>/components")
class VersionComponents(MethodView):
    @blp.response(200, schemas.ComponentOut(many=True))
    def get(self, key, version):
        """The dossier's components of this version (thành phần hồ sơ), results included, in order."""
        return service.get_version(session=db.session, key=key, version=version).components

    @blp.arguments(schemas.ComponentIn(many=True))
    @blp.response(200, schemas.VersionOut)
    def put(self, components, key, version):
        """Replace a draft's components; steps whose ``produces`` names none of them become errors."""
        return service.set_components(session=db.session, key=key, version=version, components=components,
                                      now=utcnow())


@blp.route("/process-definitions/<key>/versions/<int:version>/submit")
class VersionSubmit(MethodView):
    @blp.response(200, schemas.VersionOut)
    def post(self, key, version):
        """Send a draft for review (draft → in_review)."""
        return service.submit(session=db.session, key=key, version=version, now=utcnow())


@blp.route("/process-definitions/<key>/versions/<int:version>/return")
class VersionReturn(MethodView):
    @blp.response(200, schemas.VersionOut)
    def post(self, key, version):
        """Send a version under review back to its designer (in_review → draft)."""
        return service.return_to_draft(session=db.session, key=key, version=version)


@blp.route("/process-definitions/<key>/versions/<int:version>/comments")
class VersionComments(MethodView):
    @blp.response(200, schemas.CommentOut(many=True))
    def get(self, key, version):
        """Review comments, oldest first."""
        return service.get_version(session=db.session, key=key, version=version).comments

    @blp.arguments(schemas.CommentIn)
    @blp.response(201, schemas.CommentOut)
    def post(self, body, key, version):
        """Add a review comment (who, when, text)."""
        return service.add_comment(session=db.session, key=key, version=version, author=current_officer(),
                                   text=body["text"], now=utcnow())


@blp.route("/process-definitions/<key>/versions/<int:version>/publish")
class VersionPublish(MethodView):
    @blp.arguments(schemas.PublishIn)
    @blp.response(200, schemas.VersionOut)
    def post(self, body, key, version):
        """Publish (ban hành): decision, dates, every lane bound to a unit; supersedes the previous version."""
        return service.publish(session=db.session, key=key, version=version, officer=current_officer(),
                               now=utcnow(), **body)


@blp.route("/process-definitions/<key>/versions/<int:version>/abolish")
class VersionAbolish(MethodView):
    @blp.arguments(schemas.AbolishIn)
    @blp.response(200, schemas.VersionOut)
    def post(self, body, key, version):
        """Abolish (bãi bỏ): no new dossiers; running ones finish under their version."""
        return service.abolish(session=db.session, key=key, version=version, reason=body["reason"], now=utcnow())


@blp.route("/procedures")
class Procedures(MethodView):
    @blp.arguments(schemas.CatalogQuery, location="query")
    @blp.response(200, schemas.CatalogEntryOut(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """The catalog: published procedures with totals (declared vs steps) and each step's unit and limit.

        ``status`` also reads superseded and abolished versions; drafts and versions under review are never here.
        """
        versions = page_of(catalog.catalog_query(session=db.session, **query), pagination_parameters)
        return [catalog.catalog_entry(v) for v in versions]
