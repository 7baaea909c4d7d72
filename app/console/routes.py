"""``/`` (the console shell) and ``/console/static/…`` (its scripts, styles and the vendored bpmn-js).

Pages are PUBLIC rows of the permission table: they hold no data; the data comes from the API with the bearer token kept in
the browser's sessionStorage. The views are plain URL rules, so they stay out of the OpenAPI document.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, render_template, send_from_directory

STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
#: Files `make console` copies; the editor and the diagram views need all of them.
VENDOR_FILES = ("bpmn-js/bpmn-modeler.production.min.js", "bpmn-js/bpmn-navigated-viewer.production.min.js",
                "bpmn-js/assets/bpmn-js.css", "camunda-bpmn-moddle/camunda.json")

#: A plain Flask blueprint (registered with ``app.register_blueprint``): pages, not API operations.
blp = Blueprint("console", __name__, template_folder="templates")


def bpmn_js_installed() -> bool:
    return all((VENDOR_DIR / name).is_file() for name in VENDOR_FILES)


def index() -> Response:
    """The single-page shell; the hash (``#/inbox``, ``#/editor/…``) chooses the view."""
    html = render_template("console/index.html", bpmn_js_installed=bpmn_js_installed())
    return Response(html, mimetype="text/html", headers={"Cache-Control": "no-cache"})


def static_file(filename: str) -> Response:
    """Console assets; vendored files are versioned by the lock file, so a short cache is enough."""
    if filename.startswith("vendor/") and not bpmn_js_installed():
        abort(404)
    response = send_from_directory(STATIC_DIR, filename, max_age=300)
    return response


blp.add_url_rule("/", "index", index, methods=["GET"])
blp.add_url_rule("/console/static/<path:filename>", "static_file", static_file, methods=["GET"])
