"""``/api/v1/calendar/…`` and ``/api/v1/agencies/{id}/calendar/…``: thin views over :mod:`app.calendar.service`."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.calendar import schemas, service
from app.clock import utcnow
from app.extensions import db
from app.identity import current_officer

blp = Blueprint("calendar", __name__, url_prefix="/api/v1", description="Lịch làm việc, hạn xử lý (working calendar)")


@blp.route("/calendar/due-date")
class DueDate(MethodView):
    @blp.arguments(schemas.DueDateQuery, location="query")
    @blp.response(200, schemas.DueDateOut)
    def get(self, query):
        """Due time of a working duration from a reception moment (15:00 rule, sessions, holidays, overrides)."""
        return service.due_date(session=db.session, agency_id=query["agency"], start=query["start"],
                                duration_text=query["duration"])


@blp.route("/calendar/days")
class CalendarDays(MethodView):
    @blp.arguments(schemas.DaysQuery, location="query")
    @blp.response(200, schemas.DaysOut)
    def get(self, query):
        """The year's days off and extra working days of an agency, each with its source."""
        return service.days_of_year(session=db.session, agency_id=query["agency"], year=query["year"])


@blp.route("/agencies/<int:agency_id>/calendar/overrides")
class Overrides(MethodView):
    @blp.arguments(schemas.OverrideQuery, location="query")
    @blp.response(200, schemas.OverrideOut(many=True))
    def get(self, query, agency_id):
        """The agency's own overrides (inherited ones show in ``/calendar/days``)."""
        return service.list_overrides(session=db.session, agency_id=agency_id, year=query.get("year"))

    @blp.arguments(schemas.OverrideIn)
    @blp.response(201, schemas.OverrideOut(many=True))
    def post(self, override_in, agency_id):
        """Declare a day (or a range ``day_from``..``day_to``) off or worked, citing the decision."""
        return service.create_overrides(session=db.session, agency_id=agency_id, override_in=override_in,
                                        created_by=current_officer().id, now=utcnow())


@blp.route("/agencies/<int:agency_id>/calendar/overrides/<int:override_id>")
class OverrideById(MethodView):
    @blp.response(204)
    def delete(self, agency_id, override_id):
        """Remove an override; deadlines computed afterwards use the package's calendar again."""
        service.delete_override(session=db.session, agency_id=agency_id, override_id=override_id)


@blp.route("/agencies/<int:agency_id>/calendar/settings")
class Settings(MethodView):
    @blp.response(200, schemas.SettingsOut)
    def get(self, agency_id):
        """Office sessions, reception cut-off and completion rule: the agency's own and the effective ones."""
        return service.get_settings(session=db.session, agency_id=agency_id)

    @blp.arguments(schemas.SettingsIn)
    @blp.response(200, schemas.SettingsOut)
    def put(self, settings_in, agency_id):
        """Set or clear (null) the agency's settings; unset values inherit from the parent agency."""
        return service.update_settings(session=db.session, agency_id=agency_id, settings_in=settings_in, now=utcnow())
