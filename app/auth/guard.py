"""Default-deny request guard: the permission table decides, before the view runs, who may call what.

Order for every request (``before_request``): look the endpoint and method up in
:data:`app.auth.permissions.PERMISSIONS` (no row → 403); PUBLIC rows use a token when one is valid;
any other row needs a valid token (401) and one of the row's roles (403); then
:func:`app.auth.scope.check_request` checks the objects the URL names (404 / 403).

Every refusal (401, 403 from the table or the scope, 429) is written to the audit trail with outcome
``denied``. A refusal response rolls the request's transaction back (``database.commit_or_rollback``),
so those rows are written *after* the response, in their own transaction (:func:`record_after_response`).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from flask import Flask, current_app, g, request
from sqlalchemy.orm import Session

from app.auth import permissions, scope, service
from app.clock import utcnow
from app.errors import DomainError, Forbidden, Unauthorized
from app.extensions import db
from app.org.models import Officer

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def authenticate() -> None:
    """``before_request``: apply the permission table, then the data scope, before any view runs."""
    g.officer = None
    g.session_id = None
    endpoint = request.endpoint
    if request.method == "OPTIONS" or endpoint is None or endpoint not in current_app.view_functions:
        return  # preflight; 404 and 405 are answered by the router, not hidden behind 401
    rule = permissions.rule_for(endpoint, request.method)
    if rule is None:
        _deny(Forbidden("Chưa có quy tắc phân quyền cho chức năng này.", code="no_permission_rule",
                        detail_en="No permission rule covers this endpoint; it is closed."), None)
    if rule == permissions.PUBLIC:
        _try_optional_auth()
        return
    try:
        _authenticate_strict()
    except Unauthorized as exc:
        _deny(exc, None)
    officer = g.officer
    if not permissions.allows(rule, officer.roles):
        _deny(Forbidden(), officer)
    try:
        scope.check_request(session=db.session, officer=officer, endpoint=endpoint, method=request.method,
                            view_args=request.view_args or {})
    except DomainError as exc:
        _deny(exc, officer)


def _deny(exc: DomainError, officer: Officer | None) -> None:
    """Record the refusal in the audit trail (after the response) and raise it."""
    record_refusal(status=exc.status, code=exc.code, officer=officer)
    raise exc


def record_refusal(*, status: int, code: str, officer: Officer | None, action: str | None = None,
                   object_type: str = "endpoint", object_id: str | None = None) -> None:
    """Append a ``denied`` audit event for this request, written after the response (see module doc)."""
    from app.audit import service as audit

    endpoint, method, path = request.endpoint or "-", request.method, request.path
    actor = _ActorSnapshot.of(officer)
    action = action or {401: "access.unauthenticated", 403: "access.forbidden",
                        404: "access.out_of_scope", 429: "access.throttled"}.get(status, "access.denied")
    summary = f"{status} {code}: {method} {path}"[:2000]
    after = {"status": status, "code": code, "endpoint": endpoint, "method": method}

    def write(session: Session) -> None:
        audit.record(session=session, actor=actor, action=action, object_type=object_type,
                     object_id=object_id or f"{method} {endpoint}"[:64], summary=summary, after=after,
                     now=utcnow(), outcome="denied")

    record_after_response(write)


class _ActorSnapshot:
    """The few facts the audit needs, copied now: after the rollback the ORM object is expired."""

    def __init__(self, officer: Officer) -> None:
        self.id, self.username, self.roles = officer.id, officer.username, list(officer.roles)

    @classmethod
    def of(cls, officer: Officer | None) -> _ActorSnapshot | None:
        return cls(officer) if officer is not None else None


def record_after_response(write: Callable[[Session], None]) -> None:
    """Run ``write(session)`` after this request's transaction ended, then commit it on its own.

    For facts that must survive a refused request: audit of refusals, counted failed logins.
    """
    g.setdefault("after_response_writes", []).append(write)


def _run_after_response_writes(_exc: BaseException | None) -> None:
    writes = g.pop("after_response_writes", None)
    if not writes:
        return
    try:
        db.session.rollback()  # nothing of the request is left pending: its own commit already ran
        for write in writes:
            write(db.session)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("could not write the refusal audit / throttle rows")


def _credentials() -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        value = header[7:].strip()
        # an API key sent as the bearer token (what the Camunda external-task clients send)
        return ("apikey" if value.startswith(f"{service.API_KEY_PREFIX}_") else "bearer"), value
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
            session=db.session, token=value, secret=current_app.config["SECRET_KEY"], now=now, max_ttl=access_ttl())
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
    # teardown_request runs after commit_or_rollback (after_request) and before the session is removed
    app.teardown_request(_run_after_response_writes)
