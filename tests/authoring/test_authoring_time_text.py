"""The time a decision writes for a step, read as working time (1 day = 8 h), or refused with a reason."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.authoring.time_text import TimeTextError, format_time_limit, parse_time_text

H = timedelta(hours=1)


@pytest.mark.parametrize(("text", "unit", "expected"), [
    ("0,5 ngày", None, 4 * H),
    ("0.5 ngày", None, 4 * H),
    ("1/2 ngày", None, 4 * H),
    ("01 ngày", None, 8 * H),
    ("4 giờ", None, 4 * H),
    ("112 giờ", None, 112 * H),
    ("04 giờ làm việc", None, 4 * H),
    ("08 giờ hành chính", None, 8 * H),
    ("trong 04 giờ hành chính", None, 4 * H),
    ("Không quá 01 ngày làm việc", None, 8 * H),
    ("1,5 ngày làm việc", None, 12 * H),
    ("0,25 ngày", None, 2 * H),
    ("1/4 ngày", None, 2 * H),
    ("3 NGAY", None, 24 * H),
    ("4 gio", None, 4 * H),
    ("4h", None, 4 * H),
    ("168 giờ (tương đương 21 ngày) kể từ ngày nhận đủ hồ sơ theo quy định", None, 168 * H),
    ("4", "hour", 4 * H),
    ("0,5", "day", 4 * H),
    (4, "hour", 4 * H),
    (112, "hour", 112 * H),
    (0.5, "day", 4 * H),
    (0.25, "day", 2 * H),
    (10.5, "day", 84 * H),
    ("2 giờ", "day", 2 * H),  # a unit written in the text wins over the table's
    (None, "day", None),
    ("Không tính thời gian", None, None),
    ("không tính thời gian", "day", None),
    ("KHONG TINH THOI GIAN", None, None),
    ("không quy định", None, None),
])
def test_reads_the_forms_decisions_use(text, unit, expected):
    assert parse_time_text(text, unit=unit) == expected


@pytest.mark.parametrize(("text", "unit", "reason"), [
    ("abc", None, "not an amount"),
    ("-1 ngày", None, "negative"),
    ("1/0 ngày", None, "zero denominator"),
    ("", None, "empty"),
    ("   ", "day", "empty"),
    ("4", None, "without a unit"),
    (4, None, "without a unit"),
    (-1, "day", "negative"),
    ("0 ngày", None, "zero time"),
    ("5 tuần", None, "unknown unit"),
    ("1/7 ngày", None, "whole number of working minutes"),
    ("giờ hành chính", None, "not an amount"),
    ("1 ngày (tương đương 4 giờ)", None, "disagree"),
    ("100000 ngày", None, "longer than"),
    (True, "day", "yes/no"),
    (float("nan"), "day", "finite"),
])
def test_refuses_what_it_cannot_read(text, unit, reason):
    with pytest.raises(TimeTextError, match=reason):
        parse_time_text(text, unit=unit)


def test_rejects_an_unknown_table_unit():
    with pytest.raises(ValueError):
        parse_time_text("4", unit="week")  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "unit", "text"), [
    (4 * H, "day", "P0.5D"),
    (2 * H, "day", "P0.25D"),
    (84 * H, "day", "P10.5D"),
    (24 * H, "day", "P3D"),
    (4 * H, "hour", "PT4H"),
    (168 * H, "hour", "PT168H"),
    (timedelta(minutes=160), "day", "PT2H40M"),  # 1/3 day is not exact in days
])
def test_formats_time_limits_in_the_tables_unit(value, unit, text):
    assert format_time_limit(value, unit) == text
