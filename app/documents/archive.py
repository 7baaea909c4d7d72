"""The dossiers' files in a backup: every stored object in one tar beside the database backup, and back.

Why after the database: a file is stored before the row that names it commits, and bytes are never deleted,
so every file the database backup names is already in the store when the files are copied. The tar holds
each object under its sha-256; restore checks each one's hash before putting it back (a damaged archive is
refused, never stored under a name its bytes do not match).
"""
from __future__ import annotations

import hashlib
import tarfile
import tempfile
from collections.abc import Iterable
from pathlib import Path

from app.documents.storage import Storage, check_key

CHUNK = 1 << 16


class ArchiveError(Exception):
    """An archive member that is not a stored object, or whose bytes do not match its name."""


def export_files(storage: Storage, path: Path, keys: Iterable[str]) -> int:
    """Write the objects ``keys`` to the tar at ``path`` (streamed: no object whole in memory); returns the count."""
    count = 0
    with tarfile.open(path, "w") as archive:
        for key in keys:
            size = storage.stat(key)
            if size is None:
                continue  # the integrity check reports it; a backup still takes the rest
            info = tarfile.TarInfo(name=key)
            info.size = size
            chunks = storage.open_chunks(key)
            try:
                archive.addfile(info, _Reader(chunks))
            finally:
                getattr(chunks, "close", lambda: None)()
            count += 1
    return count


def import_files(storage: Storage, path: Path, *, staging_dir: Path) -> int:
    """Put every object of the tar at ``path`` back into ``storage`` (each checked against its sha-256)."""
    staging_dir.mkdir(parents=True, exist_ok=True)
    count = 0
    with tarfile.open(path, "r") as archive:
        for member in archive:
            try:
                check_key(member.name)
            except ValueError:
                raise ArchiveError(f"{member.name!r} is not a stored file's name") from None
            if not member.isfile():
                raise ArchiveError(f"{member.name}: not a regular file")
            source = archive.extractfile(member)
            digest = hashlib.sha256()
            with tempfile.NamedTemporaryFile(dir=staging_dir, prefix="restore-", suffix=".part") as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                if digest.hexdigest() != member.name:
                    raise ArchiveError(f"{member.name}: the bytes do not match their sha-256")
                storage.put_file(member.name, Path(out.name), size=member.size, content_type="application/octet-stream")
            count += 1
    return count


class _Reader:
    """A file-like view of a chunk iterator, for ``tarfile.addfile``."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            out, self._buffer = self._buffer, b""
        else:
            out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out
