"""Record audit events. Called by services inside their transaction, so the trail commits with the change."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.org.models import Officer


def _request_facts() -> tuple[str | None, str | None]:
    if not has_request_context():
        return None, None
    request_id = g.get("request_id")
    if request_id is None:
        request_id = (request.headers.get("X-Request-ID") or uuid.uuid4().hex)[:64]
        g.request_id = request_id
    return request_id, (request.remote_addr or None)


def record(*, session: Session, actor: Officer | None, action: str, object_type: str, object_id: Any,
           summary: str = "", before: Any = None, after: Any = None, now: datetime,
           outcome: str = "allowed") -> AuditEvent:
    """Append one event; request id and client address come from the current request when there is one."""
    request_id, address = _request_facts()
    event = AuditEvent(at=now, actor_id=actor.id if actor else None,
                       actor_username=actor.username if actor else None,
                       actor_roles=",".join(actor.roles) if actor else None,
                       action=action, object_type=object_type, object_id=str(object_id), summary=summary,
                       before=before, after=after, request_id=request_id, client_address=address,
                       outcome=outcome)
    session.add(event)
    return event


def list_for(*, session: Session, object_type: str, object_id: Any) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id)).order_by(AuditEvent.id)))


def search(*, session: Session, actor: str | None = None, actor_id: int | None = None, action: str | None = None,
           object_type: str | None = None, object_id: str | None = None, outcome: str | None = None,
           at_from: datetime | None = None, at_to: datetime | None = None,
           actor_ids_within: Any = None):
    """A select of events, newest first (id breaks ties); ``action`` ending in '.' matches a prefix.

    ``actor_ids_within`` (a select of officer ids) limits an agency's administrator to its own people's events.
    """
    stmt = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if actor_ids_within is not None:
        stmt = stmt.where(AuditEvent.actor_id.in_(actor_ids_within))
    if actor:
        stmt = stmt.where(AuditEvent.actor_username == actor)
    if actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True) if action.endswith(".")
                          else AuditEvent.action == action)
    if object_type:
        stmt = stmt.where(AuditEvent.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEvent.object_id == object_id)
    if outcome:
        stmt = stmt.where(AuditEvent.outcome == outcome)
    if at_from is not None:
        stmt = stmt.where(AuditEvent.at >= at_from)
    if at_to is not None:
        stmt = stmt.where(AuditEvent.at < at_to)
    return stmt
