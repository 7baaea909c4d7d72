"""What a dossier's life tells the capabilities that keep time on it, without knowing them.

Why a protocol: the dossier service moves the engine and projects its steps; deadlines schedules work around
those moves. If the dossier service called deadlines, and deadlines read dossiers, each would import the other.
Here the dossier service says *when* (started, steps projected, a step completed, finished) and the caller,
``app.flows``, passes *who listens* (``app.deadlines.hooks`` implements every hook). Order is the dossier service's: a hook runs at the point its name says, inside the transaction.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.calendar import WorkingCalendar
    from app.dossiers.models import Dossier, Step
    from app.engine import Workflow


class Lifecycle(Protocol):
    def on_dossier_started(self, *, session: Session, dossier: Dossier, now: datetime) -> None:
        """Received: before the engine starts (the dossier's own due work)."""

    def on_steps_projected(self, *, session: Session, dossier: Dossier, created: list[Step], wf: Workflow,
                           now: datetime, closed: Sequence[Step] = (), cal: WorkingCalendar | None = None) -> None:
        """The step rows now match the engine: ``created`` opened, ``closed`` cancelled."""

    def on_step_completed(self, *, session: Session, dossier: Dossier, step: Step, now: datetime,
                          cal: WorkingCalendar | None = None) -> None:
        """A step was completed (may refuse: raising keeps the engine and the rows as they were)."""

    def on_dossier_transferred(self, *, session: Session, dossier: Dossier, now: datetime) -> None:
        """Handed to another agency's procedure: the old work dropped, the dossier's own work planned anew."""

    def on_dossier_finished(self, *, session: Session, dossier: Dossier, now: datetime,
                            cal: WorkingCalendar | None = None) -> None:
        """The dossier ended: finished, withdrawn or stopped."""
