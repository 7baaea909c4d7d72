"""Sliding-window limits counted in the database: logins (failed per account and address, successful per
account) and public lookups.

Why the database: gunicorn runs several workers, and a counter in one worker's memory lets an attacker
multiply the limit by the number of workers. Every counted attempt is a ``throttle_events`` row, counted
against the app clock (``now``), so tests move time with the clock.

Why *reserve, commit, then count* (:func:`reserve`): checking first and counting after the work let 100
parallel wrong passwords through 23 times against a limit of 10 (issue #25). Each attempt now commits its
row before it counts the window, so the n-th attempt to commit sees at least n rows and at most ``count``
attempts of a window pass, however many arrive at once and in however many processes. An attempt that the
limit refuses removes its row again (a throttled client cannot extend its own lock-out forever); one that
turns out not to belong in a bucket (a login that succeeded is not a failure) is released from it. Old rows
of a key are deleted when the key is counted again, so the table stays the size of one window.

Limits (``count`` per ``seconds``) come from app config ``THROTTLE_<BUCKET>`` as ``(count, seconds)``.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.auth.models import ThrottleEvent
from app.errors import TooManyRequests

LOGIN_ACCOUNT = "login_account"
LOGIN_ADDRESS = "login_address"
LOGIN_SUCCESS = "login_success"
PUBLIC_LOOKUP = "public_lookup"

DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    LOGIN_ACCOUNT: (10, 60),
    # one-stop centres put many clerks behind one address: looser than per account
    LOGIN_ADDRESS: (30, 60),
    # every successful login opens a session and costs a hash: bounded per account too
    LOGIN_SUCCESS: (20, 60),
    PUBLIC_LOOKUP: (30, 60),
}


def limit_of(bucket: str) -> tuple[int, int]:
    configured = current_app.config.get(f"THROTTLE_{bucket.upper()}")
    count, seconds = configured or DEFAULT_LIMITS[bucket]
    return int(count), int(seconds)


def normalise_key(key: str | None) -> str:
    return (key or "-").strip().lower()[:128]


def _wait(session: Session, bucket: str, key: str, now: datetime) -> int | None:
    """Seconds until the window of ``key`` has room again, or None when it is within the limit."""
    count, seconds = limit_of(bucket)
    where = (ThrottleEvent.bucket == bucket, ThrottleEvent.key == key,
             ThrottleEvent.at > now - timedelta(seconds=seconds))
    used, oldest = session.execute(select(func.count(), func.min(ThrottleEvent.at)).where(*where)).one()
    if used <= count:
        return None
    return max(1, math.ceil((oldest + timedelta(seconds=seconds) - now).total_seconds()))


def reserve(*, session: Session, buckets: dict[str, str | None], now: datetime) -> dict[str, int]:
    """Count this attempt in every bucket (bucket → key) *before* the work; 429 when one is over its limit.

    Commits the session (the rows must be visible to every other worker before counting: module doc), so
    call it before the request changes anything. Returns bucket → row id for :func:`release`.
    """
    rows: dict[str, ThrottleEvent] = {}
    for bucket, key in buckets.items():
        key = normalise_key(key)
        _count, seconds = limit_of(bucket)
        session.execute(delete(ThrottleEvent).where(ThrottleEvent.bucket == bucket, ThrottleEvent.key == key,
                                                    ThrottleEvent.at <= now - timedelta(seconds=seconds)))
        rows[bucket] = ThrottleEvent(bucket=bucket, key=key, at=now)
    session.add_all(rows.values())
    session.commit()
    ids = {bucket: row.id for bucket, row in rows.items()}
    waits = [wait for bucket, key in buckets.items()
             if (wait := _wait(session, bucket, normalise_key(key), now)) is not None]
    if waits:
        release(session=session, ids=ids.values())
        session.commit()
        wait = max(waits)
        raise TooManyRequests("Quá nhiều lần thử; hãy thử lại sau.", code="too_many_requests",
                              detail_en="Too many attempts; try again later.", retry_after=wait,
                              headers={"Retry-After": str(wait)})
    return ids


def release(*, session: Session, ids: Iterable[int]) -> None:
    """Un-count reserved attempts (in the caller's transaction)."""
    ids = list(ids)
    if ids:
        session.execute(delete(ThrottleEvent).where(ThrottleEvent.id.in_(ids)))
