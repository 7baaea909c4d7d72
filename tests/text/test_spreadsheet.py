"""The one rule every export uses to keep text from becoming a spreadsheet formula."""
from __future__ import annotations

import pytest

from app.text.spreadsheet import csv_text, looks_like_formula

FORMULA_LIKE = [
    "=1+1", "+1", "-1", "@SUM(A1:A2)", "=HYPERLINK(\"http://x\")",
    " =1+1", "   +cmd|' /C calc'!A0", "\t=1+1", "\t-2", "\r=1", "\n=1+1", "\r\n@SUM(A1)", " \t\n =1",
    "\tplain text after a tab", "\rplain text after a carriage return",  # OWASP: the tab / CR themselves
    "\u00a0=1",  # no-break space
    "\u3000=1",  # ideographic (full-width) space
    "\u2028=1", "\u2029+1",  # line and paragraph separators
    "\u200b=1", "\ufeff=1", "\u200e-1", "\u202e@x",  # zero-width space, BOM, direction marks
    "\x00=1", "\x0b=1", "\x0c+1", "\x1f-1", "\x85=1",  # control characters
    "＝1+1", "＋1", "－1", "＠SUM(A1)", " ＝1", "\n＠x",  # full-width
    "﹦1", "﹢1", "﹣1", "﹫x",  # small forms
]
PLAIN = [
    "", " ", "\n", "Thủ tục thành lập", "a=1", "1-2", "user@example.com", "Bước 1 - tiếp nhận", "15/QĐ-UBND",
    " Bộ phận một cửa", "\nNội dung", "— chưa gán —", "'=1", "−1",  # U+2212 minus sign: not a formula in Excel
    "%1", "(1)", "2.001717",
]


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_formula_like_text_gets_an_apostrophe(text):
    assert looks_like_formula(text)
    assert csv_text(text) == "'" + text


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_is_left_alone(text):
    assert not looks_like_formula(text)
    assert csv_text(text) == text
