"""``/api/v1/agencies``, ``/units``, ``/officers``: thin views over :mod:`app.org.service`."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.api import page_of
from app.clock import utcnow
from app.extensions import db
from app.identity import current_officer
from app.org import grants, schemas, service
from app.org.visibility import visible_agency_ids

blp = Blueprint("org", __name__, url_prefix="/api/v1", description="Cơ quan, đơn vị, cán bộ (organisation)")

READERS = ("admin", "leader", "auditor")


@blp.route("/agencies")
class Agencies(MethodView):
    @blp.arguments(schemas.AgencyQuery, location="query")
    @blp.response(200, schemas.AgencyOut(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List agencies (a tree: filter by parent)."""
        return page_of(service.list_agencies(session=db.session, **query), pagination_parameters)

    @blp.arguments(schemas.AgencyIn)
    @blp.response(201, schemas.AgencyOut)
    def post(self, agency_in):
        """Create an agency (an agency administrator: under an agency of its tree)."""
        grants.check_agency_create(session=db.session, actor=current_officer(), agency_in=agency_in)
        return service.create_agency(session=db.session, agency_in=agency_in, now=utcnow())


@blp.route("/agencies/<int:agency_id>")
class AgencyById(MethodView):
    @blp.response(200, schemas.AgencyOut)
    def get(self, agency_id):
        """One agency."""
        return service.get_agency(session=db.session, agency_id=agency_id)

    @blp.arguments(schemas.AgencyPatch)
    @blp.response(200, schemas.AgencyOut)
    def patch(self, agency_in, agency_id):
        """Rename, reclassify or move an agency in the tree."""
        grants.check_agency_change(session=db.session, actor=current_officer(), agency_id=agency_id,
                                   agency_in=agency_in)
        return service.update_agency(session=db.session, agency_id=agency_id, agency_in=agency_in)

    @blp.response(204)
    def delete(self, agency_id):
        """Delete an agency that has no children, units or officers."""
        grants.check_agency_delete(session=db.session, actor=current_officer(), agency_id=agency_id)
        service.delete_agency(session=db.session, agency_id=agency_id)


@blp.route("/units")
class Units(MethodView):
    @blp.arguments(schemas.UnitQuery, location="query")
    @blp.response(200, schemas.UnitOut(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List units (divisions, desks) of agencies."""
        return page_of(service.list_units(session=db.session, **query), pagination_parameters)

    @blp.arguments(schemas.UnitIn)
    @blp.response(201, schemas.UnitOut)
    def post(self, unit_in):
        """Create a unit inside an agency (an agency administrator: of its tree)."""
        grants.check_unit_create(session=db.session, actor=current_officer(), unit_in=unit_in)
        return service.create_unit(session=db.session, unit_in=unit_in, now=utcnow())


@blp.route("/units/<int:unit_id>")
class UnitById(MethodView):
    @blp.response(200, schemas.UnitOut)
    def get(self, unit_id):
        """One unit."""
        return service.get_unit(session=db.session, unit_id=unit_id)

    @blp.arguments(schemas.UnitPatch)
    @blp.response(200, schemas.UnitOut)
    def patch(self, unit_in, unit_id):
        """Rename or reclassify a unit."""
        return service.update_unit(session=db.session, unit_id=unit_id, unit_in=unit_in)

    @blp.response(204)
    def delete(self, unit_id):
        """Delete a unit without members."""
        service.delete_unit(session=db.session, unit_id=unit_id)


@blp.route("/officers")
class Officers(MethodView):
    @blp.arguments(schemas.OfficerQuery, location="query")
    @blp.response(200, schemas.OfficerOut(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List officers (accounts) of the caller's agencies (all of them for auditors and system admins)."""
        within = visible_agency_ids(session=db.session, officer=current_officer())
        return page_of(service.list_officers(session=db.session, within_agencies=within, **query),
                     pagination_parameters)

    @blp.arguments(schemas.OfficerIn)
    @blp.response(201, schemas.OfficerOut)
    def post(self, officer_in):
        """Create an officer account with units and roles (never wider than the administrator's own)."""
        officer_in = grants.check_officer_create(session=db.session, actor=current_officer(), officer_in=officer_in)
        return service.create_officer(session=db.session, officer_in=officer_in, now=utcnow())


@blp.route("/officers/<int:officer_id>")
class OfficerById(MethodView):
    @blp.response(200, schemas.OfficerOut)
    def get(self, officer_id):
        """One officer."""
        return service.get_officer(session=db.session, officer_id=officer_id)

    @blp.arguments(schemas.OfficerPatch)
    @blp.response(200, schemas.OfficerOut)
    def patch(self, officer_in, officer_id):
        """Change an account; a new password or disabling revokes its tokens."""
        grants.check_officer_change(session=db.session, actor=current_officer(), officer_id=officer_id,
                                    officer_in=officer_in)
        return service.update_officer(session=db.session, officer_id=officer_id, officer_in=officer_in,
                                      now=utcnow())
