"""Record the applicant's one rating of a returned dossier; a low one is told to the units' leaders.

Keyword-only, given the session and ``now``; flushes, never commits. The dossier is locked first, so two
ratings sent at once record one (the other is 409 ``already_rated``), as does the unique dossier id.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.dossiers.models import Dossier, DossierStatus, Step
from app.errors import Conflict
from app.notifications import service as notifications
from app.org.leaders import unit_leaders
from app.org.models import Unit
from app.satisfaction.criteria import CRITERIA, LOW_SCORE, MAX_COMMENT
from app.satisfaction.models import SatisfactionRating


def rating_of(session: Session, dossier_id: int) -> SatisfactionRating | None:
    return session.scalar(select(SatisfactionRating).where(SatisfactionRating.dossier_id == dossier_id))


def can_rate(session: Session, dossier: Dossier) -> bool:
    return dossier.status == DossierStatus.FINISHED and rating_of(session, dossier.id) is None


def rate(*, session: Session, dossier: Dossier, scores: Mapping[str, int], comment: str | None, via: str,
         now: datetime) -> SatisfactionRating:
    """409 ``rating_not_open`` before the result is returned, 409 ``already_rated`` for a second rating.

    ``dossier`` is locked by the caller (``app.dossiers.service.lock``). Scores are 1–5 for every criterion
    and the comment at most :data:`MAX_COMMENT` characters (the schemas check; the table's checks too).
    """
    if dossier.status != DossierStatus.FINISHED:
        raise Conflict("Chỉ đánh giá được sau khi hồ sơ đã trả kết quả.", code="rating_not_open",
                       detail_en="A dossier can be rated once its result has been returned.")
    if rating_of(session, dossier.id) is not None:
        raise Conflict("Hồ sơ này đã được đánh giá.", code="already_rated",
                       detail_en="This dossier has already been rated.")
    values = {key: int(scores[key]) for key in CRITERIA}
    row = SatisfactionRating(dossier_id=dossier.id, agency_id=dossier.agency_id, procedure_key=dossier.procedure_key,
                             **{f"score_{key}": value for key, value in values.items()}, total=sum(values.values()),
                             low=min(values.values()) <= LOW_SCORE,
                             comment=(comment or "").strip()[:MAX_COMMENT] or None, via=via, rated_at=now)
    session.add(row)
    session.flush()
    if row.low:
        _tell_leaders(session=session, dossier=dossier, row=row, now=now)
    return row


def handling_units(session: Session, dossier: Dossier) -> list[Unit]:
    """The units that handled the dossier: its desk and every unit a step of it ran in."""
    ids = set(session.scalars(select(Step.unit_id).where(Step.dossier_id == dossier.id, Step.unit_id.is_not(None))))
    if dossier.receiving_unit_id:
        ids.add(dossier.receiving_unit_id)
    return list(session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.id))) if ids else []


def _tell_leaders(*, session: Session, dossier: Dossier, row: SatisfactionRating, now: datetime) -> None:
    low = [CRITERIA[key][0] for key, value in row.scores().items() if value <= LOW_SCORE]
    text = (f"Hồ sơ {dossier.code} được người dân đánh giá chưa hài lòng ({row.total}/{5 * len(CRITERIA)} điểm): "
            + "; ".join(low) + (f". Ý kiến: {row.comment}" if row.comment else "."))
    told: set[int] = set()
    for unit in handling_units(session, dossier):
        for leader in unit_leaders(session, unit):
            if leader.id in told:
                continue
            told.add(leader.id)
            notifications.notify(session=session, now=now, kind="low_satisfaction", text=text[:4000],
                                 dedupe_key=f"low_satisfaction:{dossier.id}:{leader.id}", officer_id=leader.id,
                                 dossier_id=dossier.id)
