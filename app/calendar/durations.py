"""Working-time durations written as ISO 8601 (``P0.5D``, ``PT112H``, ``PT4H30M``).

Why not ``isodate``: a *working* day is 8 working hours (domain.md, "Counting time"), so ``P1D`` here
is not 24 h. Years and months have no meaning in working time and are refused; weeks are 5 working
days. Decimal commas are accepted as decisions write them (``P0,5D``).
"""
from __future__ import annotations

import re
from datetime import timedelta

HOURS_PER_WORKING_DAY = 8
WORKING_DAYS_PER_WEEK = 5
#: Longest time limit accepted for one step or procedure: two working years.
MAX_WORKING_DURATION = timedelta(hours=HOURS_PER_WORKING_DAY * 500)

_NUM = r"(\d+(?:[.,]\d+)?)"
_PATTERN = re.compile(
    rf"^P(?:{_NUM}W)?(?:{_NUM}D)?(?:T(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?$"
)
#: What the API documents for a duration parameter (case-insensitive, optionally quoted, as parsed below).
DURATION_PATTERN = r"^\s*[\"']?\s*[Pp](\d+([.,]\d+)?[WwDd])*([Tt](\d+([.,]\d+)?[HhMmSs])*)?\s*[\"']?\s*$"


class DurationError(ValueError):
    """The text is not a valid working-time duration."""


def parse_working_duration(text: str) -> timedelta:
    """Parse an ISO 8601 duration in working time; ``D`` = 8 h, ``W`` = 5 D.

    Raises :class:`DurationError` for anything else (years/months, negatives, empty, absurd sizes).
    """
    if not isinstance(text, str):
        raise DurationError("duration must be text")
    raw = text.strip().strip('"').strip("'").strip().upper()
    if len(raw) > 40:
        raise DurationError("duration text too long")
    match = _PATTERN.match(raw)
    if not match or raw in ("P", "PT") or raw.endswith("T"):
        raise DurationError(f"not an ISO 8601 working-time duration: {text!r}")
    weeks, days, hours, minutes, seconds = (
        float(g.replace(",", ".")) if g else 0.0 for g in match.groups()
    )
    total_hours = (weeks * WORKING_DAYS_PER_WEEK + days) * HOURS_PER_WORKING_DAY + hours
    # Judged on the numbers before a timedelta is built: ``PT99999999999999999999H`` would overflow it.
    if total_hours * 3600 + minutes * 60 + seconds > MAX_WORKING_DURATION.total_seconds():
        raise DurationError(f"duration longer than {MAX_WORKING_DURATION}: {text!r}")
    return timedelta(hours=total_hours, minutes=minutes, seconds=seconds)


def format_working_duration(value: timedelta) -> str:
    """Render a working duration back as ISO 8601 hours (``PT4H``, ``PT2H30M``)."""
    total_minutes = round(value.total_seconds() / 60)
    hours, minutes = divmod(total_minutes, 60)
    if minutes:
        return f"PT{hours}H{minutes}M"
    return f"PT{hours}H"


def working_days(value: timedelta) -> float:
    """Express a working duration in working days (8 h each), e.g. for catalog totals."""
    return value.total_seconds() / 3600 / HOURS_PER_WORKING_DAY
