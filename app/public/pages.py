"""``GET /tra-cuu/{code}``: the applicant's lookup page, reached from form 01's QR code (no token, no JavaScript).

Without ``secret`` it asks for the lookup code handed over at reception; with it, it shows what the API lookup
shows (state, the unit handling it now — never officers' names —, the appointment and the results), throttled
exactly as the API lookup is. A wrong code and an unknown dossier read the same.
"""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from app.errors import NotFound, TooManyRequests
from app.extensions import db
from app.public import service
from app.public.routes import throttled

#: A page for people, outside the JSON API (and its OpenAPI document): errors are pages too.
blp = Blueprint("public_pages", __name__, template_folder="templates")

STATUS_TEXT = {"received": "Đã tiếp nhận", "processing": "Đang giải quyết", "paused": "Tạm dừng, chờ bổ sung",
               "finished": "Đã có kết quả", "withdrawn": "Đã rút hồ sơ", "stopped": "Đã dừng xử lý",
               "incident": "Đang giải quyết", "refused": "Từ chối tiếp nhận"}
MAX_SECRET = 256


def _page(status: int = 200, **context) -> Response:
    html = render_template("public/lookup.html", status_text=STATUS_TEXT, **context)
    return Response(html, status=status, mimetype="text/html", content_type="text/html; charset=utf-8")


@blp.get("/tra-cuu/<code>")
def lookup_page(code: str) -> Response:
    """The lookup page of a dossier: a form for its lookup code, then its progress."""
    secret = (request.args.get("secret") or "").strip()
    if not secret:
        return _page(code=code[:64])
    if len(secret) > MAX_SECRET:
        return _page(400, code=code[:64], error="Mã tra cứu không hợp lệ.")
    try:
        throttled(code)
        found = service.lookup(session=db.session, code=code, secret=secret)
    except NotFound:
        return _page(404, code=code[:64], error="Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu này.")
    except TooManyRequests:
        return _page(429, code=code[:64], error="Bạn đã tra cứu quá nhiều lần; hãy thử lại sau ít phút.")
    return _page(code=code, d=found, secret=secret)
