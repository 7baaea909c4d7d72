"""Due work, claimed and run exactly once by any number of scheduler processes.

How other capabilities use it (the dossiers/steps engineer, for instance)::

    from app.scheduler import due_work

    # at step activation, in the request's transaction (idempotent: same key twice = one row)
    due_work.schedule(session=s, kind="step_due_soon", due_at=warn_at, dedupe_key=f"step:{step.id}:due_soon",
                      dossier_id=dossier.id, step_id=step.id, payload={...}, now=now)
    due_work.schedule(session=s, kind="step_overdue", due_at=step.due_at, dedupe_key=f"step:{step.id}:overdue",
                      dossier_id=dossier.id, step_id=step.id, now=now)
    # at step completion
    due_work.cancel(session=s, step_id=step.id, now=now)

    # once, at import of your module (e.g. app/deadlines/scheduled.py imported by your routes module)
    due_work.register_handler("step_overdue", on_step_overdue)   # fn(session, item, now) -> None

A handler receives the session, a :class:`ClaimedWork` snapshot and ``now``; it flushes and never commits.
It runs in the same transaction that marks the item done, so its effects and the item's removal commit
together; if it raises, both roll back and the item is retried with exponential backoff, and after
``MAX_ATTEMPTS`` it is ``failed`` (an incident: ``GET /api/v1/scheduler/due-work?status=failed``).
Handlers must tolerate a rerun after a crash between their external side effect and the commit (e.g. the
webhook sends an ``Idempotency-Key``); database effects are exactly once.

Why ``now`` is always passed in rather than read from the database clock: the app clock (``app.clock``) is
the one place time is read, and tests move it (``FrozenClock.advance``) to make leases expire and work come
due without sleeping. In production the app clock is the system clock; NTP keeps the schedulers within
milliseconds of each other, far below the lease (minutes), so the database clock adds nothing.

Claiming on PostgreSQL is one statement (``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING``),
using the partial index on pending rows; on SQLite, whose writes are serialised anyway, each candidate is
taken with a conditional ``UPDATE … WHERE id = ? AND <still claimable>`` and its row count checked.
Exactly once holds because marking done is fenced by the lease: ``UPDATE … SET status='done' WHERE id = ?
AND status = 'pending' AND lock_owner = <me>``, run before the handler; a worker whose lease was taken
over finds no row and rolls back.
"""
from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import literal_column, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound
from app.scheduler.due_work_models import DUE_WORK_STATUSES, DueWork

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
DEFAULT_LEASE = timedelta(minutes=5)
DEFAULT_BATCH = 100
#: The kinds the product knows; any other kind may be scheduled as long as a handler is registered.
KNOWN_KINDS = ("step_due_soon", "step_overdue", "escalate_unit_leader", "escalate_agency_leader", "bpmn_timer",
               "apology_deadline", "daily_digest", "notify", "webhook_delivery", "applicant_notice")

_PENDING = literal_column("'pending'")  # a literal, so the partial index (WHERE status = 'pending') applies
_STATUS_LITERALS = {status: literal_column(f"'{status}'") for status in DUE_WORK_STATUSES}


@dataclass(frozen=True)
class ClaimedWork:
    """What a handler sees of a claimed row (a snapshot: it survives the commit after the claim)."""

    id: int
    kind: str
    due_at: datetime
    dedupe_key: str
    dossier_id: int | None
    step_id: int | None
    payload: dict[str, Any]
    attempts: int
    lock_owner: str | None


Handler = Callable[[Session, ClaimedWork, datetime], None]
GiveUpHook = Callable[[Session, ClaimedWork, datetime, str], None]
_HANDLERS: dict[str, Handler] = {}
_GIVE_UP: dict[str, GiveUpHook] = {}
_MAX_ATTEMPTS: dict[str, int] = {}
#: Kinds whose handler calls out (SMTP, HTTP) before it writes: marked done after it, see :func:`run_one`.
_EXTERNAL: set[str] = set()


class LeaseLost(Exception):
    """Another scheduler took the item over (our lease expired) or it was cancelled: do nothing."""


class NoHandler(Exception):
    """No handler is registered for this kind (recorded as a failure, so the item is not lost)."""


def register_handler(kind: str, fn: Handler, *, on_give_up: GiveUpHook | None = None,
                     max_attempts: int | None = None, external: bool = False) -> None:
    """Run ``fn(session, item, now)`` for due items of ``kind``; ``on_give_up`` when it is finally ``failed``.

    ``max_attempts``: this kind's own limit (a provider that is down for hours must not lose a notice).
    ``external``: ``fn`` reads, then calls another system, then writes; the item is marked done after it, so on
    SQLite no write lock is held while the call waits on a slow provider (the fence is the same: a lost lease
    rolls the handler's writes back).
    """
    _HANDLERS[kind] = fn
    if on_give_up is not None:
        _GIVE_UP[kind] = on_give_up
    if max_attempts is not None:
        _MAX_ATTEMPTS[kind] = max_attempts
    (_EXTERNAL.add if external else _EXTERNAL.discard)(kind)


def registered_kinds() -> list[str]:
    return sorted(_HANDLERS)


def _insert(session: Session):
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


# --- scheduling ---------------------------------------------------------------------------------------------

def _row(*, kind: str, due_at: datetime, dedupe_key: str, dossier_id: int | None = None,
         step_id: int | None = None, payload: dict[str, Any] | None = None, now: datetime | None = None) -> dict:
    if due_at.tzinfo is None:
        raise ValueError("due_at must be an aware datetime")
    if not kind or not dedupe_key:
        raise ValueError("kind and dedupe_key are required")
    return {"kind": kind, "due_at": due_at, "dedupe_key": dedupe_key, "dossier_id": dossier_id, "step_id": step_id,
            "payload": payload or {}, "status": "pending", "attempts": 0, "created_at": now}


def schedule(*, session: Session, kind: str, due_at: datetime, dedupe_key: str, dossier_id: int | None = None,
             step_id: int | None = None, payload: dict[str, Any] | None = None,
             now: datetime | None = None) -> bool:
    """Insert the work unless ``dedupe_key`` exists (then nothing changes); True when a row was created."""
    stmt = _insert(session)(DueWork).values(
        _row(kind=kind, due_at=due_at, dedupe_key=dedupe_key, dossier_id=dossier_id, step_id=step_id,
             payload=payload, now=now),
    ).on_conflict_do_nothing(index_elements=[DueWork.dedupe_key]).returning(DueWork.id)
    return session.execute(stmt).scalar() is not None


def schedule_many(*, session: Session, items: list[dict[str, Any]], now: datetime | None = None) -> None:
    """:func:`schedule` for several items (the keyword arguments of each, as dicts) in one statement.

    The hot path: every step activation schedules four items. A Core ``INSERT … ON CONFLICT DO NOTHING``
    executed with the list of rows (one multi-row statement on PostgreSQL) instead of four ORM inserts.
    """
    if not items:
        return
    rows = [_row(now=now, **item) for item in items]
    table = DueWork.__table__
    stmt = _insert(session)(table).on_conflict_do_nothing(index_elements=[table.c.dedupe_key])
    session.execute(stmt, rows)


def cancel(*, session: Session, dedupe_key: str | None = None, step_id: int | None = None,
           step_ids: list[int] | None = None, dossier_id: int | None = None, kinds: tuple[str, ...] | None = None,
           now: datetime | None = None) -> int:
    """Cancel pending work by key, step(s) or dossier (optionally only some kinds); returns how many rows.

    Cancelled rows stay (status ``cancelled``) so their ``dedupe_key`` keeps a late duplicate from reviving them.
    A Core statement on the table: no ORM objects of due work are held in a request's session to synchronise.
    """
    if dedupe_key is None and step_id is None and not step_ids and dossier_id is None:
        raise ValueError("give dedupe_key, step_id(s) or dossier_id")
    table = DueWork.__table__
    stmt = update(table).where(table.c.status == _PENDING)
    if dedupe_key is not None:
        stmt = stmt.where(table.c.dedupe_key == dedupe_key)
    if step_id is not None:
        stmt = stmt.where(table.c.step_id == step_id)
    if step_ids:
        stmt = stmt.where(table.c.step_id.in_(step_ids))
    if dossier_id is not None:
        stmt = stmt.where(table.c.dossier_id == dossier_id)
    if kinds:
        stmt = stmt.where(table.c.kind.in_(kinds))
    result = session.execute(stmt.values(status="cancelled", done_at=now, lock_owner=None, locked_until=None))
    return result.rowcount


# --- claiming and running -----------------------------------------------------------------------------------

_COLUMNS = (DueWork.id, DueWork.kind, DueWork.due_at, DueWork.dedupe_key, DueWork.dossier_id, DueWork.step_id,
            DueWork.payload, DueWork.attempts, DueWork.lock_owner)


def _claimable(now: datetime):
    return (DueWork.status == _PENDING, DueWork.due_at <= now,
            or_(DueWork.locked_until.is_(None), DueWork.locked_until < now))


def claim_statement(*, worker_id: str, now: datetime, limit: int, lease: timedelta):
    """The PostgreSQL claim: one ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING``."""
    picked = (select(DueWork.id).where(*_claimable(now)).order_by(DueWork.due_at).limit(limit)
              .with_for_update(skip_locked=True))
    return (update(DueWork).where(DueWork.id.in_(picked.scalar_subquery()))
            .values(lock_owner=worker_id, locked_until=now + lease).returning(*_COLUMNS))


def claim(*, session: Session, worker_id: str, now: datetime, limit: int = DEFAULT_BATCH,
          lease: timedelta = DEFAULT_LEASE) -> list[ClaimedWork]:
    """Lease up to ``limit`` due items to ``worker_id`` until ``now + lease``, oldest due first."""
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(claim_statement(worker_id=worker_id, now=now, limit=limit, lease=lease),
                               execution_options={"synchronize_session": False}).all()
    else:
        candidates = session.scalars(select(DueWork.id).where(*_claimable(now)).order_by(DueWork.due_at)
                                     .limit(limit)).all()
        rows = []
        for item_id in candidates:
            taken = session.execute(update(DueWork).where(DueWork.id == item_id, *_claimable(now))
                                    .values(lock_owner=worker_id, locked_until=now + lease),
                                    execution_options={"synchronize_session": False})
            if taken.rowcount == 1:
                rows.extend(session.execute(select(*_COLUMNS).where(DueWork.id == item_id)).all())
    items = [ClaimedWork(id=r.id, kind=r.kind, due_at=r.due_at, dedupe_key=r.dedupe_key, dossier_id=r.dossier_id,
                         step_id=r.step_id, payload=r.payload or {}, attempts=r.attempts, lock_owner=r.lock_owner)
             for r in rows]
    items.sort(key=lambda item: (item.due_at, item.id))
    return items


def run_one(*, session: Session, item: ClaimedWork, now: datetime) -> None:
    """Mark ``item`` done (fenced by its lease) and run its handler, in the caller's transaction.

    Raises :class:`LeaseLost` when the item is no longer ours, :class:`NoHandler` for an unknown kind, or
    whatever the handler raises; the caller then rolls back (see :func:`work_batch`).
    """
    handler = _HANDLERS.get(item.kind)
    if handler is None:
        raise NoHandler(f"no handler registered for due-work kind {item.kind!r}")
    external = item.kind in _EXTERNAL
    if external:
        handler(session, item, now)
    marked = session.execute(
        update(DueWork).where(DueWork.id == item.id, DueWork.status == _PENDING,
                              DueWork.lock_owner.is_not_distinct_from(item.lock_owner))
        .values(status="done", done_at=now, locked_until=None),
        execution_options={"synchronize_session": False})
    if marked.rowcount != 1:
        raise LeaseLost(f"due work {item.id} is no longer leased to {item.lock_owner}")
    if not external:
        handler(session, item, now)
    session.flush()


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min… capped at one hour."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def record_failure(*, session: Session, item: ClaimedWork, now: datetime, error: str,
                   max_attempts: int = MAX_ATTEMPTS) -> DueWork | None:
    """After a rolled-back run: count the attempt and push ``due_at`` back, or give up (``failed``)."""
    row = session.get(DueWork, item.id, populate_existing=True)
    if row is None or row.status != "pending" or row.lock_owner != item.lock_owner:
        return None  # cancelled or taken over meanwhile: not ours to judge
    row.attempts = (row.attempts or 0) + 1
    row.last_error = error[:4000]
    row.lock_owner = None
    row.locked_until = None
    if row.attempts >= max_attempts:
        row.status = "failed"
        row.done_at = now
        hook = _GIVE_UP.get(row.kind)
        if hook is not None:
            hook(session, item, now, error)
        log.error("due work %s (%s) failed after %s attempts: %s", row.id, row.kind, row.attempts, error)
    else:
        row.due_at = now + backoff(row.attempts)
    session.flush()
    return row


def work_batch(*, session: Session, worker_id: str, now: datetime, limit: int = DEFAULT_BATCH,
               lease: timedelta = DEFAULT_LEASE) -> int:
    """The job wrapper: claim a batch (commit), then each item in its own transaction. Returns items claimed.

    This is an edge like a request: it commits. Services and handlers called from it only flush.
    """
    items = claim(session=session, worker_id=worker_id, now=now, limit=limit, lease=lease)
    session.commit()
    for item in items:
        try:
            run_one(session=session, item=item, now=now)
            session.commit()
        except LeaseLost:
            session.rollback()
            log.info("due work %s: lease lost, skipped", item.id)
        except Exception as exc:
            session.rollback()
            log.warning("due work %s (%s) failed: %s", item.id, item.kind, exc, exc_info=True)
            record_failure(session=session, item=item, now=now, error=f"{type(exc).__name__}: {exc}",
                           max_attempts=_MAX_ATTEMPTS.get(item.kind, MAX_ATTEMPTS))
            session.commit()
    return len(items)


def run_until_idle(*, session: Session, worker_id: str, now: datetime, limit: int = DEFAULT_BATCH,
                   lease: timedelta = DEFAULT_LEASE, max_batches: int = 10_000) -> int:
    """Work batches until nothing is due (tests, the catch-up at start). Returns items claimed in all."""
    total = 0
    for _ in range(max_batches):
        claimed = work_batch(session=session, worker_id=worker_id, now=now, limit=limit, lease=lease)
        total += claimed
        if claimed == 0:
            break
    return total


# --- incidents (admin) ---------------------------------------------------------------------------------------

def list_due_work(*, session: Session, status: str | None = None, kind: str | None = None,
                  dossier_id: int | None = None):
    stmt = select(DueWork).order_by(DueWork.id)
    if status is not None:
        if status not in _STATUS_LITERALS:
            raise ValueError(f"unknown status {status!r}")
        stmt = stmt.where(DueWork.status == _STATUS_LITERALS[status])  # literal: the partial indexes apply
    if kind is not None:
        stmt = stmt.where(DueWork.kind == kind)
    if dossier_id is not None:
        stmt = stmt.where(DueWork.dossier_id == dossier_id)
    return stmt


def retry(*, session: Session, item_id: int, now: datetime) -> DueWork:
    """Put a failed (or cancelled) item back in the queue, due now, with its attempts reset."""
    row = session.get(DueWork, item_id)
    if row is None:
        raise NotFound()
    if row.status not in ("failed", "cancelled"):
        raise Conflict(f"Chỉ thử lại được việc ở trạng thái failed/cancelled (hiện: {row.status}).",
                       code="not_retryable", detail_en=f"Only failed or cancelled work can be retried ({row.status}).")
    row.status = "pending"
    row.attempts = 0
    row.due_at = now
    row.done_at = None
    row.lock_owner = None
    row.locked_until = None
    session.flush()
    return row


# --- the tick handler ---------------------------------------------------------------------------------------

_worker_ids: dict[int, str] = {}


def process_worker_id() -> str:
    """This process's lease owner name (recomputed after a fork, so children never share it)."""
    pid = os.getpid()
    if pid not in _worker_ids:
        _worker_ids[pid] = f"{socket.gethostname()}:{pid}:{uuid.uuid4().hex[:8]}"
    return _worker_ids[pid]


def due_work_tick(session: Session, now: datetime) -> int:
    """Registered with the runner: one batch per tick."""
    return work_batch(session=session, worker_id=process_worker_id(), now=now)
