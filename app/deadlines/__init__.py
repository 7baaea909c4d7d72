"""Deadlines of steps and dossiers: due work at activation, pauses, the extension with apology, results."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register deadlines' scheduled handlers and show deadlines on dossiers' and steps' responses.

    Called by :func:`app.create_app`: explicit, not a side effect of importing the routes.
    """
    from app.deadlines import scheduled, schemas  # scheduled: its @handler decorators register the due work
    from app.dossiers import schemas as dossier_schemas

    del scheduled
    dossier_schemas.DEADLINE_VIEWS.update(step=schemas.step_deadline, dossier=schemas.dossier_deadline)
