"""Configuration from environment variables, with documented defaults.

| variable | default | meaning |
|---|---|---|
| ``DATABASE_URL`` | ``sqlite:///<instance>/motcua.sqlite3`` | SQLAlchemy URL; production uses ``postgresql+psycopg://…`` |
| ``SECRET_KEY`` | generated once into ``instance/secret_key`` | signs access tokens |
| ``TIMEZONE`` | ``Asia/Ho_Chi_Minh`` | timezone of responses and of working time |
| ``SCHEDULER_ENABLED`` | ``false`` (``make run`` sets ``true``) | run the APScheduler loop inside this process |
| ``ADMIN_PASSWORD`` | generated and printed by ``make run`` | password of the first ``admin`` account |
| ``MAX_CONTENT_LENGTH`` | ``6291456`` (6 MiB) | largest request body; bigger gets 413 |
| ``BPMN_MAX_BYTES`` | ``5242880`` (5 MiB) | largest BPMN file |
| ``ACCESS_TOKEN_TTL`` | ``900`` seconds | life of a bearer token |
| ``REFRESH_TOKEN_TTL`` | ``1209600`` seconds (14 days) | life of a refresh token |
| ``LOG_LEVEL`` | ``INFO`` | |
| ``CORS_ORIGINS`` | empty (CORS closed) | comma-separated origins allowed to call the API from a browser |
| ``DOSSIER_CODE_FORMAT`` | ``{agency_code}-{date:%y%m%d}-{seq:04d}`` | dossier code (Circular 04/2025: agency, receipt date, per-day sequence) |
| ``SQLITE_WRITE_GATE`` | ``true`` | SQLite only: writers of all processes queue on ``<database>-writegate`` (``app.sqlite_gate``) |
| ``PASSWORD_HASH_CONCURRENCY`` | ``2`` | argon2 hashes one process runs at once (a login waiting > 5 s is a 503) |
| ``DOCUMENT_STORAGE`` | ``local`` | where dossiers' files live: ``local`` (``DOCUMENT_STORAGE_ROOT``, default ``instance/documents``) or ``s3`` (``DOCUMENT_S3_BUCKET``, ``_PREFIX``, ``_ENDPOINT_URL``, ``_REGION``, ``_ACCESS_KEY``, ``_SECRET_KEY``) |
| ``DOCUMENT_STAGING_DIR`` | ``instance/staging`` | uploads are hashed and inspected here before they are stored |
| ``PUBLIC_BASE_URL`` | the request's host | where the applicants' lookup page is reached (form 01's QR code: ``<url>/tra-cuu/<code>``) |
| ``APPLICANT_CHANNELS`` | none (no notice leaves the service) | JSON ``{"email": {SMTP…}, "sms": {adapter…}, "zalo": {adapter…}}``: the providers of notices to applicants (``docs/applicant-notices.md``); needs ``PUBLIC_BASE_URL`` |
| ``GC_FREEZE_AFTER_REQUESTS`` | ``100`` | after this many requests a process freezes its warm heap (``app.warm_heap``); 0: never |

Set in code (``DEFAULTS``), overridable by a test or deployment config mapping: ``AUTHORING_MAX_ROWS`` (500),
``AUTHORING_MAX_BYTES`` (2 MiB), ``AUTHORING_XLSX_MAX_UNCOMPRESSED`` (20 MiB), ``CATALOG_REVIEW_MONTHS`` (12, or
``{agency_code: months, "default": n}``), ``SCHEDULER_TICK_SECONDS`` (15), ``REPORT_MAX_DAYS`` (731),
``DUE_SOON_FRACTION`` (0.25), ``ESCALATION_DELAYS`` (``PT4H``, ``P1D``), ``THROTTLE_*`` (login and lookup limits),
``JSON_MAX_DEPTH`` (32: deeper JSON bodies are a 422).
Every tunable may also come from the environment (:data:`OPTIONAL_FROM_ENV`: numbers as text, JSON for
per-agency maps and throttle pairs); :func:`check_settings` refuses a bad one when the app is created.
Read from the environment by the modules that use them: ``METRICS_TOKEN``, ``METRICS_ALLOW_FROM``,
``PROMETHEUS_MULTIPROC_DIR`` (see ``app/metrics``).
"""
from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

TRUE_WORDS = {"1", "true", "yes", "on"}


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable (``1/true/yes/on``)."""
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in TRUE_WORDS


def load_secret_key(instance_path: Path) -> str:
    """Return ``SECRET_KEY`` from the environment, else one generated once and kept in ``instance/``.

    Why keep it in a file: tokens must survive a restart of the embedded default, and several gunicorn
    workers on one machine must agree on it.
    """
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return key_file.read_text().strip()


class SettingsError(ValueError):
    """A setting the service cannot run with; raised when the app is created, never at a later request."""


#: Settings read from the environment only when set (else ``DEFAULTS`` or the module's default applies):
#: name → how the text becomes the value. JSON values may be given per agency: ``{"CB-SNV": …, "default": …}``.
OPTIONAL_FROM_ENV: dict[str, Any] = {
    "NOTIFICATION_WEBHOOK_URL": str,
    "PUBLIC_BASE_URL": str,
    "APPLICANT_CHANNELS": json.loads,
    **{name: str for name in ("DOCUMENT_STORAGE", "DOCUMENT_STORAGE_ROOT", "DOCUMENT_STAGING_DIR", "DOCUMENT_S3_BUCKET",
                              "DOCUMENT_S3_PREFIX", "DOCUMENT_S3_ENDPOINT_URL", "DOCUMENT_S3_REGION",
                              "DOCUMENT_S3_ACCESS_KEY", "DOCUMENT_S3_SECRET_KEY")},
    "DUE_SOON_FRACTION": json.loads,
    "ESCALATION_DELAYS": json.loads,
    "CATALOG_REVIEW_MONTHS": json.loads,
    "SCHEDULER_TICK_SECONDS": int,
    "REPORT_MAX_DAYS": int,
    "JSON_MAX_DEPTH": int,
    "AUTHORING_MAX_ROWS": int,
    "AUTHORING_MAX_BYTES": int,
    "AUTHORING_XLSX_MAX_UNCOMPRESSED": int,
    **{f"THROTTLE_{bucket}": json.loads for bucket in ("LOGIN_ACCOUNT", "LOGIN_ADDRESS", "LOGIN_SUCCESS", "PUBLIC_LOOKUP")},
}
#: Whole numbers a deployment may tune, each with the least value that still works.
POSITIVE_INTS = {"SCHEDULER_TICK_SECONDS": 1, "REPORT_MAX_DAYS": 1, "JSON_MAX_DEPTH": 4, "AUTHORING_MAX_ROWS": 1,
                 "AUTHORING_MAX_BYTES": 1024, "AUTHORING_XLSX_MAX_UNCOMPRESSED": 1024,
                 "PASSWORD_HASH_CONCURRENCY": 1, "ACCESS_TOKEN_TTL": 60, "REFRESH_TOKEN_TTL": 60}


def _optional_settings() -> dict[str, Any]:
    found = {}
    for name, parse in OPTIONAL_FROM_ENV.items():
        text = os.environ.get(name)
        if text is None or not text.strip():
            continue
        try:
            found[name] = parse(text.strip())
        except ValueError as exc:
            raise SettingsError(f"{name}: {exc}") from None
    return found


def check_settings(config: Mapping[str, Any]) -> None:
    """Refuse, when the app is created, a setting that would make a later request or scheduled job fail.

    ``DUE_SOON_FRACTION``: a number in (0, 1), or such numbers per agency; ``ESCALATION_DELAYS``: working
    durations for ``escalate_unit_leader`` and ``escalate_agency_leader`` (or per agency);
    ``NOTIFICATION_WEBHOOK_URL`` and ``PUBLIC_BASE_URL``: ``http(s)://`` URLs; the whole numbers of :data:`POSITIVE_INTS` at least
    their least value; ``CATALOG_REVIEW_MONTHS`` 1..120 months (or per agency); ``THROTTLE_*`` ``[count,
    seconds]``.
    """
    from app.calendar.durations import DurationError, parse_working_duration

    def per_agency(name: str, value: Any, is_one: Any) -> list[Any]:
        if is_one(value):
            return [value]
        if isinstance(value, Mapping) and value and all(is_one(v) for v in value.values()):
            return list(value.values())
        raise SettingsError(f"{name}: {value!r} is neither one value nor {{agency code: value, \"default\": value}}")

    fraction = config.get("DUE_SOON_FRACTION")
    if fraction is not None:
        for value in per_agency("DUE_SOON_FRACTION", fraction, lambda v: isinstance(v, (int, float))
                                and not isinstance(v, bool)):
            if not 0 < value < 1:
                raise SettingsError(f"DUE_SOON_FRACTION: {value} is not between 0 and 1")
    delays = config.get("ESCALATION_DELAYS")
    if delays is not None:
        kinds = {"escalate_unit_leader", "escalate_agency_leader"}
        for value in per_agency("ESCALATION_DELAYS", delays, lambda v: isinstance(v, Mapping) and set(v) == kinds):
            for kind, text in value.items():
                try:
                    parse_working_duration(text)
                except DurationError as exc:
                    raise SettingsError(f"ESCALATION_DELAYS.{kind}: {exc}") from None
    for name in ("NOTIFICATION_WEBHOOK_URL", "PUBLIC_BASE_URL"):
        url = config.get(name)
        if url and not str(url).startswith(("http://", "https://")):
            raise SettingsError(f"{name}: {url!r} is not an http(s) URL")
    _check_applicant_channels(config)
    for name, least in POSITIVE_INTS.items():
        value = config.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < least):
            raise SettingsError(f"{name}: {value!r} is not a whole number of at least {least}")
    months = config.get("CATALOG_REVIEW_MONTHS")
    if months is not None:
        per_agency("CATALOG_REVIEW_MONTHS", months,
                   lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 120)
    for name in (key for key in config if key.startswith("THROTTLE_")):
        value = config[name]
        if not (isinstance(value, (list, tuple)) and len(value) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value)):
            raise SettingsError(f"{name}: {value!r} is not [count, seconds] of whole numbers of at least 1")


def _check_applicant_channels(config: Mapping[str, Any]) -> None:
    """Every provider's settings (``app.applicant_notices.channels``), and a public URL for the links they send."""
    from app.applicant_notices.channels import ChannelSettingsError, from_config

    try:
        configured = from_config(config.get("APPLICANT_CHANNELS"))
    except ChannelSettingsError as exc:
        raise SettingsError(str(exc)) from None
    if configured and not config.get("PUBLIC_BASE_URL"):
        raise SettingsError("APPLICANT_CHANNELS: notices carry links to the lookup page; set PUBLIC_BASE_URL")


def from_environment(instance_path: Path) -> dict[str, Any]:
    """Build the configuration mapping that ``create_app`` applies when no test config is given."""
    default_db = f"sqlite:///{instance_path / 'motcua.sqlite3'}"
    return {
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", default_db),
        "SECRET_KEY": load_secret_key(instance_path),
        "TIMEZONE": os.environ.get("TIMEZONE", "Asia/Ho_Chi_Minh"),
        "SCHEDULER_ENABLED": env_bool("SCHEDULER_ENABLED", False),
        "ADMIN_PASSWORD": os.environ.get("ADMIN_PASSWORD"),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 6 * 1024 * 1024)),
        "BPMN_MAX_BYTES": int(os.environ.get("BPMN_MAX_BYTES", 5 * 1024 * 1024)),
        "ACCESS_TOKEN_TTL": int(os.environ.get("ACCESS_TOKEN_TTL", 900)),
        "REFRESH_TOKEN_TTL": int(os.environ.get("REFRESH_TOKEN_TTL", 14 * 24 * 3600)),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        "CORS_ORIGINS": os.environ.get("CORS_ORIGINS", ""),
        "DOSSIER_CODE_FORMAT": os.environ.get("DOSSIER_CODE_FORMAT", DEFAULTS_DOSSIER_CODE_FORMAT),
        "SQLITE_WRITE_GATE": env_bool("SQLITE_WRITE_GATE", True),
        "GC_FREEZE_AFTER_REQUESTS": int(os.environ.get("GC_FREEZE_AFTER_REQUESTS", 100)),
        "PASSWORD_HASH_CONCURRENCY": int(os.environ.get("PASSWORD_HASH_CONCURRENCY", 2)),
        **_optional_settings(),
    }


DEFAULTS_DOSSIER_CODE_FORMAT = "{agency_code}-{date:%y%m%d}-{seq:04d}"

DEFAULTS: dict[str, Any] = {
    "DOSSIER_CODE_FORMAT": DEFAULTS_DOSSIER_CODE_FORMAT,
    "API_TITLE": "Motcua Flow API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "/docs",
    "OPENAPI_SWAGGER_UI_URL": None,  # set in create_app: served from the installed package, no CDN
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "JSON_SORT_KEYS": False,
    "SCHEDULER_ENABLED": False,
    "TIMEZONE": "Asia/Ho_Chi_Minh",
    "MAX_CONTENT_LENGTH": 6 * 1024 * 1024,
    "BPMN_MAX_BYTES": 5 * 1024 * 1024,
    "ACCESS_TOKEN_TTL": 900,
    "REFRESH_TOKEN_TTL": 14 * 24 * 3600,
    "LOG_LEVEL": "INFO",
    "SCHEDULER_TICK_SECONDS": 15,
    "AUTHORING_MAX_ROWS": 500,
    "AUTHORING_MAX_BYTES": 2 * 1024 * 1024,
    "AUTHORING_XLSX_MAX_UNCOMPRESSED": 20 * 1024 * 1024,
    "CATALOG_REVIEW_MONTHS": 12,
    "GC_FREEZE_AFTER_REQUESTS": 0,  # a served process sets it (from_environment); test apps never freeze
    "PASSWORD_HASH_CONCURRENCY": 2,
    "JSON_MAX_DEPTH": 32,
}
