"""The one place where the wall clock is read.

Services take ``now`` as an argument; routes and jobs get it from :func:`utcnow` (one moment per request).
Tests install a :class:`FrozenClock` and ``advance`` it instead of sleeping.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol

from flask import current_app, has_request_context, request


class Clock(Protocol):
    """Something that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FrozenClock:
    """A clock that moves only when told to (tests, replays)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start.astimezone(timezone.utc)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = moment.astimezone(timezone.utc)
        return self._now


def current_clock() -> Clock:
    """The clock installed on the running app (``app.extensions['clock']``)."""
    return current_app.extensions["clock"]


def utcnow() -> datetime:
    """Shortcut for routes and jobs: the app clock's current time — within a request, the request's moment.

    The first read in a request is kept for the rest of it, so what the service did (a step completed "now")
    and what the response shows of it (the deadline's time left, computed while dumping) use one ``now``.
    Outside a request (scheduler ticks, CLI) every call reads the clock.
    """
    if has_request_context():
        # kept on the request itself (not ``g``: an app context may outlive one request, in tests)
        return request.environ.setdefault("motcua.now", current_clock().now())
    return current_clock().now()
