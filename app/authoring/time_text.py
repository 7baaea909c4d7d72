"""Read the time a decision writes for a step ("0,5 ngày", "1/2 ngày", "04 giờ làm việc") as working time.

Rules of this module:
- 1 working day = 8 working hours (``app.calendar.durations``); results are ``timedelta`` of working time.
- ``None`` means "không tính thời gian" (the step is not counted); phrases saying so return ``None`` too.
- Anything that cannot be read with certainty raises :class:`TimeTextError` with the reason: a wrong
  time limit on a published procedure is worse than a refused draft, so nothing is guessed.
- Accents and case do not matter ("ngay", "GIỜ").
"""
from __future__ import annotations

import math
import re
import unicodedata
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Literal

from app.calendar.durations import (
    HOURS_PER_WORKING_DAY,
    MAX_WORKING_DURATION,
    format_working_duration,
    parse_working_duration,
)

TimeUnit = Literal["day", "hour"]

__all__ = ["TimeTextError", "TimeUnit", "fold_text", "format_time_limit", "parse_time_text"]


class TimeTextError(ValueError):
    """The time written for a step or a total cannot be read; ``reason`` says why (in English)."""

    def __init__(self, text: object, reason: str) -> None:
        super().__init__(f"cannot read time {text!r}: {reason}")
        self.text = text
        self.reason = reason


#: Phrases (accent-folded) that mean the step has no time limit.
_NOT_COUNTED = frozenset({
    "khong tinh thoi gian", "khong tinh", "khong quy dinh", "khong quy dinh thoi gian",
})
_UNIT_WORDS: dict[str, TimeUnit] = {
    "ngay": "day", "ngay lam viec": "day", "ngay hanh chinh": "day",
    "gio": "hour", "gio lam viec": "hour", "gio hanh chinh": "hour", "h": "hour",
    "tieng": "hour", "tieng lam viec": "hour",
}
_AMOUNT = re.compile(
    r"^(?:trong(?: vong)? |khong qua |toi da )?"
    r"(?P<num>\d+(?:[.,]\d+)?|\d+ ?/ ?\d+) ?"
    r"(?P<unit>[a-z ]*?)$"
)
_EQUIVALENT = re.compile(r"^(?P<main>.*?) ?\((?:tuong duong|tuc la|=)? ?(?P<alt>[^()]*)\)$")
_FROM_CLAUSE = re.compile(r" ke tu .*$")


def fold_text(text: str) -> str:
    """Lower-case, strip Vietnamese accents (``đ`` -> ``d``) and collapse spaces, for matching only."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(bare.lower().split())


def _to_decimal(number: str, original: object) -> Decimal:
    if "/" in number:
        top, bottom = (part.strip() for part in number.split("/"))
        if int(bottom) == 0:
            raise TimeTextError(original, "fraction with a zero denominator")
        return Decimal(int(top)) / Decimal(int(bottom))
    try:
        return Decimal(number.replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover - the regex only lets digits through
        raise TimeTextError(original, "not a number") from exc


def _amount_to_timedelta(amount: Decimal, unit: TimeUnit, original: object) -> timedelta:
    if amount < 0:
        raise TimeTextError(original, "negative time")
    if amount == 0:
        raise TimeTextError(original, "zero time; write 'không tính thời gian' for a step that is not counted")
    minutes = amount * 60 * (HOURS_PER_WORKING_DAY if unit == "day" else 1)
    if minutes != minutes.to_integral_value():
        raise TimeTextError(original, "not a whole number of working minutes")
    result = timedelta(minutes=int(minutes))
    if result > MAX_WORKING_DURATION:
        raise TimeTextError(original, f"longer than the maximum {MAX_WORKING_DURATION}")
    return result


def _parse_folded(folded: str, unit: TimeUnit | None, original: object) -> timedelta | None:
    folded = folded.rstrip(" .;")
    if not folded:
        raise TimeTextError(original, "empty")
    if folded in _NOT_COUNTED:
        return None
    folded = _FROM_CLAUSE.sub("", folded)  # "... kể từ ngày nhận đủ hồ sơ" states when counting starts
    equivalent = _EQUIVALENT.match(folded)
    if equivalent:
        main = _parse_folded(equivalent["main"], unit, original)
        alt = _parse_folded(equivalent["alt"], unit, original)
        if main != alt:
            raise TimeTextError(original, "the amount and its stated equivalent disagree")
        return main
    if folded.startswith("-"):
        raise TimeTextError(original, "negative time")
    match = _AMOUNT.match(folded)
    if not match:
        raise TimeTextError(original, "not an amount of working days or hours")
    word = match["unit"].strip()
    if word:
        if word not in _UNIT_WORDS:
            raise TimeTextError(original, f"unknown unit {word!r}")
        unit = _UNIT_WORDS[word]
    elif unit is None:
        raise TimeTextError(original, "a number without a unit and the table gives none")
    return _amount_to_timedelta(_to_decimal(match["num"], original), unit, original)


def parse_time_text(text: str | float | None, *, unit: TimeUnit | None = None) -> timedelta | None:
    """Working time of a step as a decision writes it; ``None`` when the step is not counted.

    ``unit`` is the table's unit for plain numbers (``4`` in an hour table = 4 h); a unit written in the
    text wins. Raises :class:`TimeTextError` for anything else.
    """
    if unit not in (None, "day", "hour"):
        raise ValueError(f"unit must be 'day', 'hour' or None, not {unit!r}")
    if text is None:
        return None
    if isinstance(text, bool):
        raise TimeTextError(text, "a yes/no value is not a time")
    if isinstance(text, (int, float)):
        if isinstance(text, float) and not math.isfinite(text):
            raise TimeTextError(text, "not a finite number")
        if unit is None:
            raise TimeTextError(text, "a number without a unit and the table gives none")
        return _amount_to_timedelta(Decimal(str(text)), unit, text)
    if not isinstance(text, str):
        raise TimeTextError(text, "must be text or a number")
    if len(text) > 200:
        raise TimeTextError(text[:40] + "…", "text too long")
    return _parse_folded(fold_text(text), unit, text)


def format_time_limit(value: timedelta, unit: TimeUnit | None = None) -> str:
    """ISO 8601 working duration for a ``timeLimit``: days (``P0.5D``) for a day table, else hours (``PT4H``).

    Days are used only when they are exact with at most three decimals; the result always reads back to
    ``value`` through :func:`parse_working_duration`.
    """
    text = format_working_duration(value)
    if unit == "day":
        days = Decimal(int(value.total_seconds())) / (3600 * HOURS_PER_WORKING_DAY)
        if days == days.quantize(Decimal("0.001")):
            text = f"P{format(days.normalize(), 'f')}D"
    if parse_working_duration(text) != value:  # pragma: no cover - guards the formatting rules above
        raise ValueError(f"{value!r} does not round-trip as {text}")
    return text
