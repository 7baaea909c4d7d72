"""Text in exported spreadsheets never becomes a formula (OWASP "CSV injection"); one rule for every export.

A spreadsheet opening a CSV evaluates a cell whose text starts with ``= + - @``, and Excel and LibreOffice skip
leading spaces, tabs and line breaks before looking, so `` =HYPERLINK(…)`` or ``"\\n=1+1"`` is as live as
``=1+1``; an East Asian input method types the full-width ``＝ ＋ － ＠``, which some locales read as the ASCII
ones; and OWASP lists a leading tab or carriage return as a trigger of its own. Such text is *formula-like*:
in CSV it gets a leading apostrophe (spreadsheets hide it and keep the cell as text); in XLSX it is written
typed as text, which is never evaluated, and flagged ``quotePrefix`` so that editing the cell keeps it text.
"""
from __future__ import annotations

import unicodedata

#: What a formula starts with, ASCII and the full-width and small-form look-alikes.
FORMULA_STARTS = frozenset("=+-@" "＝＋－＠" "﹦﹢﹣﹫")
#: Leading characters that are triggers by themselves (OWASP's list), whatever follows.
TRIGGERS = ("\t", "\r")
#: Unicode categories skipped before the first visible character: controls, format characters (zero-width
#: spaces, BOM, direction marks) and separators (space, no-break and full-width spaces, line/paragraph).
_SKIPPED_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula: its first visible character starts one."""
    if text.startswith(TRIGGERS):
        return True
    for char in text:
        if char.isspace() or unicodedata.category(char) in _SKIPPED_CATEGORIES:
            continue
        return char in FORMULA_STARTS
    return False


def csv_text(text: str) -> str:
    """``text`` for a CSV cell: an apostrophe in front when it is formula-like, unchanged otherwise."""
    return "'" + text if looks_like_formula(text) else text
