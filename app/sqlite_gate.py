"""A write gate for the embedded SQLite database: writers queue on a file lock instead of polling.

Why: SQLite lets one connection write at a time. A second writer gets ``SQLITE_BUSY`` and SQLite's busy handler
retries after sleeps that grow to 100 ms, so with several gunicorn workers (or the in-process scheduler) a
write could wait half a second while the lock was free most of that time (p99 of 590 ms with 8 clients in
``bench/lifecycle.py``). Here a connection takes an exclusive ``flock`` on ``<database>-writegate`` before the
first statement that writes in a transaction and drops it after the commit or rollback; the kernel wakes the
next waiter as soon as it is free (measured: p99 590 → 85 ms; polling the lock every few ms gave ~200 ms).
SQLite's own locking still guarantees correctness: the gate only decides who asks first.

- Threads of one process queue on a lock first (one file descriptor per process; ``flock`` locks belong to
  the open file, so a forked worker opens its own).
- Threads of one process wait at most SQLite's ``busy_timeout`` for each other; past it the connection goes on
  without the gate and SQLite decides, exactly as without a gate.
- Read-only transactions never take the gate: WAL readers do not block the writer.
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from typing import Any

WAIT_SECONDS = 10.0  # as PRAGMA busy_timeout in app.database
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "WITH")


class _Gate:
    """One per database file per process."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.thread_lock = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def acquire(self) -> bool:
        """Queue for the gate; False when this process's own queue did not move within the wait.

        Between processes the wait blocks in the kernel, which wakes a waiter the moment the holder lets go:
        a holder keeps the gate for one write transaction only, and a process that dies drops it with its
        file. Within a process the wait is bounded, so a thread that writes on two connections at once gets
        SQLite's own "database is locked" as before rather than waiting forever on itself.
        """
        if not self.thread_lock.acquire(timeout=WAIT_SECONDS):
            return False
        try:
            fcntl.flock(self._file(), fcntl.LOCK_EX)
        except BaseException:
            self.thread_lock.release()
            raise
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self.thread_lock.release()


_gates: dict[str, _Gate] = {}
_gates_lock = threading.Lock()
os.register_at_fork(after_in_child=_gates.clear)  # a forked worker starts with gates (and locks) of its own


def gate_for(database: str) -> _Gate | None:
    """The gate of a database file (None for an in-memory database); a ``file:`` URI names its file too."""
    if database.startswith("file:"):
        database = database[5:].split("?", 1)[0]
    if not database or database == ":memory:" or "mode=memory" in database:
        return None
    path = os.path.abspath(database) + "-writegate"
    with _gates_lock:
        if path not in _gates:
            _gates[path] = _Gate(path)
        return _gates[path]


class GatedConnection(sqlite3.Connection):
    """``sqlite3.connect(..., factory=GatedConnection)``: writes go through the database's gate."""

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._gate = gate_for(os.fsdecode(database) if isinstance(database, (str, bytes, os.PathLike)) else "")
        self._holding = False

    def cursor(self, factory: Any = None) -> sqlite3.Cursor:  # type: ignore[override]
        return super().cursor(factory or _GatedCursor)

    # the C shortcuts would make a plain cursor and miss the gate
    def execute(self, sql: str, parameters: Any = ()) -> sqlite3.Cursor:  # type: ignore[override]
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any) -> sqlite3.Cursor:  # type: ignore[override]
        return self.cursor().executemany(sql, seq_of_parameters)

    def before_write(self, sql: str) -> None:
        if self._gate is not None and not self._holding and sql.lstrip()[:7].upper().startswith(_WRITES):
            self._holding = self._gate.acquire()

    def _let_go(self) -> None:
        if self._holding:
            self._holding = False
            self._gate.release()  # type: ignore[union-attr]

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._let_go()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._let_go()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._let_go()


class _GatedCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = ()) -> sqlite3.Cursor:  # type: ignore[override]
        self.connection.before_write(sql)  # type: ignore[attr-defined]
        try:
            return super().execute(sql, parameters)
        finally:
            self._after()

    def executemany(self, sql: str, seq_of_parameters: Any) -> sqlite3.Cursor:  # type: ignore[override]
        self.connection.before_write(sql)  # type: ignore[attr-defined]
        try:
            return super().executemany(sql, seq_of_parameters)
        finally:
            self._after()

    def _after(self) -> None:
        if not self.connection.in_transaction:  # autocommit, or a failed statement that ended the transaction
            self.connection._let_go()  # type: ignore[attr-defined]
