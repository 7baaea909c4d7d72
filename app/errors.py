"""One error shape: ``application/problem+json`` (RFC 9457) for every failure.

Services raise :class:`DomainError` subclasses (never ``abort``); HTTP errors from Werkzeug, webargs
validation, database outages and unexpected exceptions are all rendered here, so a client never sees an
HTML page or a stack trace.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json, request
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from app.i18n import message

log = logging.getLogger(__name__)

PROBLEM_TYPE_BASE = "https://motcua-flow.local/problems/"

_STATUS_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 412: "precondition_failed", 413: "too_large",
    415: "unsupported_media_type", 422: "validation_failed", 428: "precondition_failed",
    429: "too_many_requests", 500: "internal_error", 503: "database_unavailable",
}


class DomainError(Exception):
    """A refusal a client can act on. Subclasses fix the status and default code."""

    status = 400
    code = "bad_request"

    def __init__(self, detail: str | None = None, *, code: str | None = None, detail_en: str | None = None,
                 errors: Any = None, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail or code or self.code)
        self.code = code or self.code
        self.detail_vi = detail
        self.detail_en = detail_en
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra


class BadRequest(DomainError):
    status, code = 400, "bad_request"


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    status, code = 409, "conflict"


class PreconditionFailed(DomainError):
    status, code = 412, "precondition_failed"


class PayloadTooLarge(DomainError):
    status, code = 413, "too_large"


class UnsupportedMediaType(DomainError):
    status, code = 415, "unsupported_media_type"


class Unprocessable(DomainError):
    """Well-formed (the schema layer let it through) but against a rule of content or state.

    Its code is never ``validation_failed``, which is kept for what the published schema itself refuses: a
    client that validates against the OpenAPI document can tell the two apart.
    """

    status, code = 422, "rule_violated"


class TooManyRequests(DomainError):
    status, code = 429, "too_many_requests"


class ServiceUnavailable(DomainError):
    status, code = 503, "service_unavailable"


def problem(status: int, code: str, detail: str | None = None, *, errors: Any = None,
            headers: dict[str, str] | None = None, **extra: Any) -> Response:
    """Build a problem+json response."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": message(code) if code in _known_codes() else message(_STATUS_CODES.get(status, "bad_request")),
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = errors
    body["instance"] = request.path if request else None
    body.update({k: v for k, v in extra.items() if v is not None})
    response = Response(json.dumps(body, ensure_ascii=False), status=status,
                        mimetype="application/problem+json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _known_codes() -> set[str]:
    from app.i18n import MESSAGES
    return set(MESSAGES)


def handle_domain_error(error: DomainError) -> Response:
    detail = message(error.code, error.detail_vi, error.detail_en) if (error.detail_vi or error.detail_en) else None
    return problem(error.status, error.code, detail, errors=error.errors, headers=error.headers, **error.extra)


def handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    code = _STATUS_CODES.get(status, "bad_request")
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    detail = None
    if status == 400 and errors and "json" in errors and isinstance(errors["json"], list):
        # webargs reports unreadable JSON as {"json": ["Invalid JSON body."]}
        code, errors = "invalid_json", None
    elif status == 422 and errors:
        errors = _flatten_webargs_errors(errors)
    if status == 405:
        detail = message("method_not_allowed")
    headers = dict(data.get("headers") or {})
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem(status, code, detail or data.get("message"), errors=errors, headers=headers)


def _flatten_webargs_errors(errors: dict[str, Any]) -> Any:
    """webargs nests field errors under the location (``json``, ``query``…); keep the fields on top."""
    if isinstance(errors, dict) and len(errors) == 1:
        (location, fields), = errors.items()
        if location in {"json", "query", "form", "files", "headers", "view_args", "json_or_form"}:
            return fields
    return errors


def handle_database_down(error: Exception) -> Response:
    log.error("database unavailable: %s", error.__class__.__name__)
    return problem(503, "database_unavailable", headers={"Retry-After": "5"})


def handle_value_out_of_range(error: Exception) -> Response:
    """A client value the database cannot hold (an integer beyond 64 bits, a text too long): 422, not 500."""
    log.info("value refused by the database: %s", error.__class__.__name__)
    return problem(422, "value_out_of_range", message("value_out_of_range", "Giá trị vượt quá giới hạn lưu trữ.",
                                                      "A value is out of the range that can be stored."))


def handle_unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    if isinstance(error, OverflowError):  # SQLite cannot bind an integer beyond 64 bits
        return handle_value_out_of_range(error)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return problem(500, "internal_error")


def _is_connection_problem(error: DBAPIError) -> bool:
    return bool(getattr(error, "connection_invalidated", False)) or isinstance(error, OperationalError) and (
        "connect" in str(error.orig).lower() or "server closed" in str(error.orig).lower()
        or "terminating connection" in str(error.orig).lower()
    )


def handle_dbapi_error(error: DBAPIError) -> Response:
    if _is_connection_problem(error):
        return handle_database_down(error)
    if isinstance(error, DataError):  # PostgreSQL: numeric value out of range, value too long…
        return handle_value_out_of_range(error)
    return handle_unexpected(error)


def init_app(app: Flask) -> None:
    """Register the handlers; flask-smorest's own HTTP handler is replaced in ``ProblemApi``."""
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(DBAPIError, handle_dbapi_error)
    app.register_error_handler(Exception, handle_unexpected)
