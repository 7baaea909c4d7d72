"""Default-deny request guard: every API endpoint needs a token unless its view is marked public.

Why default-deny: a new endpoint without a rule must be closed, not open. Role checks are declared on the
view with :func:`require_roles`; the full permission matrix builds on this.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, current_app, g, request

from app.auth import service
from app.clock import utcnow
from app.errors import Forbidden, Unauthorized
from app.extensions import db
from app.org.models import Officer

F = TypeVar("F", bound=Callable[..., Any])

#: Endpoints outside the API blueprints that are open (docs and the spec).
OPEN_ENDPOINTS = {"static", "api-docs.openapi_json", "api-docs.openapi_swagger_ui", "swagger_ui_static"}


def public(view: F) -> F:
    """Mark a view (function or MethodView class) as open to anonymous clients."""
    view.public = True  # type: ignore[attr-defined]
    return view


def require_roles(*roles: str) -> Callable[[F], F]:
    """Allow the decorated view method only to officers holding one of ``roles``."""

    def decorator(func: F) -> F:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            officer = current_officer()
            if not officer.has_role(*roles):
                raise Forbidden()
            return func(*args, **kwargs)

        wrapper.required_roles = roles  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def current_officer() -> Officer:
    officer = g.get("officer")
    if officer is None:
        raise Unauthorized()
    return officer


def _is_public(endpoint: str | None) -> bool:
    if endpoint is None or endpoint in OPEN_ENDPOINTS:
        return True
    view = current_app.view_functions.get(endpoint)
    if view is None:
        return True  # 404/405 are answered by the router, not hidden behind 401
    view_class = getattr(view, "view_class", None)
    return bool(getattr(view, "public", False) or getattr(view_class, "public", False))


def authenticate() -> None:
    """``before_request``: resolve the caller from a bearer token or an API key."""
    g.officer = None
    g.session_id = None
    if request.method == "OPTIONS" or _is_public(request.endpoint):
        _try_optional_auth()
        return
    _authenticate_strict()


def _credentials() -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return "bearer", header[7:].strip()
    if header[:7].lower() == "apikey ":
        return "apikey", header[7:].strip()
    if request.headers.get("X-API-Key"):
        return "apikey", request.headers["X-API-Key"].strip()
    return None


def _authenticate_strict() -> None:
    credentials = _credentials()
    if credentials is None:
        raise Unauthorized(headers={"WWW-Authenticate": 'Bearer realm="motcua-flow"'})
    kind, value = credentials
    now = utcnow()
    if kind == "bearer":
        officer, session_id = service.officer_for_access_token(
            session=db.session, token=value, secret=current_app.config["SECRET_KEY"], now=now)
        g.session_id = session_id
    else:
        officer = service.officer_for_api_key(session=db.session, plain=value, now=now)
    g.officer = officer


def _try_optional_auth() -> None:
    """On public endpoints a valid token is used when given; a bad one is ignored rather than refused."""
    if _credentials() is None:
        return
    try:
        _authenticate_strict()
    except Unauthorized:
        g.officer = None


def access_ttl() -> timedelta:
    return timedelta(seconds=current_app.config["ACCESS_TOKEN_TTL"])


def refresh_ttl() -> timedelta:
    return timedelta(seconds=current_app.config["REFRESH_TOKEN_TTL"])


def init_app(app: Flask) -> None:
    app.before_request(authenticate)
