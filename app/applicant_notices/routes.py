"""``/api/v1/applicant-notices`` and ``/api/v1/notice-templates``: what the applicants were told, the dead
letters an operator sends again, the channels this service can use, and the templates administrators save."""
from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import func, select

from app.applicant_notices import events, service
from app.applicant_notices import schemas as s
from app.applicant_notices.models import NoticeTemplate
from app.auth import scope
from app.clock import utcnow
from app.definitions.models import ProcessDefinition
from app.errors import Forbidden, Unprocessable
from app.extensions import db
from app.identity import current_officer
from app.org.models import Agency
from app.org.visibility import agency_ids

blp = Blueprint("applicant_notices", __name__, url_prefix="/api/v1",
                description="Thông báo cho người nộp hồ sơ (notices to applicants)")


def _available():
    return current_app.extensions.get("motcua.applicant_channels", {})


def with_delivery(rows):
    state = service.delivery_state(db.session, [row.id for row in rows if row.status == "pending"])
    for row in rows:
        row.delivery = state.get(row.id)
    return rows


@blp.route("/applicant-notices/channels")
class Channels(MethodView):
    @blp.response(200, s.ChannelOut(many=True))
    def get(self):
        """The channels this service has a provider for (what reception may offer the applicant)."""
        return [{"channel": name, "name": events.CHANNEL_NAMES[name]} for name in _available()]


@blp.route("/applicant-notices")
class Notices(MethodView):
    @blp.arguments(s.NoticeQuery, location="query")
    @blp.response(200, s.NoticeOut(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Notices sent to applicants, newest first; ``status=failed`` lists the dead letters."""
        officer = current_officer()
        visible = None if scope.reads_all(officer) else frozenset(agency_ids(session=db.session, officer=officer))
        stmt = service.list_notices(session=db.session, agency_ids=visible, **query)
        pagination_parameters.item_count = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
        return with_delivery(list(db.session.scalars(stmt.offset(pagination_parameters.first_item)
                                                     .limit(pagination_parameters.page_size))))


@blp.route("/dossiers/<int:dossier_id>/applicant-notices")
class DossierNotices(MethodView):
    @blp.response(200, s.NoticeOut(many=True))
    def get(self, dossier_id):
        """What the dossier's applicant was told, over which channel, and whether it arrived."""
        return with_delivery(list(db.session.scalars(service.list_notices(session=db.session, dossier_id=dossier_id))))


@blp.route("/applicant-notices/<int:notice_id>/retry")
class NoticeRetry(MethodView):
    @blp.response(200, s.NoticeOut)
    def post(self, notice_id):
        """Send a dead letter again (409 unless it failed)."""
        return with_delivery([service.retry(session=db.session, notice_id=notice_id, now=utcnow(),
                                            available=_available())])[0]


def _template_agency(officer, template_in: dict) -> int | None:
    """A procedure's template belongs to its agency; an agency admin saves only its own agencies' templates."""
    agency_id = template_in.get("agency_id")
    if template_in.get("procedure_key"):
        definition = db.session.scalar(select(ProcessDefinition).where(
            ProcessDefinition.key == template_in["procedure_key"]))
        if definition is None:
            raise Unprocessable(code="unknown_reference", errors={"procedure_key": ["Không có thủ tục này."]})
        agency_id = definition.agency_id
    elif agency_id is not None and db.session.get(Agency, agency_id) is None:
        raise Unprocessable(code="unknown_reference", errors={"agency_id": ["Không có cơ quan này."]})
    if agency_id is None and scope.is_agency_admin(officer):
        raise Forbidden("Mẫu dùng chung cho mọi cơ quan do quản trị hệ thống lập.", code="system_admin_only",
                        detail_en="Templates for every agency are a system admin's.")
    if agency_id is not None:
        scope.check_agency_change(session=db.session, officer=officer, agency_id=agency_id)
    return agency_id


@blp.route("/notice-templates")
class Templates(MethodView):
    @blp.response(200, s.TemplatesOut)
    def get(self):
        """The events, their placeholders, the built-in wording and every saved template."""
        built_in = [{"id": None, "event": event, "channel": channel, "subject": texts["subject"],
                     "body": texts["body" if channel == "email" else "short"], "built_in": True}
                    for event, texts in events.DEFAULTS.items() for channel in events.CHANNELS]
        saved = [{**{c: getattr(row, c) for c in ("id", "event", "channel", "procedure_key", "agency_id", "subject",
                                                  "body", "html", "updated_at")}, "built_in": False}
                 for row in db.session.scalars(select(NoticeTemplate).order_by(NoticeTemplate.id))]
        return {"events": [{"event": e, "name": name, "placeholders": {p: events.PLACEHOLDERS[p]
                                                                        for p in sorted(events.ALLOWED[e])}}
                           for e, name in events.EVENTS.items()], "templates": built_in + saved}

    @blp.arguments(s.TemplateIn)
    @blp.response(200, s.TemplateOut)
    def post(self, template_in):
        """Save the template of a scope (replacing the one saved before); 422 ``template_invalid`` naming the
        placeholder when it uses one its event does not have."""
        officer = current_officer()
        agency_id = _template_agency(officer, template_in)
        row = service.save_template(session=db.session, template_in=template_in, agency_id=agency_id,
                                    officer_id=officer.id, now=utcnow())
        return {**{c: getattr(row, c) for c in ("id", "event", "channel", "procedure_key", "agency_id", "subject",
                                                "body", "html", "updated_at")}, "built_in": False}


@blp.route("/notice-templates/<int:template_id>")
class TemplateById(MethodView):
    @blp.response(204)
    def delete(self, template_id):
        """Delete a saved template (the next more general one, or the built-in one, applies again)."""
        row = db.session.get(NoticeTemplate, template_id)
        if row is not None and row.agency_id is not None:
            scope.check_agency_change(session=db.session, officer=current_officer(), agency_id=row.agency_id)
        elif row is not None and scope.is_agency_admin(current_officer()):
            raise Forbidden(code="system_admin_only")
        service.delete_template(session=db.session, template_id=template_id)


@blp.route("/notice-templates/preview")
class TemplatePreview(MethodView):
    @blp.arguments(s.PreviewIn)
    @blp.response(200, s.PreviewOut)
    def post(self, preview_in):
        """The template filled with sample values (checked as when saved; nothing is saved)."""
        service.check_template(event=preview_in["event"], subject=preview_in.get("subject"),
                               body=preview_in["body"], html=preview_in.get("html"))
        template = NoticeTemplate(event=preview_in["event"], channel=preview_in.get("channel"),
                                  subject=preview_in.get("subject"), body=preview_in["body"],
                                  html=preview_in.get("html"))
        return service.render(event=preview_in["event"], channel=preview_in.get("channel") or "email",
                              template=template, values=service.SAMPLE_VALUES)
