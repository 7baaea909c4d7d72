"""Deadlines of steps and dossiers: every counted step and every dossier gets due work at the right moments.

Rules kept here (domain.md, "Counting time"):

- **At activation** a step with a time limit gets four due items (``app.scheduler.due_work``): ``step_due_soon``
  when ``DUE_SOON_FRACTION`` (default 25 %) of its working time is left, ``step_overdue`` at its due time and
  ``escalate_unit_leader`` / ``escalate_agency_leader`` after ``ESCALATION_DELAYS`` of working time past it.
  A dossier gets ``dossier_overdue`` and ``apology_deadline`` (one working day before its deadline: the last
  moment an extension may be recorded), and ``bpmn_timer`` when the engine waits on a timer.
- **Dedupe keys carry the due time** (``step:12:overdue@202603021700``): scheduling twice is one row, and a
  due time moved by a pause gets fresh rows while the cancelled ones keep their keys.
- **Pause** (``pausePolicy`` process property, default ``pause``): at resume every open step's due time and
  the dossier's move by the working time paused. **Restart**: the open steps count their full time again
  from the resume, and the dossier's due time moves as far as the latest step's did. While paused no step
  can be completed and no due work is pending.
- **Extension with apology** (form 04): once per dossier, at the latest one working day before the current
  deadline, to a later date; the dossier's result is then judged against the new date.
- **Results**: time used is working time from activation (or the dossier's counting start) to completion,
  minus ``paused_minutes``; early / on time / late comes from ``classify_completion`` on the moved due time.

Modules by job: ``settings`` (the due-soon share, escalation delays), ``planning`` (due items and their keys),
``hooks`` (what a dossier's move schedules: the Lifecycle ``app.flows`` passes), ``pauses`` and ``extension``
(the writes officers make), ``views`` (what screens and form 06 show), ``recipients`` (who is told),
``scheduled`` (the due-work handlers). Keyword-only functions given the session and ``now``; they flush and
never commit.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register deadlines' scheduled handlers.

    Called by :func:`app.create_app`: explicit, not a side effect of importing the routes.
    """
    from app.deadlines import scheduled  # its @handler decorators register the due work

    del scheduled
