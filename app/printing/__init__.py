"""Printed papers: the one-stop forms as A4 PDFs with the national heading, Vietnamese fonts embedded, and QR codes.

Why a package of its own: every form (01–07, in ``dossiers``, ``desk`` and ``reports``) is printed the same way —
the heading, the number, the place and date line, the signature block (``app/templates/_paper.html``) and one
HTML-to-PDF path (:mod:`app.printing.pdf`) — so a change of layout or font is made once.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask, current_app

from app.printing import paper


def _date_line(moment: datetime | None, place: str | None = None) -> str:
    return paper.date_line(moment, place, current_app.config.get("TIMEZONE", "Asia/Ho_Chi_Minh"))


def init_app(app: Flask, *, issue_form: Callable[..., Any]) -> None:
    """The forms' templates get ``heading_of(agency)`` and the ``date_line`` filter; ``issue_form`` is how a
    first print is stored (``app.flows.issue_form``: only the top layer wires flows in)."""
    app.extensions["motcua.issue_form"] = issue_form
    app.add_template_filter(_date_line, "date_line")
    app.add_template_global(paper.heading_of, "heading_of")
    app.add_template_filter(paper.copy_kind_name, "copy_kind")
