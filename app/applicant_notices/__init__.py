"""Notices to the applicant (thông báo cho người nộp hồ sơ): e-mail, SMS and Zalo, each exactly once per event.

Why a package of its own: the officers' notices (``app.notifications``) go to accounts inside the service;
these go out to people, through providers that fail, with the applicant's consent and their right to stop
them. ``events`` names what is told and with which placeholders, ``templating`` checks and fills a template,
``channels`` are the provider adapters (configuration, not code), ``service`` records a notice in the
dossier's transaction (the outbox row and its due work) and ``jobs`` delivers it.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the delivery handler and the configured channels; called by :func:`app.create_app`."""
    from app.applicant_notices import announcer, channels, jobs

    configured = channels.from_config(app.config.get("APPLICANT_CHANNELS"))
    app.extensions["motcua.applicant_channels"] = configured
    app.extensions["motcua.announcer"] = announcer.build(app.config, configured)
    del jobs  # its register_handler call is the point of importing it
