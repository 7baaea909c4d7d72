"""Who is told about a dossier's deadlines: the receiving desk and the units that decide it.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.deadlines.planning import open_steps_of
from app.dossiers.models import Dossier, Step
from app.org.leaders import agency_board_ids, ancestor_unit_ids
from app.org.models import Unit


def reception_unit(session: Session, dossier: Dossier) -> Unit | None:
    """The one-stop desk that received the dossier: the unit of its first step."""
    first = session.scalar(select(Step).where(Step.dossier_id == dossier.id, Step.previous_step_id.is_(None))
                           .order_by(Step.id).limit(1))
    return first.unit if first else None


def deciding_unit_ids(session: Session, dossier: Dossier) -> set[int]:
    """Units that may extend: those holding an open step and the units above them, and the deciding agency's
    top leadership unit."""
    holding = {row.unit_id for row in open_steps_of(session, dossier.id) if row.unit_id is not None}
    above = {uid for unit_id in holding for uid in ancestor_unit_ids(session, unit_id)}
    return holding | above | set(agency_board_ids(session, dossier.agency_id))
