"""Notifications: an outbox of notices (in-app inbox, optional webhook), each created exactly once by its key."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the notifications' scheduled handlers (delivery, digests); called by :func:`app.create_app`."""
    from app.notifications import jobs  # its @handler decorators register the due work

    del jobs
