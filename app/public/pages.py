"""``/tra-cuu/{code}``: the applicant's lookup page, reached from form 01's QR code or a notice's link.

No token, no JavaScript, mobile-first, Vietnamese with an English toggle (``?lang=en``). Without a secret it
asks for the lookup code handed over at reception; with it (or a notice link's ``t``), it shows what the API
lookup shows — state, the unit handling it now (never officers' names), the appointment and any new date with
its reason, what to supplement, the results to download — and lets the applicant rate the service once the
result is returned and stop the notices. Throttled exactly as the API lookup; a wrong code and an unknown
dossier read the same. Forms post back here and redirect (a reload never rates twice).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, current_app, redirect, render_template, request

from app import flows
from app.clock import utcnow
from app.dossiers.codes import link_token
from app.dossiers.models import Dossier
from app.errors import Conflict, NotFound, TooManyRequests
from app.extensions import db
from app.public import service
from app.public.routes import throttled
from app.public.texts import LANGUAGES, texts
from app.satisfaction.criteria import CRITERIA, MAX_COMMENT, SCORES

#: A page for people, outside the JSON API (and its OpenAPI document): errors are pages too.
blp = Blueprint("public_pages", __name__, template_folder="templates")

MAX_SECRET = 256


def _lang() -> str:
    lang = request.values.get("lang", "vi")
    return lang if lang in LANGUAGES else "vi"


def _page(status: int = 200, *, code: str, **context: Any) -> Response:
    lang = _lang()
    html = render_template("public/lookup.html", t=texts(lang), lang=lang, code=code[:64], criteria=CRITERIA,
                           scores=SCORES, max_comment=MAX_COMMENT, **context)
    return Response(html, status=status, mimetype="text/html", content_type="text/html; charset=utf-8")


def _access() -> dict[str, str]:
    return {"secret": (request.values.get("secret") or "").strip(), "t": (request.values.get("t") or "").strip()}


def _open(code: str) -> tuple[Dossier | None, Response | None]:
    """The dossier the request's secret or token opens, or the page that says why not."""
    access, t = _access(), texts(_lang())
    if len(access["secret"]) > MAX_SECRET or len(access["t"]) > 128:
        return None, _page(400, code=code, error=t["bad_secret"])
    try:
        throttled(code)
        return service.found(db.session, code, secret=access["secret"] or None, token=access["t"] or None,
                             secret_key=current_app.config["SECRET_KEY"]), None
    except NotFound:
        return None, _page(404, code=code, error=t["not_found"])
    except TooManyRequests:
        return None, _page(429, code=code, error=t["too_many"])


def _back(dossier: Dossier, **flags: str) -> Response:
    """Back to the dossier's page (303 after a post), opened by its link token rather than the typed secret."""
    query = {"t": link_token(dossier.code, current_app.config["SECRET_KEY"]), "lang": _lang(), **flags}
    return redirect(f"/tra-cuu/{quote(dossier.code)}?{urlencode(query)}", code=303)


def _shown(dossier: Dossier, status: int = 200, **context: Any) -> Response:
    found = service.lookup(session=db.session, dossier=dossier)
    token = link_token(dossier.code, current_app.config["SECRET_KEY"])
    return _page(status, code=dossier.code, d=found, token=token, done=request.args.get("done"), **context)


@blp.get("/tra-cuu/<code>")
def lookup_page(code: str) -> Response:
    """The lookup page of a dossier: a form for its lookup code, then its progress."""
    if not _access()["secret"] and not _access()["t"]:
        return _page(code=code)
    dossier, refused = _open(code)
    return refused or _shown(dossier)


@blp.post("/tra-cuu/<code>/danh-gia")
def rating_page(code: str) -> Response:
    """The rating form's post: every criterion 1–5 and a comment; once, after the result is returned."""
    dossier, refused = _open(code)
    if refused:
        return refused
    t = texts(_lang())
    scores, missing = {}, []
    for key in CRITERIA:
        value = request.form.get(key, "")
        if value not in {"1", "2", "3", "4", "5"}:
            missing.append(key)
        else:
            scores[key] = int(value)
    comment = request.form.get("comment") or ""
    if missing or len(comment) > MAX_COMMENT:
        return _shown(dossier, 422, rating_error=t["rating_incomplete"] if missing else t["comment_too_long"],
                      missing=missing, given=scores, comment=comment)
    try:
        flows.rate(session=db.session, dossier_id=dossier.id, scores=scores, comment=comment,
                     via="link" if _access()["t"] else "lookup", now=utcnow())
    except Conflict as exc:
        return _shown(dossier, 409, rating_error=t["already_rated"] if exc.code == "already_rated"
                      else t["rating_not_open"])
    return _back(dossier, done="rated")


@blp.route("/tra-cuu/<code>/thong-bao", methods=["GET", "POST"])
def notices_page(code: str) -> Response:
    """Stop the notices: GET asks (a link in a notice must not act by itself), POST stops them.

    The e-mail's ``List-Unsubscribe`` points here; a mail client's one-click POST (RFC 8058) stops them too.
    """
    dossier, refused = _open(code)
    if refused:
        return refused
    if request.method == "GET":
        return _shown(dossier, confirm_stop=True)
    flows.stop_notices(session=db.session, dossier_id=dossier.id, now=utcnow())
    return _back(dossier, done="stopped")
