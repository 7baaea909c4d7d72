"""Version tokens for reference data that every process caches: working calendars and the organisation tree.

Why: each request needs an agency's calendar, the agency and unit trees and the names of units; they change a
few times a year but are read on every call. Each process keeps them in memory keyed by a token stored here;
a change writes a new random token in the same transaction, so every process (gunicorn workers, schedulers)
sees it on its next request. A request reads all tokens with one small query (:func:`token_of` memoises it).

- ``CALENDAR``: bumped by :func:`app.calendar.service.bump_version` on every override or settings change.
- ``ORGANISATION``: bumped by an ORM hook whenever an agency or unit is inserted, changed or deleted (any
  code path that goes through the ORM; see ``app.org.tree._organisation_changed``).

A missing token (an empty database, a test that emptied the tables) means "do not cache": callers compute.
"""
from __future__ import annotations

import uuid

from sqlalchemy import Integer, String, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.extensions import db
from app.request_cache import forget, memo

CALENDAR = 1
ORGANISATION = 2
_MEMO = "cache_versions.tokens"


class CacheVersion(db.Model):
    """One row per kind of cached reference data; ``token`` is random on every change."""

    __tablename__ = "cache_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    #: Random on every change: a cache key that cannot repeat even if the table is emptied and refilled.
    token: Mapped[str] = mapped_column(String(32))


def token_of(session: Session, kind: int) -> str | None:
    """The current token of ``kind`` (None before any change was recorded); all kinds read once per request."""
    tokens = memo(_MEMO, lambda: {row.id: row.token for row in session.execute(
        select(CacheVersion.id, CacheVersion.token))})
    return tokens.get(kind)


def bump(session: Session, kind: int) -> None:
    """Invalidate every process's cache of ``kind``: a new token, written in the caller's transaction.

    Through the session's connection, so it also works from inside a flush (the organisation hook).
    """
    forget(_MEMO)
    connection = session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    token = uuid.uuid4().hex
    stmt = insert(CacheVersion).values(id=kind, version=1, token=token)
    connection.execute(stmt.on_conflict_do_update(index_elements=[CacheVersion.id],
                                                  set_={"version": CacheVersion.version + 1, "token": token}))
