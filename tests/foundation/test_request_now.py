"""One ``now`` per request: a response shows what its service did at the moment the service used."""
from __future__ import annotations

from datetime import timedelta

from app.clock import utcnow


def test_one_moment_per_request_and_a_fresh_one_outside(app, clock):
    """What a service did "now" and what the response shows of it use the same moment (issue #16)."""
    with app.test_request_context("/api/v1/health"):
        first = utcnow()
        clock.advance(timedelta(minutes=5))
        assert utcnow() == first
    with app.test_request_context("/api/v1/health"):
        assert utcnow() == first + timedelta(minutes=5)
    with app.app_context():
        clock.advance(timedelta(minutes=1))
        assert utcnow() == first + timedelta(minutes=6)
