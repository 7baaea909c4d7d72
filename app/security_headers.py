"""Security headers on every response, and CORS closed unless configured.

Why not flask-talisman: its HTTPS redirect and one global CSP fit a browser app, while this service is an
API behind a TLS-terminating proxy whose only HTML pages are the API docs, printable forms and the console;
a short after_request with per-response CSP is the whole need.
"""
from __future__ import annotations

from flask import Flask, Response, current_app, request

API_CSP = "default-src 'none'; frame-ancestors 'none'"
#: Pages run scripts from files only (no inline ``<script>``, ``on…=`` attribute or ``javascript:`` URL;
#: tests/foundation/test_inline_scripts.py scans for them). Inline styles stay allowed: the printable forms
#: carry their ``<style>``, and bpmn-js and Swagger UI set ``style`` attributes as they draw.
PAGE_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    is_page = response.mimetype == "text/html"
    headers.setdefault("Content-Security-Policy", PAGE_CSP if is_page else API_CSP)
    if request.path.startswith("/api/") and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    _cors(response)
    return response


def _cors(response: Response) -> None:
    """Cross-origin access only for the origins listed in ``CORS_ORIGINS`` (comma-separated); none by default."""
    allowed = [o.strip() for o in (current_app.config.get("CORS_ORIGINS") or "").split(",") if o.strip()]
    origin = request.headers.get("Origin")
    if origin and origin in allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type, If-Match, X-API-Key, Accept-Language"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PATCH, PUT, DELETE, OPTIONS"
        response.headers["Access-Control-Expose-Headers"] = "ETag, X-Pagination, Location"


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
