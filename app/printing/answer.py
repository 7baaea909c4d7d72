"""A printed form over HTTP: ``?format=html`` its page, ``?format=pdf`` its PDF — stored as a document of the
dossier on the first print (``app.flows.issue_form``, handed in by :func:`app.printing.init_app`), so every
later print is those same bytes (ETag = sha-256).

Why stored: a form handed to the applicant (01–05) is a paper of the dossier's record; what was printed must
stay what it was. Forms that are records kept up to date (06, the control sheet; 07, the tracking book) are
rendered fresh each time instead (:func:`pdf_answer`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Response, current_app, render_template

from app import errors
from app.api import printable
from app.clock import utcnow
from app.documents import delivery
from app.dossiers.models import Dossier
from app.extensions import db
from app.identity import current_officer
from app.printing.paper import FORM_TITLES
from app.printing.pdf import PdfUnavailable, html_to_pdf


def render_pdf(template: str, *, landscape: bool = False, **context) -> bytes:
    """The form's page as A4 PDF bytes (503 ``pdf_unavailable`` where WeasyPrint cannot run)."""
    html = render_template(template, **context)
    try:
        return html_to_pdf(html, landscape=landscape)
    except PdfUnavailable:
        raise errors.ServiceUnavailable("Máy chủ chưa cài thư viện tạo PDF (WeasyPrint, Pango); hãy in bản HTML.",
                                        code="pdf_unavailable",
                                        detail_en="This server cannot make PDFs (WeasyPrint/Pango missing); "
                                                  "print the HTML page.") from None


def pdf_answer(pdf: bytes, filename: str) -> Response:
    """A PDF made for this request (a record that changes, as form 06 or 07): not stored."""
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": delivery.disposition(filename, "inline"), "Cache-Control": "private, no-store"})


@dataclass(frozen=True)
class Paper:
    """Which form of which dossier: ``ref`` tells two papers of one form apart (form 02's request id)."""

    form: str
    template: str
    number: str
    ref: int | None = None

    @property
    def form_ref(self) -> str:
        return self.form if self.ref is None else f"{self.form}:{self.ref}"


def answer(fmt: str, paper: Paper, dossier: Dossier, **context: Any) -> Response | None:
    """The page or the stored PDF; None for ``json`` (the view answers with the data)."""
    if fmt == "html":
        return printable(paper.template, **context)
    if fmt != "pdf":
        return None
    storage = current_app.extensions["motcua.storage"]
    safe_number = paper.number.replace("/", "-")
    issue_form = current_app.extensions["motcua.issue_form"]  # app.flows.issue_form, given by create_app
    document = issue_form(
        session=db.session, storage=storage, staging_dir=Path(current_app.config["DOCUMENT_STAGING_DIR"]),
        dossier_id=dossier.id, form_ref=paper.form_ref, component=f"mau-so-{paper.form}",
        filename=f"Mau-so-{paper.form}_{dossier.code}" + (f"_{safe_number}" if paper.ref else "") + ".pdf",
        note=f"Mẫu số {paper.form} – {FORM_TITLES[paper.form]}, số {paper.number}",
        render_pdf=lambda: render_pdf(paper.template, **context), officer=current_officer(), now=utcnow())
    return delivery.content_response(document, storage)
