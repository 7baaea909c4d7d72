"""Working durations: ``P1D`` is 8 working hours, as decisions count them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.calendar import DurationError, format_working_duration, parse_working_duration, working_days


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("P1D", 8),
        ("P0.5D", 4),
        ("P0,5D", 4),
        ("P0.25D", 2),
        ("PT112H", 112),
        ("P21D", 168),
        ("P1W", 40),
        ("PT4H30M", 4.5),
    ],
)
def test_parse(text, hours):
    assert parse_working_duration(text) == timedelta(hours=hours)


@pytest.mark.parametrize("text", ["P1Y", "P1M", "-P1D", "", "P", "PT", "1D", "P1000D"])
def test_refused(text):
    with pytest.raises(DurationError):
        parse_working_duration(text)


def test_format_and_days():
    assert format_working_duration(timedelta(hours=4, minutes=30)) == "PT4H30M"
    assert format_working_duration(timedelta(hours=168)) == "PT168H"
    assert working_days(timedelta(hours=168)) == 21
