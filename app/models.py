"""Every model module, imported so that SQLAlchemy's metadata (and Alembic) sees all tables."""
from __future__ import annotations

import importlib

MODEL_MODULES = (
    "app.org.models",
    "app.auth.models",
    "app.scheduler.models",
    "app.definitions.models",
    "app.dossiers.models",
    "app.documents.models",
    "app.desk.models",
    "app.audit.models",
    "app.calendar.models",
    "app.scheduler.due_work_models",
    "app.notifications.models",
    "app.applicant_notices.models",
    "app.satisfaction.models",
    "app.deadlines.models",
    "app.reports.models",
    "app.cache_versions",
)


def import_all() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)
