"""Transfer a dossier to the competent agency (chuyển hồ sơ): received for another agency's procedure, or by
the wrong agency.

Rules:

- The target is an agency and, in it, a published procedure: the one named (``procedure_key``, which must be
  that agency's), else the agency's published procedure with the same national code (mã TTHC) as the dossier's.
  An agency with no such procedure, or several of them without a key saying which, is a 422 and nothing moves.
- An open dossier only (a closed one 409 ``dossier_closed``; a paused one 409 ``dossier_paused``: resume it first,
  the pause belongs to the agency it was asked by). Transferring to what it already is: 422 ``transfer_same``.
- The dossier keeps its code, its papers, its receiving desk and its history (its open steps are cancelled with
  reason ``transferred``); from then on it is the target's: its engine starts afresh under the target version.
- The clock follows the target procedure's BPMN property ``transferClock``: ``restart`` (default) counts the
  target's whole time from the transfer (the competent agency receives it then); ``keep`` counts it from the
  first reception, the working time already paused still excluded.

Keyword-only, given the session and ``now``; flushes, never commits.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.calendar import add_working_time, reception_start
from app.calendar.service import calendar_for
from app.definitions import service as definitions
from app.definitions.models import DefinitionVersion, ProcessDefinition
from app.dossiers import service
from app.dossiers.lifecycle import Lifecycle
from app.dossiers.models import Dossier, DossierStatus, DossierTransfer
from app.dossiers.published import compiled_of
from app.errors import Conflict, Unprocessable
from app.org.models import Agency, Officer

CLOCKS = ("restart", "keep")


def transfer_clock(version: DefinitionVersion) -> str:
    """``restart`` (default) or ``keep``, from the target process's BPMN property ``transferClock``."""
    value = (compiled_of(version).properties.get("transferClock") or "restart").strip().lower()
    return "keep" if value == "keep" else "restart"


def _no_procedure(agency: Agency, detail: str, detail_en: str) -> Unprocessable:
    return Unprocessable(f"{agency.name} {detail}", code="transfer_no_procedure", detail_en=detail_en,
                         errors={"procedure_key": [detail_en]})


def target_version(*, session: Session, dossier: Dossier, agency_id: int, procedure_key: str | None
                   ) -> tuple[Agency, DefinitionVersion]:
    """The competent agency and the published version the dossier moves to (422 when it has none)."""
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise Unprocessable("Không có cơ quan này.", code="unknown_reference",
                            detail_en=f"No agency {agency_id}.", errors={"agency_id": ["unknown"]})
    if procedure_key:
        definition = session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == procedure_key))
        if definition is None or definition.agency_id != agency.id:
            raise _no_procedure(agency, f"không có thủ tục {procedure_key}.",
                                f"Agency {agency.code} has no procedure {procedure_key}.")
        keys = [definition.key]
    else:
        code = dossier.version.definition.code
        keys = list(session.scalars(select(ProcessDefinition.key).where(
            ProcessDefinition.agency_id == agency.id, ProcessDefinition.code == code))) if code else []
        keys = [key for key in keys if definitions.published_version(session=session, key=key) is not None]
        if len(keys) != 1:
            raise _no_procedure(
                agency, f"không có (hoặc có nhiều hơn một) thủ tục mã {code or '—'} đang ban hành; hãy chỉ rõ thủ tục.",
                f"Agency {agency.code} has {len(keys)} published procedures of code {code}: name one (procedure_key).")
    version = service.reception_version(session=session, key=keys[0])
    if version.id == dossier.definition_version_id and agency.id == dossier.agency_id:
        raise Unprocessable("Hồ sơ đã thuộc thủ tục và cơ quan này.", code="transfer_same",
                            detail_en="The dossier already belongs to this procedure and agency.")
    return agency, version


def transfer(*, session: Session, dossier_id: int, officer: Officer, agency_id: int, procedure_key: str | None,
             reason: str, now: datetime, life: Lifecycle, if_match: int | None = None) -> Dossier:
    """Hand the dossier to the competent agency's procedure, in one transaction (see the module's rules)."""
    dossier = service.lock(session=session, dossier_id=dossier_id, if_match=if_match)
    service.check_not_closed(dossier)
    if dossier.status == DossierStatus.PAUSED:
        raise Conflict("Hồ sơ đang tạm dừng; tiếp tục hồ sơ trước khi chuyển.", code="dossier_paused",
                       detail_en="The dossier is paused; resume it before transferring it.")
    agency, version = target_version(session=session, dossier=dossier, agency_id=agency_id,
                                     procedure_key=procedure_key)
    before = {"agency_id": dossier.agency_id, "procedure_key": dossier.procedure_key,
              "due_at": dossier.due_at.isoformat() if dossier.due_at else None}
    record = DossierTransfer(dossier_id=dossier.id, from_agency_id=dossier.agency_id, to_agency_id=agency.id,
                             from_version_id=dossier.definition_version_id, to_version_id=version.id, reason=reason,
                             clock=transfer_clock(version), due_before=dossier.due_at, transferred_at=now,
                             transferred_by_id=officer.id)
    # the old engine state is replaced below (a new workflow under the target version): nothing to cancel in it
    for row in service.open_steps(session, dossier.id):
        row.status, row.ended_at, row.cancel_reason = "cancelled", now, "transferred"
    cal = calendar_for(session, agency.id, now)
    if record.clock == "restart":
        dossier.counting_from, dossier.paused_minutes = reception_start(cal, now), 0
    total = service.total_minutes(version)
    extra = dossier.paused_minutes or 0
    dossier.due_at = add_working_time(cal, dossier.counting_from, timedelta(minutes=total + extra)) if total else None
    dossier.definition_version_id, dossier.version = version.id, version
    dossier.procedure_key, dossier.agency_id, dossier.agency = version.definition.key, agency.id, agency
    dossier.status, dossier.state, dossier.serializer_version = DossierStatus.RECEIVED, None, None
    dossier.incident, dossier.incident_step_id, dossier.overdue_at = None, None, None
    session.add(record)
    session.flush()
    audit.record(session=session, actor=officer, action="dossier.transfer", object_type="dossier",
                 object_id=dossier.id, summary=f"{dossier.code}: chuyển đến {agency.name} ({version.definition.key}): "
                                               f"{reason}", before=before,
                 after={"agency_id": agency.id, "procedure_key": dossier.procedure_key, "clock": record.clock,
                        "due_at": dossier.due_at.isoformat() if dossier.due_at else None}, now=now)
    life.on_dossier_transferred(session=session, dossier=dossier, now=now)
    service.run_start(session=session, dossier=dossier, actor=officer, now=now, life=life)
    return dossier


def transfers_of(*, session: Session, dossier_id: int) -> list[DossierTransfer]:
    return list(session.scalars(select(DossierTransfer).where(DossierTransfer.dossier_id == dossier_id)
                                .order_by(DossierTransfer.id)))


def sheet_rows(*, session: Session, dossier: Dossier) -> list[dict[str, Any]]:
    """Each transfer as a hand-over row of form 06: from one agency to the other, with its reason and clock."""
    clocks = {"restart": "thời hạn tính lại từ khi chuyển", "keep": "thời hạn tính từ khi tiếp nhận lần đầu"}
    return [{"step": None, "step_name": "Chuyển hồ sơ", "from_unit": t.from_agency.name,
             "from_officer": t.transferred_by.full_name if t.transferred_by else None, "to_unit": t.to_agency.name,
             "to_officer": None, "given_at": t.transferred_at, "received_at": t.transferred_at, "result": None,
             "note": f"Chuyển đến cơ quan có thẩm quyền: {t.reason} ({clocks.get(t.clock, t.clock)})"}
            for t in transfers_of(session=session, dossier_id=dossier.id)]
