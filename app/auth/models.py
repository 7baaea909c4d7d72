"""Login sessions (one per refresh token) and API keys for integrations."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime
from app.extensions import db
from app.org.models import Officer


class AuthSession(db.Model):
    """A login. Access tokens name their session, so revoking it (logout) stops them at once."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"), index=True)
    refresh_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    client_address: Mapped[str | None] = mapped_column(String(64))
    #: The account's ``token_version`` at login: a password change, reset or disabling ends the refresh too.
    token_version: Mapped[int] = mapped_column(Integer, default=1)

    officer: Mapped[Officer] = relationship()


class RetiredRefreshToken(db.Model):
    """A refresh token already rotated away. Seen again, it was copied: its whole login is ended."""

    __tablename__ = "retired_refresh_tokens"

    refresh_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True)
    retired_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApiKey(db.Model):
    """A key an integration uses instead of a password; it acts as its officer, within ``roles``, until expiry."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Space-separated roles the key may use (of its officer's); None: all of the officer's roles.
    roles: Mapped[str | None] = mapped_column(String(128))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Space-separated external-task topics the key may serve (a worker's key); None: any.
    topics: Mapped[str | None] = mapped_column(Text)

    officer: Mapped[Officer] = relationship()

    @property
    def role_list(self) -> list[str] | None:
        return self.roles.split() if self.roles is not None else None

    @property
    def topic_list(self) -> list[str] | None:
        return self.topics.split() if self.topics is not None else None


class ThrottleEvent(db.Model):
    """One counted attempt (a failed login, a public lookup) in a sliding window.

    Kept in the database, not in process memory, so every gunicorn worker counts the same attempts.
    ``bucket`` names the limit (``login_account``, ``login_address``, ``public_lookup``), ``key`` the
    account or client address it counts for.
    """

    __tablename__ = "throttle_events"
    __table_args__ = (Index("ix_throttle_events_bucket_key_at", "bucket", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
