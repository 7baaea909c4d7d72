"""Logging in, refreshing, logging out, API keys. Keyword-only, given the session and ``now``; never commits."""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.auth import tokens
from app.auth.models import ApiKey, AuthSession, RetiredRefreshToken
from app.engine.external import topic_valid
from app.errors import NotFound, Unauthorized, Unprocessable
from app.org import passwords
from app.org.models import Officer

API_KEY_PREFIX = "mcf"


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    officer: Officer


def _issue(*, secret: str, officer: Officer, auth_session: AuthSession, now: datetime,
           access_ttl: timedelta, refresh_token: str) -> IssuedTokens:
    claims = tokens.AccessClaims(officer.id, auth_session.id, officer.token_version)
    access = tokens.issue_access_token(secret=secret, claims=claims, now=now, ttl=access_ttl)
    return IssuedTokens(access, refresh_token, int(access_ttl.total_seconds()), officer)


def login(*, session: Session, username: str, password: str, now: datetime, secret: str,
          access_ttl: timedelta, refresh_ttl: timedelta, client_address: str | None = None) -> IssuedTokens:
    """Check the password and open a session; the same refusal for unknown, wrong and disabled accounts."""
    officer = session.scalar(select(Officer).where(Officer.username == username))
    ok = passwords.verify_password(officer.password_hash if officer else None, password)
    if not ok or officer is None or not officer.is_active:
        raise Unauthorized(code="bad_credentials")
    if officer.password_hash and passwords.needs_rehash(officer.password_hash):
        officer.password_hash = passwords.hash_password(password)
    refresh = tokens.new_secret()
    auth_session = AuthSession(officer_id=officer.id, refresh_hash=tokens.digest(refresh), created_at=now,
                               expires_at=now + refresh_ttl, client_address=client_address,
                               token_version=officer.token_version)
    session.add(auth_session)
    session.flush()
    return _issue(secret=secret, officer=officer, auth_session=auth_session, now=now,
                  access_ttl=access_ttl, refresh_token=refresh)


def refresh(*, session: Session, refresh_token: str, now: datetime, secret: str,
            access_ttl: timedelta, refresh_ttl: timedelta) -> IssuedTokens:
    """Rotate the refresh token: the old one stops working, so a stolen copy is good for one use at most.

    A login ends with its account's tokens (password change, reset, disabling: ``token_version``). A refresh
    token presented again after it was rotated raises :class:`ReusedRefreshToken`: the caller ends the whole
    login (:func:`logout`), since the thief and the owner cannot be told apart.
    """
    digest = tokens.digest(refresh_token)
    auth_session = session.scalar(select(AuthSession).where(AuthSession.refresh_hash == digest).with_for_update())
    if auth_session is None:
        retired = session.get(RetiredRefreshToken, digest)
        if retired is not None:
            raise ReusedRefreshToken(session_id=retired.session_id)
        raise Unauthorized(code="token_revoked")
    officer = auth_session.officer
    if (auth_session.revoked_at is not None or auth_session.expires_at <= now or not officer.is_active
            or auth_session.token_version != officer.token_version):
        raise Unauthorized(code="token_revoked")
    new_refresh = tokens.new_secret()
    session.add(RetiredRefreshToken(refresh_hash=digest, session_id=auth_session.id, retired_at=now))
    auth_session.refresh_hash = tokens.digest(new_refresh)
    auth_session.expires_at = now + refresh_ttl
    session.flush()
    return _issue(secret=secret, officer=officer, auth_session=auth_session, now=now,
                  access_ttl=access_ttl, refresh_token=new_refresh)


class ReusedRefreshToken(Unauthorized):
    """A rotated refresh token came back: the login it belonged to must end (token-family revocation)."""

    def __init__(self, *, session_id: int) -> None:
        super().__init__(code="token_reused")
        self.session_id = session_id


def logout(*, session: Session, session_id: int, now: datetime) -> None:
    auth_session = session.get(AuthSession, session_id)
    if auth_session is not None and auth_session.revoked_at is None:
        auth_session.revoked_at = now
        session.flush()


#: Every request needs the session, its officer, the officer's roles and units: one round trip, not four.
_WITH_OFFICER = (joinedload(AuthSession.officer).joinedload(Officer.role_rows),
                 joinedload(AuthSession.officer).joinedload(Officer.units))


def officer_for_access_token(*, session: Session, token: str, secret: str, now: datetime,
                             max_ttl: timedelta) -> tuple[Officer, int]:
    """The officer and session behind a bearer token, or :class:`Unauthorized` with the precise reason."""
    try:
        claims = tokens.read_access_token(token, secret=secret, now=now, max_ttl=max_ttl)
    except tokens.TokenExpired as exc:
        raise Unauthorized(code="token_expired") from exc
    except tokens.TokenInvalid as exc:
        raise Unauthorized(code="unauthorized") from exc
    auth_session = session.scalars(
        select(AuthSession).where(AuthSession.id == claims.session_id).options(*_WITH_OFFICER)).unique().first()
    officer = auth_session.officer if auth_session else None
    if (auth_session is None or officer is None or officer.id != claims.officer_id
            or auth_session.revoked_at is not None or not officer.is_active
            or officer.token_version != claims.token_version):
        raise Unauthorized(code="token_revoked")
    return officer, auth_session.id


def create_api_key(*, session: Session, officer: Officer, name: str, now: datetime,
                   roles: list[str] | None = None, expires_at: datetime | None = None,
                   topics: list[str] | None = None) -> tuple[ApiKey, str]:
    """Create a key; the plain key is returned once and only its digest is kept.

    ``roles`` narrows the key to some of its officer's roles (None: all of them, as they change).
    """
    if roles is not None:
        beyond = sorted(set(roles) - set(officer.roles))
        if beyond or not roles:
            raise Unprocessable(errors={"roles": [f"Cán bộ không có vai trò: {', '.join(beyond)}." if beyond
                                                  else "Cần ít nhất một vai trò."]})
    if expires_at is not None and expires_at <= now:
        raise Unprocessable(errors={"expires_at": ["Thời hạn phải ở tương lai."]})
    if topics is not None and any(not topic_valid(t) for t in topics):
        raise Unprocessable("Chủ đề (topic) gồm 1–255 ký tự, không có dấu cách.", code="topic_invalid",
                            detail_en="A topic is 1 to 255 characters without spaces.",
                            errors={"topics": [t[:80] for t in topics if not topic_valid(t)]})
    prefix = tokens.new_secret(6)[:8].replace("_", "x").replace("-", "y")
    secret_part = tokens.new_secret()
    plain = f"{API_KEY_PREFIX}_{prefix}_{secret_part}"
    key = ApiKey(name=name, officer_id=officer.id, prefix=prefix, key_hash=tokens.digest(plain), created_at=now,
                 roles=" ".join(sorted(set(roles))) if roles is not None else None, expires_at=expires_at,
                 topics=" ".join(sorted(set(topics))) if topics is not None else None)
    key.officer = officer
    session.add(key)
    session.flush()
    return key, plain


def officer_for_api_key(*, session: Session, plain: str, now: datetime) -> Officer:
    """The key's officer, acting with the key's roles only; an expired or revoked key is refused."""
    parts = plain.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX:
        raise Unauthorized()
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1]))
    if (key is None or key.revoked_at is not None or not key.officer.is_active
            or not hmac.compare_digest(key.key_hash, tokens.digest(plain))):
        raise Unauthorized()
    if key.expires_at is not None and key.expires_at <= now:
        raise Unauthorized(code="token_expired")
    key.last_used_at = now
    officer = key.officer
    officer.role_limit = frozenset(key.role_list) if key.role_list is not None else None
    officer.topic_limit = frozenset(key.topic_list) if key.topic_list is not None else None
    return officer


def get_api_key(*, session: Session, key_id: int) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound()
    return key


def revoke_api_key(*, session: Session, key: ApiKey, now: datetime) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = now
    session.flush()
    return key


def list_api_keys(*, session: Session, within_agencies: set[int] | None = None) -> list[ApiKey]:
    """Keys by id; ``within_agencies`` keeps those whose officer's home agency is one of them."""
    stmt = select(ApiKey).options(joinedload(ApiKey.officer)).order_by(ApiKey.id)
    if within_agencies is not None:
        stmt = stmt.join(Officer, Officer.id == ApiKey.officer_id).where(Officer.agency_id.in_(within_agencies))
    return list(session.scalars(stmt))
