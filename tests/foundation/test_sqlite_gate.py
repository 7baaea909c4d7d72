"""The SQLite write gate: a writer holds the gate file's lock from its first write to its commit or rollback."""
from __future__ import annotations

import fcntl
import multiprocessing
import os
import sqlite3
import threading

import pytest

from app import sqlite_gate
from app.sqlite_gate import GatedConnection


def _connect(path, timeout: float = 10.0) -> sqlite3.Connection:
    conn = sqlite3.connect(path, factory=GatedConnection, timeout=timeout, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    return conn


def _gate_is_held(path) -> bool:
    """Ask the kernel from a file descriptor of our own (flock locks belong to the open file)."""
    fd = os.open(f"{path}-writegate", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


@pytest.fixture()
def db_path(tmp_path):
    path = tmp_path / "gate.sqlite3"
    conn = _connect(path)
    conn.execute("CREATE TABLE t (x INTEGER UNIQUE)")  # DDL runs in autocommit: the gate is let go at once
    assert not _gate_is_held(path)
    conn.close()
    return path


def test_a_write_holds_the_gate_until_commit_and_reads_never_take_it(db_path):
    conn = _connect(db_path)
    conn.execute("SELECT count(*) FROM t").fetchone()
    assert not _gate_is_held(db_path)
    conn.execute("INSERT INTO t VALUES (1)")
    assert _gate_is_held(db_path)
    conn.execute("INSERT INTO t VALUES (2)")  # the same transaction: taken once
    conn.commit()
    assert not _gate_is_held(db_path)
    conn.execute("UPDATE t SET x = 3 WHERE x = 2")
    assert _gate_is_held(db_path)
    conn.rollback()
    assert not _gate_is_held(db_path)
    conn.execute("DELETE FROM t WHERE x = 1")
    conn.close()  # closing with a transaction open lets go too
    assert not _gate_is_held(db_path)


def test_a_failed_write_keeps_the_gate_until_the_transaction_ends(db_path):
    conn = _connect(db_path)
    conn.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO t VALUES (1)")
    assert _gate_is_held(db_path) and conn.in_transaction
    conn.rollback()
    assert not _gate_is_held(db_path)


def _hold_a_write(path, holding, release) -> None:
    conn = _connect(path)
    conn.execute("INSERT INTO t VALUES (10)")
    holding.set()
    release.wait(30)
    conn.commit()
    conn.close()


def test_a_writer_in_another_process_waits_for_the_commit_and_is_not_refused(db_path):
    ctx = multiprocessing.get_context("fork")
    holding, release = ctx.Event(), ctx.Event()
    child = ctx.Process(target=_hold_a_write, args=(db_path, holding, release))
    child.start()
    try:
        assert holding.wait(30)
        # our SQLite timeout is tiny: without the gate this write would fail with "database is locked"
        conn = _connect(db_path, timeout=0.05)
        done: list[object] = []
        writer = threading.Thread(target=lambda: done.append(conn.execute("INSERT INTO t VALUES (20)")))
        writer.start()
        writer.join(0.3)
        assert writer.is_alive() and not done  # queued on the gate, not refused
        release.set()
        writer.join(30)
        assert done
        conn.commit()
        assert sorted(x for (x,) in conn.execute("SELECT x FROM t")) == [10, 20]
        conn.close()
    finally:
        release.set()
        child.join(30)
    assert child.exitcode == 0


def test_one_thread_writing_on_two_connections_gets_sqlites_answer_not_a_hang(db_path, monkeypatch):
    monkeypatch.setattr(sqlite_gate, "WAIT_SECONDS", 0.05)
    first, second = _connect(db_path), _connect(db_path, timeout=0.05)
    first.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        second.execute("INSERT INTO t VALUES (2)")  # gate wait ran out, then SQLite's busy timeout
    first.commit()
    second.rollback()
    assert not _gate_is_held(db_path)
    second.execute("INSERT INTO t VALUES (2)")
    second.commit()
    first.close(), second.close()


def test_the_service_uses_the_gate_on_a_sqlite_file_only(app):
    from app.extensions import db

    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            expected = GatedConnection if db.engine.dialect.name == "sqlite" else object
            assert isinstance(raw.dbapi_connection, expected)
        finally:
            raw.close()


def test_a_file_uri_names_the_same_gate_and_memory_has_none(tmp_path):
    path = tmp_path / "uri.sqlite3"
    assert sqlite_gate.gate_for(f"file:{path}?mode=rwc") is sqlite_gate.gate_for(str(path))
    assert sqlite_gate.gate_for(":memory:") is None
    assert sqlite_gate.gate_for("file::memory:?cache=shared") is None
