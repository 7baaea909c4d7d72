"""QR codes for papers: form 01 carries the public lookup of its dossier (segno, inline SVG, no image file)."""
from __future__ import annotations

from markupsafe import Markup


def qr_svg(text: str, *, scale: int = 3) -> Markup:
    """An SVG element encoding ``text`` (error correction M, a quiet zone of 2 modules), safe to inline."""
    import segno

    code = segno.make_qr(text, error="m")
    return Markup(code.svg_inline(scale=scale, border=2, dark="#000", light="#fff", omitsize=True))


def lookup_url(code: str, base: str) -> str:
    """The public lookup page of a dossier (``/tra-cuu/<code>``; the applicant types the secret there)."""
    from urllib.parse import quote

    return f"{base.rstrip('/')}/tra-cuu/{quote(code, safe='')}"
