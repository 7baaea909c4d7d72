"""Text helpers for Vietnamese: accent folding for search."""
from __future__ import annotations

import unicodedata


def fold(text: str | None) -> str:
    """Lower-case and strip Vietnamese accents (``Thủ tục`` -> ``thu tuc``; ``đ`` -> ``d``) for search."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())
