"""Backup and restore: a dossier in progress and a pending due-work item survive into a fresh database.

SQLite: the online backup API into a fresh file. PostgreSQL: ``pg_dump -Fc`` of the test schema, restored
with ``pg_restore`` into a freshly created database (same schema name), which is dropped afterwards.
"""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app import backup, create_app
from app.extensions import db
from app.notifications.models import Notification
from app.org.models import Officer
from app.scheduler import due_work
from app.scheduler.due_work_models import DueWork
from tests.conftest import _config
from tests.dossiers.flow import ACTOR, FORWARD, Flow


@pytest.fixture()
def fresh_url(migrated_database: str, tmp_path):
    """An empty database of the same kind as the test database (dropped afterwards on PostgreSQL)."""
    url = make_url(migrated_database)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    name = f"motcua_restore_{uuid.uuid4().hex[:10]}"
    conninfo = dict(host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username or "postgres",
                    password=url.password, dbname=url.database)
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_then_restore_continues_the_dossier_and_fires_due_work(demo, client, clock, tmp_path, fresh_url):
    flow = Flow(client, clock)
    dossier = flow.start()
    flow.forward(dossier["id"], "Step_1")
    with demo.app_context():
        appraiser = db.session.scalar(select(Officer.id).where(Officer.username == "na.hn.ktht.chuyenvien"))
        due_work.schedule(session=db.session, kind="notify", due_at=clock.now() + timedelta(hours=1),
                          dedupe_key=f"backup-test:{dossier['id']}", dossier_id=dossier["id"], now=clock.now(),
                          payload={"officer_id": appraiser, "text": "Hồ sơ sắp đến hạn"})
        db.session.commit()
        path = backup.create(engine=db.engine, path=tmp_path / "motcua.backup")
        db.session.remove()
    assert path.stat().st_size > 0

    restored = create_app(_config(fresh_url, clock))
    try:
        with restored.app_context():
            backup.restore(engine=db.engine, path=path)
        # the dossier continues where it was: Step_2 is waiting, and completing it moves to Step_3
        again = Flow(restored.test_client(), clock)
        current = again.current(dossier["id"])
        assert current["spec_id"] == "Step_2"
        again.complete(current["id"], ACTOR["Step_2"], FORWARD["Step_2"])
        assert again.current(dossier["id"])["spec_id"] == "Step_3"
        # the due work is still pending there, and fires once when its time comes
        clock.advance(timedelta(hours=1, minutes=1))
        with restored.app_context():
            assert due_work.run_until_idle(session=db.session, worker_id="restored", now=clock.now()) >= 1
            assert db.session.scalar(select(DueWork.status).where(
                DueWork.dedupe_key == f"backup-test:{dossier['id']}")) == "done"
            assert db.session.scalar(select(func.count()).select_from(Notification).where(
                Notification.dossier_id == dossier["id"])) == 1
    finally:
        with restored.app_context():
            db.session.remove()
            db.engine.dispose()

    # the original database was not touched by the restore
    with demo.app_context():
        assert db.session.scalar(select(DueWork.status).where(
            DueWork.dedupe_key == f"backup-test:{dossier['id']}")) == "pending"


def test_cli_backup_create_and_restore(demo, tmp_path):
    demo.cli.add_command(backup.backup_group)
    runner = demo.test_cli_runner()
    target = tmp_path / "cli.backup"
    result = runner.invoke(args=["backup", "create", str(target)])
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output and target.stat().st_size > 0
    result = runner.invoke(args=["backup", "restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["backup", "restore", str(tmp_path / "missing.backup"), "--yes"])
    assert result.exit_code != 0


def test_missing_postgres_tools_give_a_clear_error(monkeypatch):
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    monkeypatch.setattr(backup.glob, "glob", lambda pattern: [])
    with pytest.raises(backup.BackupError, match="pg_dump was not found: install the PostgreSQL client"):
        backup.pg_tool("pg_dump")


def test_schema_is_read_from_the_url():
    url = make_url("postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dci_1")
    assert backup.pg_schema(url) == "ci_1"
    assert backup.pg_schema(make_url("postgresql+psycopg://postgres@h/test")) is None
