"""HTML to PDF with WeasyPrint: A4, the forms' fonts embedded, nothing fetched from outside.

Why WeasyPrint: the forms are already printable HTML pages (``?format=html``); WeasyPrint lays the same page out
as PDF (CSS paged media: page size, margins, page numbers) without a browser, and embeds the subset of each font
it used, so the PDF reads the same on any machine. The fonts are Tinos (``fonts/``, metric-compatible with Times
New Roman, the typeface of administrative documents), covering Vietnamese.

Safety: the HTML is ours (Jinja with autoescape) but carries applicants' text; the URL fetcher serves the bundled
fonts and ``data:`` URIs only, so no text can make the renderer read a local file or call the network.
"""
from __future__ import annotations

import functools
from pathlib import Path

FONTS_DIR = Path(__file__).resolve().parent / "fonts"

#: Page and font rules every printed form gets (a form's own ``<style>`` may add to them).
PAGE_CSS = """
@font-face { font-family: "Tinos"; font-weight: 400; font-style: normal; src: url("Tinos-Regular.woff"); }
@font-face { font-family: "Tinos"; font-weight: 700; font-style: normal; src: url("Tinos-Bold.woff"); }
@font-face { font-family: "Tinos"; font-weight: 400; font-style: italic; src: url("Tinos-Italic.woff"); }
@page { size: A4; margin: 2cm 1.5cm 2cm 3cm;
        @bottom-center { content: counter(page) "/" counter(pages); font-family: "Tinos"; font-size: 10pt; } }
body { font-family: "Tinos", "Times New Roman", serif; margin: 0; }
"""
#: The tracking book (form 07) is laid out on landscape pages.
LANDSCAPE_CSS = "@page { size: A4 landscape; margin: 1cm; }"


class PdfUnavailable(RuntimeError):
    """WeasyPrint (or the Pango library it needs) is not installed on this machine."""


def fetchable(url: str) -> bool:
    """Only the bundled fonts and inline ``data:``: never another local path, never the network."""
    if url.startswith("data:"):
        return True
    prefix = FONTS_DIR.as_uri() + "/"
    rest = url[len(prefix):]
    return url.startswith(prefix) and rest != "" and "/" not in rest and ".." not in rest and "%" not in rest


@functools.cache
def _weasyprint():
    """WeasyPrint, and a fetcher that applies :func:`fetchable` (imported on first use: it loads Pango)."""
    try:
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as exc:  # OSError: the Pango shared library is missing
        raise PdfUnavailable(str(exc)) from exc

    class FontsOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if not fetchable(url):
                raise ValueError(f"not fetched: {url[:80]}")
            return super().fetch(url, headers)

    return weasyprint, FontConfiguration, FontsOnly


def html_to_pdf(html: str, *, landscape: bool = False) -> bytes:
    """The page as PDF bytes (PDF 1.7, the Tinos faces it uses subset and embedded)."""
    weasyprint, FontConfiguration, FontsOnly = _weasyprint()
    fetcher, fonts, base = FontsOnly(allowed_protocols=("file", "data")), FontConfiguration(), FONTS_DIR.as_uri() + "/"
    sheets = [weasyprint.CSS(string=PAGE_CSS, base_url=base, url_fetcher=fetcher, font_config=fonts)]
    if landscape:
        sheets.append(weasyprint.CSS(string=LANDSCAPE_CSS, font_config=fonts))
    document = weasyprint.HTML(string=html, base_url=base, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=sheets, font_config=fonts)
