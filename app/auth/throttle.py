"""Sliding-window limits counted in the database: failed logins (per account, per address), public lookups.

Why the database: gunicorn runs several workers, and a counter in one worker's memory lets an attacker
multiply the limit by the number of workers. Every counted attempt is a ``throttle_events`` row; a check
counts the rows of the window against the app clock (``now``), so tests move time with the clock.

Refused attempts are not counted (a throttled client cannot extend its own lock-out forever); old rows of
a key are deleted when the key is counted again, so the table stays the size of one window.

Limits (``count`` per ``seconds``) come from app config ``THROTTLE_<BUCKET>`` as ``(count, seconds)``.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.auth.models import ThrottleEvent
from app.errors import TooManyRequests

LOGIN_ACCOUNT = "login_account"
LOGIN_ADDRESS = "login_address"
PUBLIC_LOOKUP = "public_lookup"

DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    LOGIN_ACCOUNT: (10, 60),
    # one-stop centres put many clerks behind one address: looser than per account
    LOGIN_ADDRESS: (30, 60),
    PUBLIC_LOOKUP: (30, 60),
}


def limit_of(bucket: str) -> tuple[int, int]:
    configured = current_app.config.get(f"THROTTLE_{bucket.upper()}")
    count, seconds = configured or DEFAULT_LIMITS[bucket]
    return int(count), int(seconds)


def normalise_key(key: str | None) -> str:
    return (key or "-").strip().lower()[:128]


def retry_after(*, session: Session, bucket: str, key: str | None, now: datetime) -> int | None:
    """Seconds until the next attempt is allowed, or None when the window still has room."""
    count, seconds = limit_of(bucket)
    since = now - timedelta(seconds=seconds)
    where = (ThrottleEvent.bucket == bucket, ThrottleEvent.key == normalise_key(key), ThrottleEvent.at > since)
    used, oldest = session.execute(select(func.count(), func.min(ThrottleEvent.at)).where(*where)).one()
    if used < count:
        return None
    return max(1, math.ceil((oldest + timedelta(seconds=seconds) - now).total_seconds()))


def check(*, session: Session, buckets: dict[str, str | None], now: datetime) -> None:
    """Raise 429 (with ``Retry-After``) when any of ``buckets`` (bucket → key) is full."""
    waits = [wait for bucket, key in buckets.items()
             if (wait := retry_after(session=session, bucket=bucket, key=key, now=now)) is not None]
    if waits:
        wait = max(waits)
        raise TooManyRequests("Quá nhiều lần thử; hãy thử lại sau.", code="too_many_requests",
                              detail_en="Too many attempts; try again later.", retry_after=wait,
                              headers={"Retry-After": str(wait)})


def hit(*, session: Session, bucket: str, key: str | None, now: datetime) -> None:
    """Count one attempt (and forget this key's attempts older than the window)."""
    _count, seconds = limit_of(bucket)
    key = normalise_key(key)
    session.execute(delete(ThrottleEvent).where(ThrottleEvent.bucket == bucket, ThrottleEvent.key == key,
                                                ThrottleEvent.at <= now - timedelta(seconds=seconds)))
    session.add(ThrottleEvent(bucket=bucket, key=key, at=now))
    session.flush()
