"""The dossier's life across capabilities: the one place that wires dossiers, tasks and deadlines together.

Why here: receiving a dossier, completing or returning a step, retrying, withdrawing or stopping touch three
capabilities — the dossier and its engine state (``dossiers``), the officer's step (``tasks``) and the time
kept on both (``deadlines``). Each service does its own part and says when something happened through
:class:`app.dossiers.lifecycle.Lifecycle`; this module decides who listens (``app.deadlines.hooks``) and is
what routes call. It sits above the three packages, so their imports point one way (dossiers ← deadlines ← flows,
dossiers ← tasks ← flows) and none of them imports another's service to reach back up.

Keyword-only functions given the session and ``now``, like the services: they flush and never commit.
BPMN timers are fired by deadlines' own scheduled handler, which passes itself as the listener.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.deadlines import hooks as deadlines
from app.deadlines import views as deadline_views
from app.dossiers import service as dossiers
from app.dossiers.models import Dossier, Step
from app.org.models import Officer
from app.tasks import service as tasks


def receive(*, session: Session, key: str, dossier_in: dict[str, Any], officer: Officer | None, now: datetime,
            code_format: str | None = None) -> tuple[Dossier, str]:
    """Receive a dossier (tiếp nhận): its code, engine start, first steps and their due work."""
    return dossiers.start(session=session, key=key, dossier_in=dossier_in, officer=officer, now=now,
                          life=deadlines, code_format=code_format)


def complete_step(*, session: Session, step_id: int, officer: Officer, data: dict[str, Any], now: datetime,
                  if_match: int | None = None) -> tuple[Step, list[Step] | None]:
    """An officer completes a step with its form data; the dossier moves on (or goes into incident)."""
    return tasks.complete(session=session, step_id=step_id, officer=officer, data=data, now=now, life=deadlines,
                          if_match=if_match)


def return_step(*, session: Session, step_id: int, officer: Officer, reason: str, now: datetime,
                data: dict[str, Any] | None = None, if_match: int | None = None) -> Step:
    """Send the dossier back to an earlier step, with the reason the control sheet prints."""
    return tasks.return_step(session=session, step_id=step_id, officer=officer, reason=reason, now=now,
                             life=deadlines, data=data, if_match=if_match)


def retry(*, session: Session, dossier_id: int, officer: Officer, now: datetime, data: dict[str, Any] | None = None,
          if_match: int | None = None) -> Dossier:
    """Run again what failed (a start or a completion), optionally with corrected step data."""
    return dossiers.retry(session=session, dossier_id=dossier_id, officer=officer, now=now, life=deadlines,
                          data=data, if_match=if_match)


def close(*, session: Session, dossier_id: int, officer: Officer, status: str, reason: str, now: datetime,
          if_match: int | None = None) -> Dossier:
    """Withdraw (the applicant asks) or stop a dossier: open steps cancelled, time used recorded."""
    return dossiers.close(session=session, dossier_id=dossier_id, officer=officer, status=status, reason=reason,
                          now=now, life=deadlines, if_match=if_match)


def control_sheet(*, session: Session, dossier: Dossier) -> dict[str, Any]:
    """Form 06: the dossier's hand-overs with deadlines' pauses and extension among them."""
    return dossiers.control_sheet(session=session, dossier=dossier,
                                  other_rows=deadline_views.control_sheet_rows(session=session, dossier=dossier))
