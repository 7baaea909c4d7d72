"""Who is calling: the officer the guard authenticated for this request.

A module of its own, below every capability, so any package's routes can ask without importing ``auth``
(whose guard depends on the organisation): the guard sets ``g.officer``, routes read it here.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import g

from app.errors import Unauthorized

if TYPE_CHECKING:
    from app.org.models import Officer


def current_officer() -> Officer:
    """The authenticated officer; :class:`Unauthorized` when the request has none."""
    officer = g.get("officer")
    if officer is None:
        raise Unauthorized()
    return officer
