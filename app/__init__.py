"""Motcua Flow: a BPMN workflow-engine service for Vietnamese state agencies.

``create_app(config)`` builds the Flask app: configuration (environment or the given mapping), extensions,
the problem+json error shape, the request guard, one blueprint per capability, the CLI and, when
``SCHEDULER_ENABLED``, the in-process scheduler.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

from app import config as config_module
from app.upload_request import UploadRequest

BLUEPRINT_MODULES = (
    "app.health.routes",
    "app.auth.routes",
    "app.org.routes",
    "app.definitions.routes",
    "app.authoring.routes",
    "app.catalog.routes",
    "app.dossiers.routes",
    "app.documents.routes",
    "app.desk.routes",
    "app.tasks.routes",
    "app.calendar.routes",
    "app.notifications.routes",
    "app.applicant_notices.routes",
    "app.external_tasks.routes",
    "app.scheduler.routes",
    "app.audit.routes",
    "app.public.routes",
    "app.deadlines.routes",
    "app.reports.routes",
    "app.reports.pages",
    "app.metrics.routes",
)
#: HTML pages outside the API (plain Flask blueprints, not in the OpenAPI document).
PAGE_BLUEPRINT_MODULES = (
    "app.console.routes",
    "app.public.pages",
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; ``config`` (tests) is applied over the defaults instead of the environment."""
    app = Flask(__name__, instance_relative_config=True,
                instance_path=str(Path(__file__).resolve().parent.parent / "instance"))
    app.request_class = UploadRequest
    app.config.from_mapping(config_module.DEFAULTS)
    if config is None:
        app.config.from_mapping(config_module.from_environment(Path(app.instance_path)))
    else:
        app.config.from_mapping(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.load_secret_key(Path(app.instance_path))
    config_module.check_settings(app.config)  # a setting accepted now never fails a later request
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"))
    app.json.ensure_ascii = False  # Vietnamese travels as UTF-8, not \u escapes

    _init_extensions(app)
    _init_capabilities(app)
    _register_blueprints(app)

    from app import cli
    cli.init_app(app)

    if app.config.get("SCHEDULER_ENABLED"):
        from app.scheduler.runner import start_background
        start_background(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app import database, errors, json_limits, request_cache, security_headers, warm_heap
    from app.api import ProblemApi
    from app.auth import guard
    from app.clock import SystemClock
    from app.extensions import db, migrate
    from app.models import import_all
    from app.org import passwords

    import_all()
    app.extensions.setdefault("clock", app.config.get("CLOCK") or SystemClock())
    database.use_sqlite_write_gate(app)
    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    _configure_docs(app)
    api = ProblemApi(app, spec_kwargs={"info": {"description": "Motcua Flow — điều khiển quy trình TTHC bằng BPMN."}})
    app.extensions["motcua_api"] = api
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    api.spec.components.security_scheme("apiKey", {"type": "apiKey", "in": "header", "name": "X-API-Key"})
    api.spec.options["security"] = [{"bearerAuth": []}, {"apiKey": []}]
    errors.init_app(app)
    request_cache.init_app(app)
    json_limits.init_app(app)
    guard.init_app(app)
    passwords.set_concurrency(int(app.config["PASSWORD_HASH_CONCURRENCY"]))
    security_headers.init_app(app)
    warm_heap.init_app(app)


def _configure_docs(app: Flask) -> None:
    """Serve Swagger UI from the installed ``swagger-ui-bundle`` package: no CDN at run time."""
    import swagger_ui_bundle
    from flask import send_from_directory

    static_dir = swagger_ui_bundle.swagger_ui_path
    app.config["OPENAPI_SWAGGER_UI_URL"] = "/api/v1/docs/static/"

    def swagger_ui_static(filename: str):
        return send_from_directory(static_dir, filename)

    app.add_url_rule("/api/v1/docs/static/<path:filename>", "swagger_ui_static", swagger_ui_static)


def _init_capabilities(app: Flask) -> None:
    """Each capability's own set-up (scheduled handlers, what it adds to others' responses), explicitly."""
    from app import applicant_notices, deadlines, documents, flows, notifications, printing

    printing.init_app(app, issue_form=flows.issue_form)
    documents.init_app(app)
    deadlines.init_app(app)
    notifications.init_app(app)
    applicant_notices.init_app(app)
    flows.init_app(app)


def _register_blueprints(app: Flask) -> None:
    import importlib

    api = app.extensions["motcua_api"]
    for module_name in BLUEPRINT_MODULES:
        module = importlib.import_module(module_name)
        api.register_blueprint(module.blp)
    for module_name in PAGE_BLUEPRINT_MODULES:
        app.register_blueprint(importlib.import_module(module_name).blp)
