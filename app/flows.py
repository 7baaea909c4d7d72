"""The dossier's life across capabilities: the one place that wires dossiers, tasks and deadlines together.

Why here: receiving a dossier, taking, completing or returning a step, pausing, resuming, extending, retrying,
withdrawing or stopping touch three capabilities — the dossier and its engine state (``dossiers``), the
officer's step (``tasks``) and the time kept on both (``deadlines``). Each service does its own part and says when something happened through
:class:`app.dossiers.lifecycle.Lifecycle`; this module decides who listens (``app.deadlines.hooks``) and is
what routes call. It sits above the three packages, so their imports point one way (dossiers ← deadlines ← flows,
dossiers ← tasks ← flows) and none of them imports another's service to reach back up.

Documents are attached here too: an upload checks the dossier and the step (tasks' rule) around the file's
storing, and a step that must produce a paper (``produces``) is checked before it completes.

Keyword-only functions given the session and ``now``, like the services: they flush and never commit.
BPMN timers due in the scheduler come here too (:func:`fire_timers`, registered by :func:`init_app`).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from flask import Flask
from sqlalchemy.orm import Session

from app.applicant_notices import announcer as applicant_notices
from app.applicant_notices import service as notices
from app.audit import service as audit
from app.calendar.service import calendar_for
from app.deadlines import extension, pauses, planning
from app.deadlines import hooks as deadlines
from app.deadlines import views as deadline_views
from app.desk import service as desk
from app.desk.models import SupplementRequest
from app.documents import service as documents
from app.documents.models import Document
from app.documents.storage import Storage
from app.dossiers import published, records, transfers
from app.dossiers import service as dossiers
from app.dossiers.models import CLOSED_STATUSES, Dossier, DossierStatus, Step, StepStatus
from app.external_tasks import service as external
from app.org.models import Officer
from app.satisfaction import service as satisfaction
from app.satisfaction.models import SatisfactionRating
from app.scheduler import due_work
from app.scheduler.due_work import ClaimedWork
from app.tasks import service as tasks


def receive(*, session: Session, key: str, dossier_in: dict[str, Any], officer: Officer | None, now: datetime,
            code_format: str | None = None, files: Iterable[tuple[str, Any]] = (), storage: Storage | None = None,
            staging_dir: Path | None = None) -> tuple[Dossier, str]:
    """Receive a dossier (tiếp nhận): its code, engine start, first steps and their due work.

    ``files`` (component key, uploaded file) come with it, digitised at the desk: each is inspected and
    stored before the dossier exists, counts as handed in for the required-components check, and is
    recorded with the dossier in the same transaction, so a refused file means no dossier at all.
    """
    files = list(files)
    told = applicant_notices.current()
    consent = told.consent(dossier_in.get("notify"), dossier_in["applicant"])  # 422 before anything is stored
    if not files:  # the common reception: nothing to store first
        dossier, secret = dossiers.start(session=session, key=key, dossier_in=dossier_in, officer=officer, now=now,
                                         life=deadlines, code_format=code_format)
        _tell_received(session=session, told=told, dossier=dossier, consent=consent, now=now)
        return dossier, secret
    version = dossiers.reception_version(session=session, key=key)
    # what would refuse the reception is said before any file is stored
    dossiers.check_reception(version, dossier_in, attached=[component for component, _ in files])
    prepared = [(component, documents.prepare(
        session=session, storage=storage, declared=documents.component_of_version(version, component),
        source=upload.stream, filename=upload.filename, agency_id=version.definition.agency_id, now=now,
        staging_dir=staging_dir)) for component, upload in files]
    dossier, secret = dossiers.start(session=session, key=key, dossier_in=dossier_in, officer=officer, now=now,
                                     life=deadlines, code_format=code_format, attached=[c for c, _ in prepared],
                                     version=version)
    for component, file in prepared:
        documents.record(session, dossier=dossier, component=component, prepared=file, officer=officer, now=now)
    _tell_received(session=session, told=told, dossier=dossier, consent=consent, now=now)
    return dossier, secret


def _tell_received(*, session: Session, told: applicant_notices.Announcer, dossier: Dossier,
                   consent: dict[str, Any] | None, now: datetime) -> None:
    notices.record_consent(session=session, dossier=dossier, consent=consent, now=now)
    told.announce(session=session, dossier=dossier, event="received", now=now)
    _tell_if_finished(session=session, dossier=dossier, now=now)  # a procedure that ends at once


def _tell_if_finished(*, session: Session, dossier: Dossier, now: datetime, step: Step | None = None) -> None:
    """After the engine moved: a result released (a step that produced it is done) and the result returned."""
    told = applicant_notices.current()
    if not told.channels:  # nobody can be told: not a query more on the hot path
        return
    if dossier.status == DossierStatus.FINISHED:
        told.announce(session=session, dossier=dossier, event="returned", now=now)
    elif step is not None and notices.consent_of(session, dossier.id) is not None \
            and documents.results_of(session=session, dossier=dossier, released=True):
        told.announce(session=session, dossier=dossier, event="result_ready", now=now)


def refuse(*, session: Session, key: str, refusal_in: dict[str, Any], officer: Officer, now: datetime,
           code_format: str | None = None) -> tuple[Dossier, str]:
    """Refuse a dossier at the desk (form 03): recorded and closed at once; nothing is scheduled for it."""
    told = applicant_notices.current()
    consent = told.consent(refusal_in.get("notify"), refusal_in["applicant"])
    dossier, secret = dossiers.refuse(session=session, key=key, refusal_in=refusal_in, officer=officer, now=now,
                                      code_format=code_format)
    notices.record_consent(session=session, dossier=dossier, consent=consent, now=now)
    told.announce(session=session, dossier=dossier, event="refused", now=now, extra={"ly_do": dossier.close_reason})
    return dossier, secret


def claim_step(*, session: Session, step_id: int, officer: Officer, now: datetime,
               if_match: int | None = None) -> Step:
    """An officer takes a ready step of their unit."""
    dossier, step, _ = dossiers.lock_step(session=session, step_id=step_id, if_match=if_match)
    return tasks.claim(session=session, dossier=dossier, step=step, officer=officer, now=now)


def unclaim_step(*, session: Session, step_id: int, officer: Officer, now: datetime,
                 if_match: int | None = None) -> Step:
    """A claimed step goes back to its unit's queue."""
    dossier, step, _ = dossiers.lock_step(session=session, step_id=step_id, if_match=if_match)
    return tasks.unclaim(session=session, dossier=dossier, step=step, officer=officer, now=now)


def assign_step(*, session: Session, step_id: int, officer: Officer, assignee_id: int, now: datetime,
                if_match: int | None = None) -> Step:
    """A leader gives a step of their unit to one of its officers."""
    dossier, step, _ = dossiers.lock_step(session=session, step_id=step_id, if_match=if_match)
    return tasks.assign(session=session, dossier=dossier, step=step, officer=officer, assignee_id=assignee_id,
                        now=now)


def complete_step(*, session: Session, step_id: int, officer: Officer, data: dict[str, Any], now: datetime,
                  if_match: int | None = None) -> tuple[Step, list[Step] | None]:
    """An officer completes a step with its form data; the dossier moves on (or goes into incident).

    Returns the step and the dossier's open steps after it (None when the dossier went into incident).
    """
    dossier, step, open_steps = dossiers.lock_step(session=session, step_id=step_id, if_match=if_match)
    before = tasks.check_completion(dossier=dossier, step=step, officer=officer, data=data)
    documents.check_produced(session=session, dossier=dossier, step=step)
    next_steps = dossiers.advance(session=session, dossier=dossier, step=step, data=data, actor=officer, now=now,
                                  life=deadlines, known_open_steps=open_steps)
    if next_steps is not None:
        tasks.record_completion(session=session, dossier=dossier, step=step, officer=officer, before=before, now=now)
        _tell_if_finished(session=session, dossier=dossier, now=now, step=step)
    return step, next_steps


def return_step(*, session: Session, step_id: int, officer: Officer, reason: str, now: datetime,
                data: dict[str, Any] | None = None, if_match: int | None = None) -> Step:
    """Send the dossier back to an earlier step, with the reason the control sheet prints.

    Allowed only when the diagram routes ``approved == False`` back to a step already done (409 otherwise).
    """
    dossier, step, _ = dossiers.lock_step(session=session, step_id=step_id, if_match=if_match)
    payload, before = tasks.check_return(dossier=dossier, step=step, officer=officer, reason=reason, data=data)
    done = {row.spec_id for row in dossiers.steps_of(session=session, dossier_id=dossier.id)
            if row.status == StepStatus.COMPLETED}
    moved = dossiers.advance(session=session, dossier=dossier, step=step, data=payload, actor=officer, now=now,
                             life=deadlines, check=tasks.goes_back(done), returned_reason=reason)
    if moved is None:
        raise tasks.refused_return()
    tasks.record_return(session=session, dossier=dossier, step=step, officer=officer, reason=reason, before=before,
                        now=now)
    return step


def retry(*, session: Session, dossier_id: int, officer: Officer, now: datetime, data: dict[str, Any] | None = None,
          if_match: int | None = None) -> Dossier:
    """Run again what failed (a start or a completion), optionally with corrected step data."""
    dossier = dossiers.retry(session=session, dossier_id=dossier_id, officer=officer, now=now, life=deadlines,
                             data=data, if_match=if_match)
    _tell_if_finished(session=session, dossier=dossier, now=now)
    return dossier


def close(*, session: Session, dossier_id: int, officer: Officer, status: str, reason: str, now: datetime,
          if_match: int | None = None) -> Dossier:
    """Withdraw (the applicant asks) or stop a dossier: open steps cancelled, time used recorded."""
    dossier = dossiers.close(session=session, dossier_id=dossier_id, officer=officer, status=status, reason=reason,
                             now=now, life=deadlines, if_match=if_match)
    applicant_notices.current().announce(session=session, dossier=dossier, event=status, now=now,
                                         extra={"ly_do": reason})
    return dossier


def transfer(*, session: Session, dossier_id: int, officer: Officer, agency_id: int, procedure_key: str | None,
             reason: str, now: datetime, if_match: int | None = None) -> Dossier:
    """Hand the dossier to the competent agency's procedure: same code and history, a new engine and clock."""
    dossier = transfers.transfer(session=session, dossier_id=dossier_id, officer=officer, agency_id=agency_id,
                                 procedure_key=procedure_key, reason=reason, now=now, life=deadlines,
                                 if_match=if_match)
    moved = transfers.transfers_of(session=session, dossier_id=dossier.id)
    applicant_notices.current().announce(session=session, dossier=dossier, event="transferred", now=now,
                                         extra={"ly_do": reason, "co_quan_moi": dossier.agency.name},
                                         ref=moved[-1].id if moved else None)
    _tell_if_finished(session=session, dossier=dossier, now=now)
    return dossier


def pause(*, session: Session, dossier_id: int, officer: Officer, kind: str, reason: str, now: datetime,
          if_match: int | None = None) -> Dossier:
    """Stop the dossier's clock while waiting for a supplement or a verification."""
    dossier = dossiers.lock(session=session, dossier_id=dossier_id, if_match=if_match)
    return pauses.pause(session=session, dossier=dossier, officer=officer, kind=kind, reason=reason,
                        policy=published.pause_policy(dossier), now=now)


def resume(*, session: Session, dossier_id: int, officer: Officer, now: datetime, note: str | None = None,
           if_match: int | None = None) -> Dossier:
    """Start the clock again: due times move by the working time paused (or the steps restart)."""
    dossier = dossiers.lock(session=session, dossier_id=dossier_id, if_match=if_match)
    desk.check_no_open_request(session=session, dossier=dossier)
    return pauses.resume(session=session, dossier=dossier, officer=officer, now=now,
                         timer_at=dossiers.next_timer_at(dossier), note=note)


def extend(*, session: Session, dossier_id: int, officer: Officer, reason: str, new_due_at: datetime, now: datetime,
           if_match: int | None = None) -> Dossier:
    """The one extension with apology (form 04)."""
    dossier = dossiers.lock(session=session, dossier_id=dossier_id, if_match=if_match)
    dossier = extension.extend(session=session, dossier=dossier, officer=officer, reason=reason,
                               new_due_at=new_due_at, now=now)
    applicant_notices.current().announce(session=session, dossier=dossier, event="extended", now=now, extra={
        "ly_do": dossier.extension_reason or reason, "loi_xin_loi": dossier.apology_text or ""})
    return dossier


def request_supplement(*, session: Session, dossier_id: int, officer: Officer, component_keys: list[str],
                       items: list[str], reason: str, now: datetime, if_match: int | None = None) -> SupplementRequest:
    """Form 02: name what is missing and pause the dossier until the applicant supplements it."""
    dossier = dossiers.lock(session=session, dossier_id=dossier_id, if_match=if_match)
    missing = desk.missing_items(dossier, component_keys, items)
    pauses.pause(session=session, dossier=dossier, officer=officer, kind="supplementation", reason=reason,
                 policy=published.pause_policy(dossier), now=now)
    year = now.astimezone(calendar_for(session, dossier.agency_id, now).tz).year  # numbers run per local year
    request = desk.create(session=session, dossier=dossier, officer=officer, components=missing, items=items,
                          reason=reason, pause_id=pauses.current_pause(session, dossier.id).id, now=now, year=year)
    wanted = [c.get("name") or c.get("key") for c in request.components or []] + list(request.items or [])
    applicant_notices.current().announce(session=session, dossier=dossier, event="supplement_requested", now=now,
                                         extra={"ly_do": reason, "can_bo_sung": "; ".join(wanted)}, ref=request.id)
    return request


def answer_supplement(*, session: Session, dossier_id: int, request_id: int, officer: Officer, now: datetime,
                      note: str | None = None, if_match: int | None = None) -> SupplementRequest:
    """The supplement came (the missing components uploaded since the request): the dossier resumes."""
    dossier = dossiers.lock(session=session, dossier_id=dossier_id, if_match=if_match)
    request = desk.get(session=session, dossier_id=dossier_id, request_id=request_id)
    desk.check_answer(session=session, dossier=dossier, request=request)
    pauses.resume(session=session, dossier=dossier, officer=officer, now=now,
                  timer_at=dossiers.next_timer_at(dossier), note=note)
    return desk.answer(session=session, dossier=dossier, request=request, officer=officer, note=note, now=now)


def complete_external(*, session: Session, step_id: int, worker_id: str, variables: dict[str, Any],
                      officer: Officer, now: datetime) -> list[Step] | None:
    """A worker completes its external task: checked against its lease under the dossier's lock, then the dossier
    moves exactly as an officer's completion moves it (one completion counts; a second finds no lease)."""
    dossier, step, open_steps = dossiers.lock_step(session=session, step_id=step_id)
    external.check_lock(step=step, worker_id=worker_id, officer=officer, now=now)
    dossiers.check_data_keys(variables)
    next_steps = dossiers.advance(session=session, dossier=dossier, step=step, data=variables, actor=officer,
                                  now=now, life=deadlines, known_open_steps=open_steps)
    external.release(step)
    audit.record(session=session, actor=officer, action="external_task.complete", object_type="step",
                 object_id=step.id, summary=f"{dossier.code}: {step.topic}", after={"worker_id": worker_id}, now=now)
    if next_steps is not None:
        _tell_if_finished(session=session, dossier=dossier, now=now, step=step)
    return next_steps


def external_bpmn_error(*, session: Session, step_id: int, worker_id: str, code: str, message: str | None,
                        variables: dict[str, Any], officer: Officer, now: datetime) -> None:
    """A worker's BPMN error: the task's error boundary event takes the dossier on (422 when none catches it)."""
    dossier, step, open_steps = dossiers.lock_step(session=session, step_id=step_id)
    external.check_lock(step=step, worker_id=worker_id, officer=officer, now=now)
    dossiers.check_data_keys(variables)
    step.error_message = (message or code)[:4000]
    dossiers.advance(session=session, dossier=dossier, step=step, data=variables, actor=officer, now=now,
                     life=deadlines, known_open_steps=open_steps, error_code=code)
    external.release(step)
    audit.record(session=session, actor=officer, action="external_task.bpmn_error", object_type="step",
                 object_id=step.id, summary=f"{dossier.code}: {step.topic}: {code}", after={"code": code}, now=now)
    _tell_if_finished(session=session, dossier=dossier, now=now)


def external_failure(*, session: Session, step_id: int, failure: dict[str, Any], officer: Officer,
                     now: datetime) -> None:
    """A worker could not do its task: retried later, or an incident once no retries are left."""
    dossier, step, _ = dossiers.lock_step(session=session, step_id=step_id)
    external.check_lock(step=step, worker_id=failure["worker_id"], officer=officer, now=now)
    external.record_failure(session=session, dossier=dossier, step=step, officer=officer, failure=failure, now=now)


def external_extend_lock(*, session: Session, step_id: int, worker_id: str, new_duration: int, officer: Officer,
                         now: datetime) -> None:
    _, step, _ = dossiers.lock_step(session=session, step_id=step_id)
    external.check_lock(step=step, worker_id=worker_id, officer=officer, now=now)
    external.extend_lock(step=step, new_duration=new_duration, now=now)


def external_variables(*, session: Session, step: Step, names: list[str] | None) -> dict[str, Any]:
    """What a worker fetches with its task: the variables the step sees (only ``names`` when given)."""
    values = dossiers.step_variables(step.dossier, step)
    return values if names is None else {n: values[n] for n in names if n in values}


def stop_notices(*, session: Session, dossier_id: int, now: datetime) -> None:
    """The applicant stops every notice of the dossier (idempotent); what is queued is skipped, not sent."""
    dossier = dossiers.lock(session=session, dossier_id=dossier_id)
    notices.opt_out(session=session, dossier=dossier, now=now)


def rate(*, session: Session, dossier_id: int, scores: dict[str, int], comment: str | None, via: str,
         now: datetime) -> SatisfactionRating:
    """The applicant's one rating, under the dossier's lock: two sent at once record one, the other is 409."""
    dossier = dossiers.lock(session=session, dossier_id=dossier_id)
    return satisfaction.rate(session=session, dossier=dossier, scores=scores, comment=comment, via=via, now=now)


def _attach_point(*, session: Session, dossier: Dossier, officer: Officer, step_id: int | None) -> Step | None:
    step = documents.attach_point(session=session, dossier=dossier, officer=officer, step_id=step_id)
    if step is not None:
        tasks.check_can_work(dossier=dossier, step=step, officer=officer)
    return step


def upload_document(*, session: Session, storage: Storage, dossier_id: int, component: str, source: BinaryIO,
                    filename: str | None, officer: Officer, now: datetime, staging_dir: Path,
                    step_id: int | None = None, note: str | None = None, if_match: int | None = None) -> Document:
    """A file for a component of the dossier, at the desk or at the step the officer works: a new version.

    Stored before the dossier is locked (a 200 MB upload never holds the lock), recorded under the lock
    after the dossier and the step are checked again (``app.documents.service``'s rules).
    """
    dossier = dossiers.get(session=session, dossier_id=dossier_id)
    declared = documents.component_of(dossier, component)
    _attach_point(session=session, dossier=dossier, officer=officer, step_id=step_id)
    prepared = documents.prepare(session=session, storage=storage, declared=declared, source=source,
                                 filename=filename, agency_id=dossier.agency_id, now=now, staging_dir=staging_dir)
    dossier = dossiers.lock(session=session, dossier_id=dossier_id, if_match=if_match)
    step = _attach_point(session=session, dossier=dossier, officer=officer, step_id=step_id)
    return documents.record(session, dossier=dossier, component=component, prepared=prepared, officer=officer,
                            now=now, step=step, note=note)


def reuse_document(*, session: Session, dossier_id: int, component: str, source_id: int, officer: Officer,
                   now: datetime, can_read: Callable[[Dossier], bool], step_id: int | None = None,
                   note: str | None = None, if_match: int | None = None) -> Document:
    """Attach a document digitised for an earlier dossier of the same applicant, without scanning again."""
    dossier = dossiers.lock(session=session, dossier_id=dossier_id, if_match=if_match)
    declared = documents.component_of(dossier, component)
    step = _attach_point(session=session, dossier=dossier, officer=officer, step_id=step_id)
    source = documents.reusable_source(session=session, dossier=dossier, declared=declared, source_id=source_id,
                                       can_read=can_read)
    return documents.record_reuse(session, dossier=dossier, component=component, source=source, officer=officer,
                                  now=now, step=step, note=note)


def delete_document(*, session: Session, dossier_id: int, document_id: int, officer: Officer, reason: str,
                    now: datetime, if_match: int | None = None) -> Document:
    """Soft-delete a version: at the desk (clerk, leader) or by whoever works its still-open step."""
    dossier = dossiers.lock(session=session, dossier_id=dossier_id, if_match=if_match)
    document = documents.get(session=session, dossier_id=dossier_id, document_id=document_id)
    step = documents.deletion_step(session=session, dossier=dossier, document=document, officer=officer)
    if step is not None:
        tasks.check_can_work(dossier=dossier, step=step, officer=officer)
    return documents.soft_delete(session, dossier=dossier, document=document, officer=officer, reason=reason, now=now)


def issue_form(*, session: Session, storage: Storage, staging_dir: Path, dossier_id: int, form_ref: str,
               component: str, filename: str, note: str, render_pdf: Callable[[], bytes], officer: Officer | None,
               now: datetime) -> Document:
    """The form's PDF as a document of the dossier: made and stored on its first print, the same bytes after.

    Rendered before the dossier is locked (a PDF takes tens of milliseconds); under the lock the first print
    of two at once is the one recorded, and the other answers with it.
    """
    found = documents.form_document(session=session, dossier_id=dossier_id, form_ref=form_ref)
    if found is not None:
        return found
    pdf = render_pdf()
    dossier = dossiers.lock(session=session, dossier_id=dossier_id)
    found = documents.form_document(session=session, dossier_id=dossier_id, form_ref=form_ref)
    if found is not None:
        return found
    prepared = documents.prepare_form(session=session, storage=storage, pdf=pdf, filename=filename,
                                      agency_id=dossier.agency_id, now=now, staging_dir=staging_dir)
    return documents.record_form(session, dossier=dossier, form_ref=form_ref, component=component,
                                 prepared=prepared, officer=officer, now=now, note=note)


def fire_timers(session: Session, item: ClaimedWork, now: datetime) -> None:
    """The ``bpmn_timer`` due work: fire the dossier's due BPMN timers, then plan its next one."""
    dossier = session.get(Dossier, item.dossier_id) if item.dossier_id is not None else None
    if dossier is None or dossier.status in CLOSED_STATUSES or dossier.status == DossierStatus.PAUSED:
        return
    dossiers.advance_timers(session, dossier, now, life=deadlines)
    planning.schedule_timer(session=session, dossier=dossier, at=dossiers.next_timer_at(dossier), now=now)
    _tell_if_finished(session=session, dossier=dossier, now=now)


def init_app(app: Flask) -> None:
    """Register the flows the scheduler runs (BPMN timers); called by :func:`app.create_app`."""
    due_work.register_handler("bpmn_timer", fire_timers)


def readable_dossier(*, session: Session, dossier_id: int, officer: Officer | None) -> Dossier:
    """The dossier if this officer may read it; a missing and an out-of-scope one answer the same 404."""
    dossier = dossiers.get(session=session, dossier_id=dossier_id)
    tasks.check_can_read(officer, dossier, session)
    return dossier


def shown(*, session: Session, now: datetime, dossiers: Iterable[Dossier] = (), steps: Iterable[Step] = (),
          with_steps: bool = False) -> None:
    """Compute what a response shows of these dossiers and steps (deadline blocks, step units) with ``now``.

    Routes call it before returning: schemas only declare fields. ``with_steps`` adds each dossier's own steps
    (the dossier view lists them); a step's dossier is always shown with it (task views nest it).
    """
    shown_dossiers, shown_steps = dict.fromkeys(dossiers), dict.fromkeys(steps)
    if with_steps:
        shown_steps.update(dict.fromkeys(s for d in shown_dossiers for s in d.steps))
    shown_dossiers.update(dict.fromkeys(s.dossier for s in shown_steps))
    deadline_views.annotate(session=session, now=now, dossiers=shown_dossiers, steps=shown_steps)


def control_sheet(*, session: Session, dossier: Dossier) -> dict[str, Any]:
    """Form 06: the dossier's hand-overs with deadlines' pauses, the extension and transfers among them."""
    sheet = records.control_sheet(session=session, dossier=dossier,
                                  other_rows=[*deadline_views.control_sheet_rows(session=session, dossier=dossier),
                                              *transfers.sheet_rows(session=session, dossier=dossier)])
    sheet["documents"] = documents.sheet_rows(session=session, dossier=dossier)
    return sheet
