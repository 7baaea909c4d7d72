"""Database wiring: SQLite pragmas, and one transaction per request committed at the edge.

Services flush and never commit; :func:`commit_or_rollback` runs after each request: a successful response
commits everything the request did (workflow state, rows, audit, deadlines) at once, a failure rolls it all
back. A commit that fails becomes a problem response (409 for a constraint, 503 for a lost database).
"""
from __future__ import annotations

import logging

from flask import Flask, Response
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.extensions import db

log = logging.getLogger(__name__)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def use_sqlite_write_gate(app: Flask) -> None:
    """A file-based SQLite database gets connections whose writers queue on a file lock (``app.sqlite_gate``)."""
    uri = str(app.config.get("SQLALCHEMY_DATABASE_URI", ""))
    if not uri.startswith("sqlite") or ":memory:" in uri or not app.config.get("SQLITE_WRITE_GATE", True):
        return
    from app.sqlite_gate import GatedConnection

    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})  # a copy: DEFAULTS is shared
    options["connect_args"] = {**options.get("connect_args", {}), "factory": GatedConnection}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "sqlite" and not getattr(engine, "_motcua_configured", False):
        event.listen(engine, "connect", _sqlite_pragmas)
        engine._motcua_configured = True  # type: ignore[attr-defined]


def commit_or_rollback(response: Response) -> Response:
    from app.errors import handle_database_down, problem

    if response.status_code >= 400:
        db.session.rollback()
        return response
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        log.info("commit refused by a constraint", exc_info=True)
        return problem(409, "conflict")
    except DBAPIError as exc:
        db.session.rollback()
        return handle_database_down(exc)
    return response


def init_app(app: Flask) -> None:
    with app.app_context():
        configure_engine(db.engine)
    app.after_request(commit_or_rollback)
