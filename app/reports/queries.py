"""SQL of the reports: aggregate statements built with SQLAlchemy Core, the same on SQLite and PostgreSQL.

Every function returns a statement; :mod:`app.reports.service` executes it. ``Filters`` carries what the
caller asked for and what the caller may see (``scope``), so every statement is restricted the same way.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, func, literal, select

from app.deadlines.models import DossierPause
from app.definitions.models import DefinitionVersion, ProcessDefinition
from app.dossiers.models import OPEN_STATUSES, Dossier, DossierStatus, DossierTransfer, Step, StepStatus
from app.reports.models import DAY_COUNTS, ReportStepDay

ONLINE = "online"
OPEN_AT_END_INDEX = DAY_COUNTS.index("open_at_end")


@dataclass(frozen=True)
class Scope:
    """What a caller may see: dossiers of ``agencies`` (with those below) and steps of ``units``."""

    agencies: frozenset[int]
    units: frozenset[int]


@dataclass(frozen=True)
class Filters:
    agencies: frozenset[int] | None = None  # the agency asked for, with those below it
    unit_id: int | None = None
    procedure: str | None = None
    scope: Scope | None = None  # None: sees everything


def _count(cond) -> object:
    return func.count().filter(cond)


def _dossier_end():
    """When a dossier stopped being open: finished, or withdrawn/stopped (``closed_at``)."""
    return func.coalesce(Dossier.finished_at, Dossier.closed_at)


def _paused_at(moment: datetime, dossier_id=Dossier.id):
    """The dossier was paused at ``moment`` (a pause begun before it and not yet resumed then).

    An uncorrelated ``IN`` (PostgreSQL: one hashed subplan), not ``EXISTS`` per row: few dossiers are paused.
    """
    return dossier_id.in_(select(DossierPause.dossier_id).where(
        DossierPause.paused_at < moment, DossierPause.resumed_at.is_(None) | (DossierPause.resumed_at >= moment)))


def restrict_dossiers(stmt: Select, f: Filters) -> Select:
    if f.agencies is not None:
        stmt = stmt.where(Dossier.agency_id.in_(f.agencies))
    if f.procedure:
        stmt = stmt.where(Dossier.procedure_key == f.procedure)
    if f.unit_id is not None:
        stmt = stmt.where(Dossier.id.in_(select(Step.dossier_id).where(Step.unit_id == f.unit_id)))
    if f.scope is not None:
        stmt = stmt.where(Dossier.agency_id.in_(f.scope.agencies)
                          | Dossier.id.in_(select(Step.dossier_id).where(Step.unit_id.in_(f.scope.units)))
                          | Dossier.receiving_unit_id.in_(f.scope.units))
    return stmt


def _restrict_steps(stmt: Select, f: Filters) -> Select:
    """Steps of the asked agency/procedure/unit; a scoped caller sees the steps of its units and agencies.

    On the step's own copies of its dossier's agency and procedure: no join to ``dossiers`` needed. Officers'
    steps only: a worker's (``kind = 'external'``) is system work, shown on form 06, not counted for units.
    """
    stmt = stmt.where(Step.kind == "user")
    if f.agencies is not None:
        stmt = stmt.where(Step.agency_id.in_(f.agencies))
    if f.procedure:
        stmt = stmt.where(Step.procedure_key == f.procedure)
    if f.unit_id is not None:
        stmt = stmt.where(Step.unit_id == f.unit_id)
    if f.scope is not None:
        stmt = stmt.where(Step.agency_id.in_(f.scope.agencies) | Step.unit_id.in_(f.scope.units))
    return stmt


def _figures(*, received, channel, began_before, ended, start, resolved, result, open_at_end, overdue, paused,
             withdrawn, stopped) -> list:
    """The II.06a columns, the same whether a dossier or a step (a passage through a unit) is counted."""
    return [
        _count(received).label("received"),
        _count(received & (channel == ONLINE)).label("received_online"),
        _count(received & (channel != ONLINE)).label("received_direct_or_postal"),
        _count(began_before & (ended.is_(None) | (ended >= start))).label("carried_over"),
        _count(resolved).label("resolved"),
        _count(resolved & (result == "early")).label("resolved_early"),
        _count(resolved & (result == "on_time")).label("resolved_on_time"),
        _count(resolved & (result == "late")).label("resolved_late"),
        _count(open_at_end).label("in_progress"),
        _count(open_at_end & ~overdue & ~paused).label("in_progress_within_deadline"),
        _count(open_at_end & overdue).label("in_progress_overdue"),
        _count(open_at_end & paused).label("paused"),
        _count(withdrawn).label("withdrawn"),
        _count(stopped).label("stopped"),
    ]


#: Groupings counted on dossiers: the procedure, the deciding agency, the desk that received it (a province-wide
#: desk receives for agencies not its own, and a transferred dossier is decided elsewhere than it was received).
DOSSIER_GROUP_KEYS = {"procedure": Dossier.procedure_key, "agency": Dossier.agency_id,
                      "receiving_desk": Dossier.receiving_unit_id}


def dossier_summary(*, f: Filters, start: datetime, end: datetime, as_of: datetime,
                    group: str | None) -> Select:
    """Form II.06a figures counted on dossiers, one row per ``group`` (:data:`DOSSIER_GROUP_KEYS`, or none)."""
    ended = _dossier_end()
    in_period = (Dossier.received_at >= start) & (Dossier.received_at < end)
    # a dossier refused at reception (form 03) was never received: counted apart, in no other figure (it is
    # closed the moment it is recorded, so it is never carried over nor in progress)
    refused = Dossier.status == DossierStatus.REFUSED
    received = in_period & ~refused
    open_at_end = (Dossier.received_at < end) & (ended.is_(None) | (ended >= end))
    paused = _paused_at(as_of)
    # a paused dossier's clock is stopped: neither within nor past its deadline, but "paused"
    overdue = Dossier.due_at.is_not(None) & (Dossier.due_at < as_of) & ~paused
    resolved = (Dossier.status == DossierStatus.FINISHED) & (Dossier.finished_at >= start) & (Dossier.finished_at < end)
    closed_in = (Dossier.closed_at >= start) & (Dossier.closed_at < end)
    key = DOSSIER_GROUP_KEYS[group] if group else literal(None)
    stmt = select(
        key.label("key"),
        *_figures(received=received, channel=Dossier.channel, began_before=Dossier.received_at < start,
                  ended=ended, start=start, resolved=resolved, result=Dossier.result, open_at_end=open_at_end,
                  overdue=overdue, paused=paused, withdrawn=(Dossier.status == DossierStatus.WITHDRAWN) & closed_in,
                  stopped=(Dossier.status == DossierStatus.STOPPED) & closed_in),
        _count(in_period & refused).label("refused"),
    ).where(Dossier.received_at < end, ended.is_(None) | (ended >= start))
    stmt = restrict_dossiers(stmt, f)
    if group:
        stmt = stmt.group_by(key).order_by(key)
    return stmt


def transfers_out(*, f: Filters, start: datetime, end: datetime) -> Select:
    """Dossiers the filter's agencies handed to another agency in the period (they count as received there)."""
    T = DossierTransfer
    stmt = select(func.count()).select_from(T).where(T.transferred_at >= start, T.transferred_at < end)
    if f.agencies is not None:
        stmt = stmt.where(T.from_agency_id.in_(f.agencies))
    if f.procedure:
        stmt = stmt.where(T.from_version_id.in_(select(DefinitionVersion.id).join(ProcessDefinition).where(
            ProcessDefinition.key == f.procedure)))
    if f.scope is not None:
        stmt = stmt.where(T.from_agency_id.in_(f.scope.agencies))
    return stmt


def step_summary(*, f: Filters, start: datetime, end: datetime, as_of: datetime, group: str) -> Select:
    """The same figures counted on steps (a dossier's passage through a unit or an officer).

    Join-free: a step carries its dossier's agency, procedure and channel, its end (``ended_at``) and why it
    was cancelled, so the yearly province summary is one scan of ``steps`` (PostgreSQL: parallel).
    """
    ended = Step.ended_at
    received = (Step.started_at >= start) & (Step.started_at < end)
    open_at_end = (Step.started_at < end) & (ended.is_(None) | (ended >= end))
    paused = _paused_at(as_of, Step.dossier_id)
    # a paused dossier's clock is stopped: neither within nor past its deadline, but "paused"
    overdue = Step.due_at.is_not(None) & (Step.due_at < as_of) & ~paused
    resolved = (Step.status == StepStatus.COMPLETED) & (Step.completed_at >= start) & (Step.completed_at < end)
    closed_in = (ended >= start) & (ended < end)
    key = Step.unit_id if group == "unit" else func.coalesce(Step.completed_by_id, Step.assignee_id)
    stmt = select(
        key.label("key"),
        *_figures(received=received, channel=Step.channel, began_before=Step.started_at < start, ended=ended,
                  start=start, resolved=resolved, result=Step.result, open_at_end=open_at_end, overdue=overdue,
                  paused=paused, withdrawn=(Step.cancel_reason == "withdrawn") & closed_in,
                  stopped=(Step.cancel_reason == "stopped") & closed_in),
    ).where(Step.started_at < end, ended.is_(None) | (ended >= start))
    stmt = _restrict_steps(stmt, f)
    return stmt.group_by(key).order_by(key)


def rollup_summary(*, f: Filters, first: date, through: date) -> Select:
    """Per unit, from the daily rollup: the flows of days ``first`` … ``through``, the steps open at the end of the
    day before ``first`` (carried over), and those open / overdue / paused at the end of ``through``."""
    D = ReportStepDay
    flows = D.day >= first
    before, last = D.day == first - timedelta(days=1), D.day == through

    def total(column, cond):
        return func.coalesce(func.sum(column).filter(cond), 0)

    stmt = select(
        D.unit_id.label("key"),
        *[total(getattr(D, name), flows).label(name) for name in DAY_COUNTS[:OPEN_AT_END_INDEX]],
        total(D.open_at_end, before).label("carried_over"),
        total(D.open_at_end, last).label("in_progress"),
        total(D.overdue_at_end, last).label("in_progress_overdue"),
        total(D.paused_at_end, last).label("paused"),
    ).where(D.day >= first - timedelta(days=1), D.day <= through)
    if f.agencies is not None:
        stmt = stmt.where(D.agency_id.in_(f.agencies))
    if f.unit_id is not None:
        stmt = stmt.where(D.unit_id == f.unit_id)
    if f.scope is not None:
        stmt = stmt.where(D.agency_id.in_(f.scope.agencies) | D.unit_id.in_(f.scope.units))
    return stmt.group_by(D.unit_id)


def completed_steps(*, f: Filters, start: datetime, end: datetime) -> Select:
    """Steps completed in the period with what working-time figures need, ordered for grouping."""
    stmt = select(
        Step.procedure_key, Step.spec_id, Step.label, Step.name, Step.dossier_id, Step.agency_id,
        Step.started_at, Step.completed_at, Step.time_limit_minutes, Step.result, Step.completed_by_id,
        Step.used_minutes,
    ).where(Step.status == StepStatus.COMPLETED, Step.completed_at >= start, Step.completed_at < end)
    return _restrict_steps(stmt, f).order_by(Step.procedure_key, Step.spec_id, Step.id)


def late_dossier_steps(*, f: Filters, start: datetime, end: datetime) -> Select:
    """(procedure, step, late dossiers) — for dossiers finished late in the period, which steps were late."""
    stmt = select(Dossier.procedure_key, Step.spec_id, func.count(func.distinct(Dossier.id))).join(
        Dossier, Dossier.id == Step.dossier_id).where(
        Dossier.status == DossierStatus.FINISHED, Dossier.result == "late", Dossier.finished_at >= start,
        Dossier.finished_at < end, Step.result == "late")
    return _restrict_steps(stmt, f).group_by(Dossier.procedure_key, Step.spec_id)


def open_tasks(*, f: Filters, now: datetime) -> Select:
    """(officer, open tasks, overdue) of steps assigned now."""
    stmt = select(Step.assignee_id, func.count(),
                  _count(Step.due_at.is_not(None) & (Step.due_at < now))).where(
        Step.status.in_(OPEN_STATUSES), Step.assignee_id.is_not(None))
    return _restrict_steps(stmt, f).group_by(Step.assignee_id)


def overdue_steps(*, f: Filters, now: datetime) -> Select:
    stmt = select(Step.id, Step.name, Step.label, Step.spec_id, Step.unit_id, Step.assignee_id, Step.due_at,
                  Step.started_at, Dossier.id.label("dossier_id"), Dossier.code, Dossier.procedure_key,
                  Dossier.agency_id).join(Dossier, Dossier.id == Step.dossier_id).where(
        Step.status.in_(OPEN_STATUSES), Step.due_at.is_not(None), Step.due_at < now, Dossier.status != DossierStatus.PAUSED)
    return _restrict_steps(stmt, f).order_by(Step.due_at, Step.id)


def overdue_dossiers(*, f: Filters, now: datetime) -> Select:
    from app.dossiers.models import CLOSED_STATUSES

    stmt = select(Dossier.id, Dossier.code, Dossier.procedure_key, Dossier.agency_id, Dossier.status,
                  Dossier.received_at, Dossier.due_at).where(
        Dossier.status.not_in((*CLOSED_STATUSES, "paused")), Dossier.due_at.is_not(None), Dossier.due_at < now)
    return restrict_dossiers(stmt, f).order_by(Dossier.due_at, Dossier.id)


def step_rows(*, f: Filters, start: datetime, end: datetime) -> Select:
    """Every step started in the period, flat, for the big export (streamed with a server-side cursor)."""
    stmt = select(Dossier.code, Step.procedure_key, Step.label, Step.name, Step.unit_id,
                  func.coalesce(Step.completed_by_id, Step.assignee_id), Step.status, Step.started_at,
                  Step.due_at, Step.completed_at, Step.time_limit_minutes, Step.result).join(
        Dossier, Dossier.id == Step.dossier_id).where(
        and_(Step.started_at >= start, Step.started_at < end))
    return _restrict_steps(stmt, f).order_by(Step.started_at, Step.id)


__all__ = ["Filters", "Scope", "dossier_summary", "step_summary", "rollup_summary", "completed_steps", "late_dossier_steps",
           "open_tasks", "overdue_steps", "overdue_dossiers", "step_rows"]
