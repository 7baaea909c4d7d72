"""Signed short-lived access tokens (JWT, HS256) and opaque secrets for refresh tokens and API keys."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

ALGORITHM = "HS256"
ISSUER = "motcua-flow"


class TokenInvalid(Exception):
    """Not a token of ours: bad signature, malformed, wrong issuer or type."""


class TokenExpired(TokenInvalid):
    """Ours, but past its expiry."""


@dataclass(frozen=True)
class AccessClaims:
    officer_id: int
    session_id: int
    token_version: int


def issue_access_token(*, secret: str, claims: AccessClaims, now: datetime, ttl: timedelta) -> str:
    payload = {
        "iss": ISSUER,
        "typ": "access",
        "sub": str(claims.officer_id),
        "sid": claims.session_id,
        "ver": claims.token_version,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


#: How far ahead of this process's clock another process's may be when it signs a token.
CLOCK_LEEWAY = timedelta(seconds=60)


def read_access_token(token: str, *, secret: str, now: datetime, max_ttl: timedelta) -> AccessClaims:
    """Verify signature, issuer, type and expiry against ``now`` (the app clock, not the OS clock).

    PyJWT's own time checks read the OS clock, so they are off and expiry is checked here. An expiry further
    ahead than the configured lifetime allows is refused: no token outlives ``ACCESS_TOKEN_TTL``, whoever
    signed it and whatever the setting was when it was signed.
    """
    try:
        payload = jwt.decode(token, secret, algorithms=[ALGORITHM], issuer=ISSUER,
                             options={"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                                      "require": ["exp", "sub", "sid", "ver"]})
    except jwt.PyJWTError as exc:
        raise TokenInvalid(str(exc)) from exc
    if payload.get("typ") != "access":
        raise TokenInvalid("not an access token")
    try:
        expires = int(payload["exp"])
    except (TypeError, ValueError) as exc:
        raise TokenInvalid("malformed expiry") from exc
    if expires <= int(now.timestamp()):
        raise TokenExpired("expired")
    if expires > int((now + max_ttl + CLOCK_LEEWAY).timestamp()):
        raise TokenInvalid("expiry beyond the configured lifetime")
    try:
        return AccessClaims(int(payload["sub"]), int(payload["sid"]), int(payload["ver"]))
    except (TypeError, ValueError) as exc:
        raise TokenInvalid("malformed claims") from exc


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def digest(secret: str) -> str:
    """SHA-256 of a high-entropy secret; enough for random tokens (passwords use argon2)."""
    return hashlib.sha256(secret.encode()).hexdigest()
