"""How deadlines are tuned: the due-soon share and the escalation delays, per agency where given.

Read from the app's configuration (``DUE_SOON_FRACTION``, ``ESCALATION_DELAYS``), checked when the app is
created (:func:`app.config.check_settings`).
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, has_app_context

from app.calendar import parse_working_duration

DEFAULT_DUE_SOON_FRACTION = 0.25
DEFAULT_ESCALATION_DELAYS = {"escalate_unit_leader": "PT4H", "escalate_agency_leader": "P1D"}


def _config(key: str, default: Any) -> Any:
    return current_app.config.get(key, default) if has_app_context() else default


def _per_agency(value: Any, agency_code: str | None, default: Any) -> Any:
    """A setting given once or as ``{agency_code: value, "default": value}``."""
    if isinstance(value, dict) and not set(value) <= set(DEFAULT_ESCALATION_DELAYS):
        return value.get(agency_code, value.get("default", default))
    return value


def due_soon_fraction(agency_code: str | None = None) -> float:
    return float(_per_agency(_config("DUE_SOON_FRACTION", DEFAULT_DUE_SOON_FRACTION), agency_code,
                             DEFAULT_DUE_SOON_FRACTION))


def escalation_delays(agency_code: str | None = None) -> dict[str, timedelta]:
    raw = _per_agency(_config("ESCALATION_DELAYS", DEFAULT_ESCALATION_DELAYS), agency_code,
                      DEFAULT_ESCALATION_DELAYS)
    return {kind: parse_working_duration(text) for kind, text in raw.items()}
