"""The polling loop: APScheduler calls :func:`tick` every few seconds, in ``make run`` or ``flask scheduler run``.

Each tick runs the registered tick handlers, each in its own transaction, then records a heartbeat.
Capabilities register handlers (``register_tick_handler``) rather than this module importing them, so the
scheduler stays ignorant of deadlines, timers and notifications.
"""
from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime

from flask import Flask
from sqlalchemy.orm import Session

from app.extensions import db
from app.scheduler.models import SchedulerHeartbeat

log = logging.getLogger(__name__)

TickHandler = Callable[[Session, datetime], int]
_TICK_HANDLERS: list[tuple[str, TickHandler]] = []
_TICK_ORDER: dict[str, int] = {}

#: Where each pass runs in a tick, whatever order the capabilities set themselves up in: work that schedules
#: items due now (the daily digest) before the pass that runs due items, sweeps and rollups after it.
SCHEDULE, RUN_DUE_WORK, SWEEP, ROLLUP = 10, 50, 60, 90


def register_tick_handler(name: str, handler: TickHandler, *, order: int = SWEEP) -> None:
    """Add work done on every tick; ``handler(session, now)`` returns how many items it processed.

    Handlers run by ``order`` (then by registration), so a tick does the same whatever the import order.
    """
    if all(existing != name for existing, _ in _TICK_HANDLERS):
        _TICK_ORDER[name] = order
        _TICK_HANDLERS.append((name, handler))
        _TICK_HANDLERS.sort(key=lambda item: _TICK_ORDER[item[0]])  # stable: registration order within a rank


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def record_heartbeat(*, session: Session, worker_id: str, now: datetime) -> SchedulerHeartbeat:
    beat = session.get(SchedulerHeartbeat, worker_id)
    if beat is None:
        beat = SchedulerHeartbeat(worker_id=worker_id, host=socket.gethostname(), pid=os.getpid(),
                                  started_at=now, last_tick_at=now, ticks=0)
        session.add(beat)
    beat.last_tick_at = now
    beat.ticks = (beat.ticks or 0) + 1
    session.flush()
    return beat


def tick(app: Flask, worker_id: str) -> dict[str, int]:
    """One pass over every handler; a failing handler is logged and does not stop the others."""
    results: dict[str, int] = {}
    with app.app_context():
        clock = app.extensions["clock"]
        for name, handler in list(_TICK_HANDLERS):
            try:
                results[name] = handler(db.session, clock.now())
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("scheduler handler %s failed", name)
                results[name] = -1
        try:
            record_heartbeat(session=db.session, worker_id=worker_id, now=clock.now())
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("scheduler heartbeat failed")
        finally:
            db.session.remove()
    return results


def start_background(app: Flask):
    """Start APScheduler in this process (embedded default) and return it."""
    from apscheduler.schedulers.background import BackgroundScheduler

    worker_id = new_worker_id()
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(tick, "interval", seconds=app.config["SCHEDULER_TICK_SECONDS"], args=(app, worker_id),
                      id="motcua-tick", max_instances=1, coalesce=True, next_run_time=app.extensions["clock"].now())
    scheduler.start()
    app.extensions["scheduler"] = {"worker_id": worker_id, "scheduler": scheduler}
    log.info("scheduler started in-process as %s", worker_id)
    return scheduler


def run_blocking(app: Flask) -> None:
    """Run the scheduler as its own process (production): ``flask scheduler run``."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    worker_id = new_worker_id()
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(tick, "interval", seconds=app.config["SCHEDULER_TICK_SECONDS"], args=(app, worker_id),
                      id="motcua-tick", max_instances=1, coalesce=True, next_run_time=app.extensions["clock"].now())
    app.extensions["scheduler"] = {"worker_id": worker_id, "scheduler": scheduler}
    log.info("scheduler process %s starting", worker_id)
    scheduler.start()
