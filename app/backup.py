"""Backup and restore of the service's database: ``flask backup create PATH`` / ``flask backup restore PATH``.

- **PostgreSQL**: ``pg_dump -Fc`` (custom format, a consistent snapshot taken in one transaction while the
  service runs) and ``pg_restore --clean --if-exists --no-owner --single-transaction``. When the URL pins a
  schema (``?options=-csearch_path%3D<schema>``) only that schema is dumped, and restore recreates it under
  the same name in the target database. The client tools must be installed (``postgresql-client``, a major
  version not older than the server); a clear error says so otherwise.
- **SQLite**: the ``sqlite3`` online backup API, page by page, consistent even while workers write (WAL).
  Restore copies the backup into the database file through the same API.

Everything the service knows is in the database (workflow states, steps, audit, due work, heartbeats), so a
restored database continues where the backup was taken: dossiers move on and pending due work fires.
The dossiers' files are in the document store: ``create`` writes them after the database to
``PATH.files.tar`` (``app.documents.archive``; ``--no-files`` when the object store has its own versioned
backup) and ``restore`` puts them back when that tar is there. Stop the web workers and schedulers before a
restore; start them after; ``flask documents check`` then says whether every recorded file is present and intact.
"""
from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import unquote

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import URL, Engine


class BackupError(Exception):
    """A backup or restore that could not be done (missing tools, unreadable file, tool failure)."""


# --- PostgreSQL ---------------------------------------------------------------------------------------

def pg_tool(name: str) -> str:
    """``pg_dump``/``pg_restore`` from PATH, else the newest under ``/usr/lib/postgresql/*/bin``."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if candidates:
        return candidates[-1]
    raise BackupError(f"{name} was not found: install the PostgreSQL client tools (e.g. apt install "
                      f"postgresql-client) with a major version not older than the server's.")


def pg_schema(url: URL) -> str | None:
    """The schema pinned by ``options=-csearch_path=<schema>`` in the URL, if any."""
    options = unquote(str(url.query.get("options", "")))
    for part in options.split():
        if part.startswith("-csearch_path="):
            return part.split("=", 1)[1].split(",")[0].strip() or None
    return None


def _pg_args(url: URL) -> tuple[list[str], dict[str, str]]:
    """libpq connection arguments and environment for ``url`` (password through PGPASSWORD, not argv)."""
    args = ["--dbname", url.database or "postgres"]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BackupError(f"cannot run {cmd[0]}: {exc}") from None
    if done.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def pg_create(url: URL, path: Path) -> None:
    args, env = _pg_args(url)
    schema = pg_schema(url)
    cmd = [pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(path), *args]
    if schema:
        cmd += ["--schema", schema]
    _run(cmd, env)


def pg_restore(url: URL, path: Path) -> None:
    args, env = _pg_args(url)
    _run([pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", "--exit-on-error", *args, str(path)], env)


# --- SQLite -------------------------------------------------------------------------------------------

def _sqlite_path(url: URL) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return url.database


def sqlite_create(engine: Engine, path: Path) -> None:
    """Online, consistent copy with the sqlite3 backup API (readers and writers may go on meanwhile)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    source = engine.raw_connection()
    try:
        target = sqlite3.connect(path)
        try:
            source.driver_connection.backup(target)
        finally:
            target.close()
    finally:
        source.close()


def sqlite_restore(engine: Engine, path: Path) -> None:
    """Copy the backup file into the service's database (the engine's pooled connections are dropped)."""
    _sqlite_path(engine.url)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{path} is not a sound SQLite database")
        engine.dispose()
        target = engine.raw_connection()
        try:
            source.backup(target.driver_connection)
        finally:
            target.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite backup: {exc}") from None
    finally:
        source.close()
        engine.dispose()


# --- the two operations -------------------------------------------------------------------------------

def create(*, engine: Engine, path: str | Path) -> Path:
    """Write a backup of the database behind ``engine`` to ``path``; returns the path."""
    path = Path(path)
    if engine.dialect.name == "postgresql":
        pg_create(engine.url, path)
    elif engine.dialect.name == "sqlite":
        _sqlite_path(engine.url)
        sqlite_create(engine, path)
    else:
        raise BackupError(f"no backup method for {engine.dialect.name}")
    return path


def restore(*, engine: Engine, path: str | Path) -> None:
    """Replace the database behind ``engine`` by the backup at ``path`` (stop workers and schedulers first)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such backup file")
    engine.dispose()
    if engine.dialect.name == "postgresql":
        pg_restore(engine.url, path)
    elif engine.dialect.name == "sqlite":
        sqlite_restore(engine, path)
    else:
        raise BackupError(f"no restore method for {engine.dialect.name}")
    engine.dispose()


# --- CLI ----------------------------------------------------------------------------------------------

@click.group("backup")
def backup_group() -> None:
    """Back up and restore the database (pg_dump/pg_restore on PostgreSQL, the backup API on SQLite)."""


def _engine() -> Engine:
    from app.extensions import db

    return db.engine


def files_path(path: str | Path) -> Path:
    """Where the files of the backup at ``path`` go: beside it, ``<path>.files.tar``."""
    return Path(f"{path}.files.tar")


def _stored_keys() -> list[str]:
    from sqlalchemy import select

    from app.documents.models import StoredFile
    from app.extensions import db

    return list(db.session.scalars(select(StoredFile.sha256).order_by(StoredFile.sha256)))


@backup_group.command("create")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--no-files", is_flag=True, help="Leave the document store out (it has its own backup).")
@with_appcontext
def backup_create_command(path: str, no_files: bool) -> None:
    """Write a consistent backup of the running service's database to PATH, then its files to PATH.files.tar."""
    from app.documents.archive import export_files

    try:
        written = create(engine=_engine(), path=path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backup written to {written} ({written.stat().st_size} bytes, {_engine().dialect.name}).")
    if not no_files:
        count = export_files(current_app.extensions["motcua.storage"], files_path(path), _stored_keys())
        click.echo(f"{count} stored files written to {files_path(path)}.")


@backup_group.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def backup_restore_command(path: str, yes: bool) -> None:
    """Replace the database by the backup at PATH. Stop web workers and schedulers first."""
    if not yes:
        click.confirm(f"Replace the database {_engine().url.render_as_string(hide_password=True)} "
                      f"by {path}?", abort=True)
    try:
        restore(engine=_engine(), path=path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    current_app.logger.info("database restored from %s", path)
    click.echo(f"Database restored from {path}. Run `flask db upgrade` if the backup is from an older release.")
    if files_path(path).is_file():
        from app.documents.archive import ArchiveError, import_files

        try:
            count = import_files(current_app.extensions["motcua.storage"], files_path(path),
                                 staging_dir=Path(current_app.config["DOCUMENT_STAGING_DIR"]))
        except ArchiveError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{count} stored files restored from {files_path(path)}.")
