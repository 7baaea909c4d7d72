"""Data scope: *on which objects* an officer may use an endpoint the permission table let them call.

Rules:

- **Agency scope.** An officer's agencies are their home agency and their units' agencies, each with every
  agency below it. A leader, officer or clerk sees nothing of another agency: lists are filtered by the
  services, and a direct access to another agency's dossier or step answers **404 with the very same
  problem as an id that does not exist**, so existence never leaks.
- **Unit scope.** An officer acts on (and opens) only steps of their own units; a leader's units include
  the units below them (``units.parent_id``: the leadership unit CB-SNV-XDCQ-LD leads CB-SNV-XDCQ).
  Another unit's step of a visible dossier answers 403.
- **The desk.** A dossier received (or refused, form 03) at a unit (``dossiers.receiving_unit_id``) is read by
  that unit's clerks whatever units its steps reach, so the desk follows what it received.
- **Lane binding.** A step belongs to the unit its lane was bound to at publish time (``steps.unit_id``);
  a clerk receives dossiers only for procedures with a lane bound to their desk, or of an agency whose
  tree holds the desk (a commune's public-service centre receives the commune's procedures).
- **Read-all.** Auditors, and admins, read every agency. An admin with a home agency (``officers.agency_id``)
  is an *agency admin*: calendars, agencies, units, officers, API keys, dossiers and due work outside that
  agency's tree are 404 to their changes, and what a body may grant is limited by :mod:`app.org.grants`;
  an admin without one is a system admin. (Units do not restrict admins: the demo's admin sits in a
  department's office yet administers the system.)
- **Designers** with a home agency see and change only procedures of that agency's tree (procedures with
  no agency: everyone); a designer without one designs for every agency (the demo's designer). Outside
  the tree a procedure's URL is the same 404 as a key (or version) that does not exist, the list leaves it
  out, an upload's ``agency_id`` is refused as an agency that does not exist (422; omitted: the home
  agency), and an upload reusing its process id is a taken key (409 ``key_taken``, nothing said of it).
  An agency admin reads every procedure but changes (uploads, comments, returns, publishes, abolishes)
  only its tree's, the same 404 outside it; a designer who also leads or audits reads them all. The rule
  is :func:`app.definitions.service.design_agency_ids`; a draft shows nowhere (catalog, public lookup,
  dossiers) before it is published.
- **Diagrams of dossiers.** Officers and clerks (who read no procedure under design) read the BPMN of a
  version dossiers run on (published, superseded, abolished) when they could see its dossiers: the
  procedure's agency is one of theirs, or a lane of the version is bound to one of their units. Any other
  version is the same 404 as one that does not exist.

:func:`check_request` runs in the guard after the role check, before the view, from the URL's ids.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.permissions import DEFINITION_READERS
from app.errors import Forbidden, NotFound
from app.org.models import Officer, Unit
from app.org.service import descendant_agency_ids
from app.org.tree import descendants, unit_edges
from app.org.visibility import agency_ids, home_agency_ids, is_system_admin, visible_agency_ids
from app.request_cache import keep, memo

READ_ALL_ROLES = ("admin", "auditor")


def reads_all(officer: Officer) -> bool:
    return officer.has_role(*READ_ALL_ROLES)


def descendant_unit_ids(*, session: Session, roots: set[int]) -> set[int]:
    return descendants(unit_edges(session), roots)


def unit_ids(*, session: Session, officer: Officer) -> set[int]:
    """Units whose steps the officer works: their own; for leaders also every unit below those."""
    own = {unit.id for unit in officer.units}
    if officer.has_role("leader") and own:
        return descendant_unit_ids(session=session, roots=own)
    return own


def can_read_dossier(*, session: Session, officer: Officer, dossier: Any) -> bool:
    """Read-all roles; the dossier's agency in the officer's agencies; a step of it in their units; or it was
    received (or refused) at one of their units (the desk).

    Asked by the guard and again by the view: answered once per request.
    """
    from app.dossiers.models import Step

    def decide() -> bool:
        if reads_all(officer) or dossier.agency_id in agency_ids(session=session, officer=officer):
            return True
        units = unit_ids(session=session, officer=officer)
        if dossier.receiving_unit_id is not None and dossier.receiving_unit_id in units:
            return True
        return bool(units) and session.scalar(
            select(Step.id).where(Step.dossier_id == dossier.id, Step.unit_id.in_(units)).limit(1)) is not None

    return memo(f"scope.can_read_dossier:{officer.id}:{dossier.id}", decide)


# --- the same 404 as "no such object" ------------------------------------------------------------------

def _no_dossier(dossier_id: Any) -> NotFound:
    return NotFound(f"Không có hồ sơ {dossier_id}.", detail_en=f"No dossier {dossier_id}.")


def _no_step(step_id: Any) -> NotFound:
    return NotFound(f"Không có bước {step_id}.", detail_en=f"No step {step_id}.")


def _no_definition(key: Any) -> NotFound:
    return NotFound(f"Không có quy trình '{key}'.", detail_en=f"No process definition '{key}'.")


def _no_version(key: Any, version: Any) -> NotFound:
    """As :func:`app.definitions.service.get_version` answers for a version that does not exist."""
    return NotFound(f"Không có phiên bản {version} của quy trình '{key}'.", detail_en=f"No version {version} of '{key}'.")


def _no_agency(agency_id: Any) -> NotFound:
    return NotFound(f"Không có cơ quan {agency_id}.", code="unknown_agency", detail_en=f"No agency {agency_id}.")


# --- per request ----------------------------------------------------------------------------------------

def check_request(*, session: Session, officer: Officer, endpoint: str, method: str,
                  view_args: dict[str, Any]) -> None:
    """Refuse (404/403) a request whose URL names an object outside the officer's scope."""
    if "dossier_id" in view_args:
        _check_dossier(session, officer, view_args["dossier_id"], writes=method not in ("GET", "HEAD"))
    if endpoint == "scheduler.DueWorkRetry":
        _check_due_work(session, officer, view_args["item_id"])
    if endpoint == "applicant_notices.NoticeRetry":
        _check_notice(session, officer, view_args["notice_id"])
    if "step_id" in view_args:
        _check_step(session, officer, view_args["step_id"])
    if "agency_id" in view_args and method not in ("GET", "HEAD"):
        _check_agency_admin(session, officer, view_args["agency_id"])
    if endpoint == "org.OfficerById":
        _check_officer_visible(session, officer, view_args["officer_id"])
    if endpoint == "org.UnitById" and method not in ("GET", "HEAD"):
        unit = session.get(Unit, view_args["unit_id"])
        if unit is not None:
            _check_agency_admin(session, officer, unit.agency_id, missing=NotFound())
    if "key" in view_args:
        if endpoint in ("dossiers.ProcedureDossiers", "dossiers.ProcedureDossiersWithDocuments",
                        "desk.ProcedureRefusals"):
            _check_reception_desk(session, officer, view_args["key"])
        elif endpoint.startswith("definitions."):
            _check_designer(session, officer, view_args["key"], writes=method not in ("GET", "HEAD"),
                            version=view_args.get("version"))
        if endpoint == "definitions.VersionBpmn":
            _check_dossier_diagram(session, officer, view_args["key"], view_args["version"])


def _check_officer_visible(session: Session, officer: Officer, officer_id: int) -> None:
    """Another agency's officer is not even said to exist."""
    visible = visible_agency_ids(session=session, officer=officer)
    if visible is None:
        return
    other = session.get(Officer, officer_id)
    if other is None or not ({u.agency_id for u in other.units} | {other.agency_id}) & visible:
        raise NotFound()


def is_agency_admin(officer: Officer) -> bool:
    return officer.has_role("admin") and officer.agency_id is not None


def _check_dossier(session: Session, officer: Officer, dossier_id: int, *, writes: bool = False) -> None:
    """One scoped query whether the dossier is missing or another agency's: the two 404s cost the same.

    An agency admin reads every dossier but changes (retries) only those of its agencies.
    """
    from app.dossiers.models import Dossier, Step

    if reads_all(officer) and not (writes and is_agency_admin(officer)):
        keep(session.get(Dossier, dossier_id))
        return
    units = unit_ids(session=session, officer=officer)
    in_units = select(Step.id).where(Step.dossier_id == Dossier.id, Step.unit_id.in_(units)).exists()
    dossier = keep(session.scalar(select(Dossier).where(
        Dossier.id == dossier_id, Dossier.agency_id.in_(agency_ids(session=session, officer=officer)) | in_units
        | Dossier.receiving_unit_id.in_(units))))
    if dossier is None:
        raise _no_dossier(dossier_id)
    memo(f"scope.can_read_dossier:{officer.id}:{dossier.id}", lambda: True)


def _check_due_work(session: Session, officer: Officer, item_id: int) -> None:
    """An agency admin retries the due work of its agencies' dossiers; work of no dossier is the system's."""
    from app.scheduler.due_work_models import DueWork

    if not is_agency_admin(officer):
        return
    item = session.get(DueWork, item_id)
    if item is None:
        return  # the view answers 404 as for anyone
    try:
        if item.dossier_id is None:
            raise NotFound()
        _check_dossier(session, officer, item.dossier_id, writes=True)
    except NotFound:
        raise NotFound() from None


def _check_notice(session: Session, officer: Officer, notice_id: int) -> None:
    """A notice is retried by those who may change its dossier (another agency's: the same 404 as none)."""
    from app.applicant_notices.models import ApplicantNotice

    notice = session.get(ApplicantNotice, notice_id)
    if notice is None:
        return  # the view answers 404 as for anyone
    try:
        _check_dossier(session, officer, notice.dossier_id, writes=True)
    except NotFound:
        raise NotFound() from None


def _check_step(session: Session, officer: Officer, step_id: int) -> None:
    from app.dossiers.models import Step

    step = keep(session.get(Step, step_id))
    if step is None or reads_all(officer) and not officer.has_role("leader", "officer", "clerk"):
        return
    units = unit_ids(session=session, officer=officer)
    if step.unit_id in units:
        return
    if not can_read_dossier(session=session, officer=officer, dossier=step.dossier):
        raise _no_step(step_id)
    if reads_all(officer) or step.kind == "external":  # a worker's step: the view says so (409)
        return  # an admin who also acts: reads any step, acts only where the service allows
    raise Forbidden("Bước này thuộc đơn vị khác.", code="not_your_unit",
                    detail_en="This step belongs to a unit you are not a member of.")


def check_agency_change(*, session: Session, officer: Officer, agency_id: int) -> None:
    """An agency admin changes only what belongs to its agencies (404 for another agency's, as for none)."""
    _check_agency_admin(session, officer, agency_id)


def _check_agency_admin(session: Session, officer: Officer, agency_id: int, missing: NotFound | None = None) -> None:
    if is_system_admin(officer) or not officer.has_role("admin"):
        return
    if agency_id not in descendant_agency_ids(session=session, agency_id=officer.agency_id):
        raise missing or _no_agency(agency_id)


def _check_reception_desk(session: Session, officer: Officer, key: str) -> None:
    from app.definitions import service as definitions

    version = definitions.published_version(session=session, key=key)
    if version is None:
        return  # the view answers 404 / 409 as for anyone
    desks = {unit.id for unit in officer.units}
    if desks & {binding.unit_id for binding in version.lane_bindings}:
        return
    agency_id = version.definition.agency_id
    if agency_id is not None and (
            agency_id in agency_ids(session=session, officer=officer)
            # a public-service centre inside the agency receives for it (NA-HN-TTPVHCC for NA-HN)
            or home_agency_ids(officer) & descendant_agency_ids(session=session, agency_id=agency_id)):
        return
    if agency_id is not None and agency_id in province_wide_agency_ids(session=session, officer=officer):
        return  # a desk configured for its province receives regardless of administrative boundary
    raise Forbidden("Bộ phận của bạn không tiếp nhận thủ tục này.", code="not_your_desk",
                    detail_en="Your desk does not receive dossiers of this procedure.")


def province_wide_agency_ids(*, session: Session, officer: Officer) -> set[int]:
    """The agencies of the provinces where one of the officer's desks receives province-wide
    (``units.reception_scope = province``, Decree 118/2025): the province (the nearest ancestor of kind
    ``province``, else the top of the tree) and everything below it."""
    found: set[int] = set()
    for unit in officer.units:
        if unit.reception_scope != "province":
            continue
        agency, seen = unit.agency, 0
        while agency.parent is not None and agency.kind != "province" and seen < 32:
            agency, seen = agency.parent, seen + 1
        found |= descendant_agency_ids(session=session, agency_id=agency.id)
    return found


def _check_designer(session: Session, officer: Officer, key: str, *, writes: bool, version: int | None) -> None:
    """A procedure outside the tree the officer designs in: the view's own 404 for a missing key or version."""
    from app.definitions.models import ProcessDefinition
    from app.definitions.service import design_agency_ids

    within = design_agency_ids(session=session, officer=officer, changing=writes)
    if within is None:
        return  # no home agency designs for all (as a system admin administers all); readers read all
    agency_id = session.scalar(select(ProcessDefinition.agency_id).where(ProcessDefinition.key == key))
    if agency_id is None or agency_id in within:
        return  # missing (the view answers 404 as for anyone) or of no agency (everyone's)
    raise _no_definition(key) if version is None else _no_version(key, version)


#: Versions dossiers run on (a draft or a version under review has none).
DOSSIER_VERSION_STATUSES = ("published", "superseded", "abolished")


def _check_dossier_diagram(session: Session, officer: Officer, key: str, version: int) -> None:
    """Officers and clerks: the diagram of a version whose dossiers they could see (module doc)."""
    from app.definitions.models import DefinitionVersion, ProcessDefinition

    if officer.has_role(*DEFINITION_READERS):
        return
    found = session.scalar(select(DefinitionVersion).join(ProcessDefinition)
                           .where(ProcessDefinition.key == key, DefinitionVersion.version == version))
    if found is None:
        return  # the view answers 404 as for anyone
    if found.status in DOSSIER_VERSION_STATUSES and (
            found.definition.agency_id in agency_ids(session=session, officer=officer)
            or {binding.unit_id for binding in found.lane_bindings} & unit_ids(session=session, officer=officer)):
        return
    raise _no_version(key, version)
