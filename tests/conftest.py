"""Shared fixtures: ``app``, ``client``, ``clock``, ``session``, ``auth``.

The database is real: SQLite by default, PostgreSQL when ``TEST_DATABASE_URL`` says so (CI runs both).
The schema is built once per run by the Alembic migrations; each test starts from empty tables.
Tests read ``../shared`` when it exists and skip with a message when it does not.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from app import create_app
from app.clock import FrozenClock
from app.extensions import db
from app.org.passwords import use_fast_hashing_for_tests

use_fast_hashing_for_tests()

PROJECT_DIR = Path(__file__).resolve().parents[1]
SHARED_DIR = PROJECT_DIR.parent / "shared"
#: A Monday morning in Hanoi time: 2026-03-02 08:00 +07:00.
DEFAULT_NOW = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
TEST_PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ``../shared`` folder beside the project (CI always has it)."""
    if not SHARED_DIR.is_dir():
        pytest.skip("../shared is not beside the project; these tests need its material")
    return SHARED_DIR


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def _config(database_url: str, clock: FrozenClock) -> dict:
    return {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "CLOCK": clock, "SCHEDULER_ENABLED": False, "LOG_LEVEL": "WARNING",
            # the frozen clock puts a whole test's logins in one minute: successful logins are not the subject
            # of most tests (tests/permissions/test_security_probe.py sets the real limit)
            "THROTTLE_LOGIN_SUCCESS": (100_000, 60),
            # each test app keeps its documents in a directory of its own (emptied with the tables)
            "DOCUMENT_STORAGE_ROOT": tempfile.mkdtemp(prefix="motcua-documents-"),
            "DOCUMENT_STAGING_DIR": tempfile.mkdtemp(prefix="motcua-staging-")}


@pytest.fixture(scope="session")
def migrated_database(database_url: str) -> str:
    """Run the Alembic migrations once for the whole test run."""
    import flask_migrate

    app = create_app(_config(database_url, FrozenClock(DEFAULT_NOW)))
    with app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
        db.engine.dispose()
    return database_url


def _empty_all_tables() -> None:
    from app.calendar.service import clear_cache
    from app.dossiers.published import forget_published_versions
    from app.org.tree import forget_cached

    # the next test reuses ids (and the frozen clock, publication times): drop what the process kept of them
    forget_published_versions()
    forget_cached()
    clear_cache()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        db.session.commit()
        return
    db.session.remove()
    with db.engine.connect() as connection:  # FK checks off: agencies refer to themselves
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for name in tables:
            connection.exec_driver_sql(f"DELETE FROM {name}")
        connection.commit()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


@pytest.fixture()
def clock() -> FrozenClock:
    return FrozenClock(DEFAULT_NOW)


@pytest.fixture()
def app(migrated_database: str, clock: FrozenClock) -> Iterator:
    app = create_app(_config(migrated_database, clock))
    yield app
    with app.app_context():
        db.session.remove()
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()
    _remove_file_dirs(app)


def _remove_file_dirs(app) -> None:
    """The test app's document store and staging directory go with it."""
    import shutil

    for name in ("DOCUMENT_STORAGE_ROOT", "DOCUMENT_STAGING_DIR"):
        if app.config.get(name):
            shutil.rmtree(app.config[name], ignore_errors=True)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def session(app):
    """The app's SQLAlchemy session inside an app context (for service-level tests)."""
    with app.app_context():
        yield db.session
        db.session.rollback()


@dataclass
class Auth:
    """Create accounts and get their bearer headers in one line."""

    app: object
    client: object

    def create(self, username: str, *roles: str, unit_codes: tuple[str, ...] = (),
               password: str = TEST_PASSWORD) -> int:
        from app.org import service
        from app.org.models import Unit

        with self.app.app_context():  # type: ignore[attr-defined]
            unit_ids = [db.session.query(Unit).filter_by(code=c).one().id for c in unit_codes]
            officer = service.create_officer(session=db.session, now=self.app.extensions["clock"].now(),  # type: ignore[attr-defined]
                                             officer_in={"username": username, "full_name": username.title(),
                                                         "password": password, "roles": list(roles) or ["officer"],
                                                         "unit_ids": unit_ids})
            db.session.commit()
            return officer.id

    def token(self, username: str, password: str = TEST_PASSWORD) -> dict:
        response = self.client.post("/api/v1/auth/token", json={"username": username, "password": password})  # type: ignore[attr-defined]
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def headers(self, username: str, password: str = TEST_PASSWORD) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(username, password)['access_token']}"}


@pytest.fixture()
def auth(app, client) -> Auth:
    return Auth(app, client)


@pytest.fixture()
def admin_headers(auth: Auth) -> dict[str, str]:
    auth.create("admin", "admin")
    return auth.headers("admin")


DEMO_PASSWORD = "motcua-demo-2026"


#: The demo's rows, table by table, as the first test that asked for it left them: later tests insert them again
#: instead of loading the organisation and compiling and dry-running five procedures (≈0.8 s a test). Keyed by
#: the clock's start (the rows carry it). The snapshot is what the real loader wrote, never hand-made data.
_DEMO_ROWS: dict[datetime, dict[str, list[dict]]] = {}


def _snapshot() -> dict[str, list[dict]]:
    return {table.name: _parents_first(table, [dict(row._mapping) for row in db.session.execute(table.select())])
            for table in db.metadata.sorted_tables}


def _parents_first(table, rows: list[dict]) -> list[dict]:
    """A tree's rows (agencies, units) ordered so that each parent is inserted before its children."""
    links = [(fk.parent.name, fk.column.name) for fk in table.foreign_keys if fk.column.table is table]
    if not links:
        return rows
    (child, key), = links
    by_key, done, ordered = {row[key]: row for row in rows}, set(), []

    def visit(row: dict) -> None:
        if row[key] in done:
            return
        done.add(row[key])
        if row[child] in by_key:
            visit(by_key[row[child]])
        ordered.append(row)

    for row in rows:
        visit(row)
    return ordered


def _restore(rows: dict[str, list[dict]]) -> None:
    for table in db.metadata.sorted_tables:
        if rows.get(table.name):
            db.session.execute(table.insert(), rows[table.name])
    if db.engine.dialect.name == "postgresql":  # explicit ids: move each id sequence past them
        for table in db.metadata.sorted_tables:
            if "id" in table.c and rows.get(table.name) and table.c.id.autoincrement in (True, "auto"):
                db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                        f"(SELECT max(id) FROM {table.name}))"))
    db.session.commit()


@pytest.fixture()
def demo(app, auth):
    """The shipped demo organisation (processes/organisation.json) and the five shipped procedures, published.

    Every demo officer's password is ``DEMO_PASSWORD``; ``admin`` has ``TEST_PASSWORD``.
    """
    import json

    from app.bootstrap import ORGANISATION_FILE, load_organisation
    from app.definitions.shipped import load_shipped_procedures

    with app.app_context():
        now = app.extensions["clock"].now()
        if now in _DEMO_ROWS:
            _restore(_DEMO_ROWS[now])
            return app
    auth.create("admin", "admin")
    with app.app_context():
        load_organisation(session=db.session, data=json.loads(ORGANISATION_FILE.read_text("utf-8")), now=now,
                          password=DEMO_PASSWORD)
        load_shipped_procedures(session=db.session, now=now)
        db.session.commit()
        _DEMO_ROWS[now] = _snapshot()
    return app
