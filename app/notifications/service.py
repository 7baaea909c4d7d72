"""Create notices exactly once, list an officer's inbox, mark read. Keyword-only, given the session and ``now``."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.errors import NotFound, Unprocessable
from app.notifications.models import Notification
from app.org.models import Officer, OfficerUnit
from app.scheduler import due_work

WEBHOOK_KIND = "webhook_delivery"


def notify(*, session: Session, now: datetime, kind: str, text: str, dedupe_key: str,
           officer_id: int | None = None, unit_id: int | None = None, dossier_id: int | None = None,
           step_id: int | None = None, webhook_url: str | None = None) -> int | None:
    """Create the notice unless ``dedupe_key`` exists; returns its id when created, None when it already was.

    With ``webhook_url``, a ``webhook_delivery`` due item is scheduled in the same transaction.
    """
    if officer_id is None and unit_id is None:
        raise Unprocessable(errors={"recipient": ["Cần người nhận (cán bộ hoặc đơn vị)."]})
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(Notification).values(
        recipient_officer_id=officer_id, recipient_unit_id=unit_id, kind=kind, dossier_id=dossier_id,
        step_id=step_id, text=text, dedupe_key=dedupe_key, created_at=now, webhook_attempts=0,
        webhook_status="pending" if webhook_url else None,
        webhook_idempotency_key=uuid.uuid4().hex if webhook_url else None,
    ).on_conflict_do_nothing(index_elements=[Notification.dedupe_key]).returning(Notification.id)
    notification_id = session.execute(stmt).scalar()
    if notification_id is not None and webhook_url:
        due_work.schedule(session=session, kind=WEBHOOK_KIND, due_at=now, dedupe_key=f"webhook:{dedupe_key}",
                          dossier_id=dossier_id, step_id=step_id, now=now,
                          payload={"notification_id": notification_id, "url": webhook_url})
    return notification_id


def _visible_to(officer: Officer):
    unit_ids = select(OfficerUnit.unit_id).where(OfficerUnit.officer_id == officer.id)
    return or_(Notification.recipient_officer_id == officer.id, Notification.recipient_unit_id.in_(unit_ids))


def list_inbox(*, session: Session, officer: Officer, unread: bool | None = None, dossier_id: int | None = None):
    """The officer's own notices and their units', newest first (a select statement to paginate)."""
    stmt = select(Notification).where(_visible_to(officer)).order_by(Notification.created_at.desc(),
                                                                      Notification.id.desc())
    if unread is True:
        stmt = stmt.where(Notification.read_at.is_(None))
    elif unread is False:
        stmt = stmt.where(Notification.read_at.is_not(None))
    if dossier_id is not None:
        stmt = stmt.where(Notification.dossier_id == dossier_id)
    return stmt


def unread_count(*, session: Session, officer: Officer) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        _visible_to(officer), Notification.read_at.is_(None))) or 0


def mark_read(*, session: Session, officer: Officer, notification_id: int, now: datetime) -> Notification:
    """Mark a notice read (idempotent). A unit's notice is read for the unit once any member reads it."""
    notice = session.scalar(select(Notification).where(Notification.id == notification_id, _visible_to(officer)))
    if notice is None:
        raise NotFound()
    if notice.read_at is None:
        notice.read_at = now
        notice.read_by = officer.id
        session.flush()
    return notice
