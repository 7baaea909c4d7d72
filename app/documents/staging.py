"""An upload's bytes, copied once to a private temporary file while they are hashed and counted.

Why a staging file: the bytes must be known (sha-256, size, what they are, any signature) before anything
is recorded or stored under their name, yet never held whole in memory. The copy goes in chunks to the
instance's own temporary directory; a refused or interrupted upload removes it, so no partial file is ever
visible to anyone (the store is written only with a complete, hashed, inspected file).
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 16
MAX_FILENAME = 255
#: Characters a stored name never holds: path separators, NUL and the other control characters.
_FORBIDDEN = set("/\\") | {chr(code) for code in range(32)} | {"\x7f"}


class TooLarge(Exception):
    """More bytes came than the component accepts."""


class FilenameRefused(ValueError):
    """A name that is empty, too long, or carries a path."""


@dataclass(frozen=True)
class Staged:
    path: Path
    size: int
    sha256: str


def clean_filename(name: str | None) -> str:
    """The uploaded name as shown and offered on download (NFC, accents kept), or :class:`FilenameRefused`.

    A name with a path (``../x.pdf``, ``C:\\scan.pdf``) is refused rather than trimmed: a client that sends
    one has a bug an officer should hear about, and the name stays exactly what the officer chose.
    """
    text = unicodedata.normalize("NFC", (name or "").strip())
    if not text:
        raise FilenameRefused("empty")
    if len(text) > MAX_FILENAME:
        raise FilenameRefused("too long")
    if any(ch in _FORBIDDEN for ch in text) or text in (".", ".."):
        raise FilenameRefused("path")
    return text


@contextmanager
def staged(source: BinaryIO, *, directory: Path, max_bytes: int) -> Iterator[Staged]:
    """Copy ``source`` to a temporary file under ``directory`` in chunks; remove it when the block ends.

    Raises :class:`TooLarge` as soon as the count passes ``max_bytes`` (the rest is not read).
    """
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, name = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=directory)
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = source.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge()
                digest.update(chunk)
                out.write(chunk)
        yield Staged(path=path, size=size, sha256=digest.hexdigest())
    finally:
        path.unlink(missing_ok=True)
