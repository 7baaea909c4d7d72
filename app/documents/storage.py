"""Where a dossier's file bytes live: one small interface, a local-directory backend and an S3 backend.

The store is content-addressed: the caller hashes the upload first and uses the sha-256 hex as the key, so the
same file attached to a hundred dossiers is stored once, a key never changes meaning, and the integrity checker
can re-hash what it reads. What the file *is* (name, content type, owner) lives in the database, not here.

Both backends make an object visible under its key only once it is complete, so a reader never sees half a file
and a crash mid-upload leaves nothing under the key; both stream in bounded chunks so a 100 MB scan does not cost
100 MB of RAM per request. Failures the operator must fix or wait out (disk full, S3 down, bad credentials) are
:class:`StorageUnavailable`, which the API answers with 503; a key with no object is :class:`BlobMissing`.

This module is pure (no Flask, no database): :func:`storage_from_settings` builds the configured store from a
settings mapping and refuses a bad setting when the app is created, never at a later request.
"""
from __future__ import annotations

import contextlib
import errno
import io
import os
import pathlib
import re
import secrets
import stat as stat_module
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NoReturn, Protocol, runtime_checkable
from urllib.parse import urlsplit

KEY_PATTERN = re.compile(r"[0-9a-f]{64}")
MIB = 1 << 20
#: Read/write buffer of the local copy loop: big enough for few syscalls, small enough to never matter.
COPY_BUFFER = MIB


class StorageUnavailable(Exception):
    """The store cannot be reached or refused the operation (the API answers 503)."""


class BlobMissing(Exception):
    """No object under that key."""


def check_key(key: str) -> str:
    """Refuse anything but 64 lowercase hex digits, so a key can never name a path outside the store."""
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise ValueError(f"storage key must be 64 lowercase hex digits (a sha-256), not {key!r}")
    return key


def _check_range(start: int, end: int | None, chunk_size: int) -> None:
    if start < 0 or (end is not None and end < start):
        raise ValueError(f"byte range {start}-{'' if end is None else end} is not a valid range")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")


def _check_source(path: pathlib.Path, size: int) -> None:
    """The caller's temp file must be a regular file of the size it announced (it hashed exactly those bytes)."""
    info = os.stat(path)
    if not stat_module.S_ISREG(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "not a regular file", str(path))
    if info.st_size != size:
        raise ValueError(f"{path} has {info.st_size} bytes, not the announced {size}")


def _reraise(translated: BaseException, original: BaseException) -> NoReturn:
    """Raise the translation of ``original`` chained to it, or ``original`` itself when nothing maps it."""
    if translated is original:
        raise original
    raise translated from original


class _Chunks(Iterator[bytes]):
    """Bytes read lazily from an already-open handle, at most ``chunk_size`` at a time.

    A class rather than a generator so that opening (and so :class:`BlobMissing`) happens when
    ``open_chunks`` is called, before the response starts, and so ``close()`` releases the handle even if
    iteration never started (WSGI servers call ``close()`` on the response iterable).
    """

    def __init__(self, handle: Any, remaining: int, chunk_size: int,
                 translate: Callable[[Exception], Exception]) -> None:
        self._handle = handle
        self._remaining = remaining
        self._chunk_size = chunk_size
        self._translate = translate

    def __iter__(self) -> _Chunks:
        return self

    def __next__(self) -> bytes:
        if self._remaining <= 0:
            self.close()
            raise StopIteration
        try:
            chunk = self._handle.read(min(self._chunk_size, self._remaining))
        except Exception as exc:
            self.close()
            _reraise(self._translate(exc), exc)
        if not chunk:
            self.close()
            raise StorageUnavailable(f"object ended {self._remaining} bytes early")
        self._remaining -= len(chunk)
        return chunk

    def close(self) -> None:
        handle, self._handle = self._handle, None
        self._remaining = 0
        if handle is not None:
            handle.close()


@runtime_checkable
class Storage(Protocol):
    """What the documents module needs from a store; see the module docstring for the guarantees."""

    name: str  # "local" | "s3"

    def put_file(self, key: str, path: pathlib.Path, *, size: int, content_type: str) -> None:
        """Store the (already complete, already hashed) local temp file under key; visible only once complete.

        Idempotent: if key exists with the same size, do nothing (same hash, same bytes). Raises OSError if the
        source cannot be read, ValueError if its size is not ``size``, StorageUnavailable if the store fails.
        """
        ...

    def open_chunks(self, key: str, *, start: int = 0, end: int | None = None,
                    chunk_size: int = 1 << 16) -> Iterator[bytes]:
        """Stream bytes [start, end] inclusive (end None or past the end = to the end), in chunks.

        Never holds the whole object in memory. BlobMissing is raised by the call, not during iteration.
        A start past the last byte is ValueError (the API answers 416), except start 0 of an empty object.
        """
        ...

    def local_path(self, key: str) -> pathlib.Path | None:
        """The file on disk (local backend) so the web server can send it efficiently; None for S3.

        Local raises BlobMissing for an absent key (None would read as "stream it instead").
        """
        ...

    def stat(self, key: str) -> int | None:
        """Size in bytes, or None if absent."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; an absent key is not an error (a retried cleanup must not fail)."""
        ...

    def keys(self) -> Iterator[str]:
        """Every stored key (for the integrity checker and backup)."""
        ...

    def check(self) -> None:
        """Raise StorageUnavailable if the store cannot be used now (health check)."""
        ...


# --------------------------------------------------------------------------------------------------- local


def _copy(source: io.BufferedReader, fd: int) -> int:
    """Copy ``source`` into the open descriptor with a fixed buffer; returns the bytes copied.

    Read errors are the caller's file and propagate as they are; write errors are the store's
    (disk full, read-only mount) and become StorageUnavailable.
    """
    buffer = bytearray(COPY_BUFFER)
    view = memoryview(buffer)
    total = 0
    while True:
        count = source.readinto(view)
        if not count:
            return total
        written = 0
        while written < count:
            try:
                written += os.write(fd, view[written:count])
            except OSError as exc:
                raise StorageUnavailable(f"cannot write to the document store: {exc}") from exc
        total += count


def _store_step(step: Callable[..., Any], *arguments: Any) -> Any:
    """Run one filesystem step of a write; its OSError is the store's fault, so StorageUnavailable."""
    try:
        return step(*arguments)
    except OSError as exc:
        raise StorageUnavailable(f"cannot write to the document store: {exc}") from exc


def _fsync_dir(directory: pathlib.Path) -> None:
    """Make a rename or a new entry in ``directory`` survive a power cut (POSIX needs the directory synced)."""
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalStorage:
    """Objects as files under ``root``, laid out ``root/ab/cd/<key>`` so no directory grows to millions of entries.

    Writes go to a hidden temp name in the object's own directory (same filesystem, so ``os.replace`` is an
    atomic rename), are fsynced, then renamed: a crash leaves at most a ``.*.tmp`` file that :meth:`keys` ignores.
    Files are created 0o640 (less the umask): personal data, readable by a web server in the group.
    """

    name = "local"

    def __init__(self, root: pathlib.Path | str) -> None:
        self.root = pathlib.Path(root)

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def path_for(self, key: str) -> pathlib.Path:
        """Where the object of ``key`` is (or would be); ValueError for a key that is not a sha-256 hex."""
        check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def put_file(self, key: str, path: pathlib.Path, *, size: int, content_type: str) -> None:
        """Copy the temp file in atomically (temp name, fsync, ``os.replace``); ``content_type`` is not stored."""
        target = self.path_for(key)
        if self.stat(key) == size:
            return
        _check_source(path, size)
        with open(path, "rb") as source:
            directory = target.parent
            try:
                self._make_dirs(directory)
                temp = directory / f".{key}.{secrets.token_hex(8)}.tmp"
                fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o640)
            except OSError as exc:
                raise StorageUnavailable(f"cannot write to the document store: {exc}") from exc
            try:
                try:
                    copied = _copy(source, fd)
                    if copied != size:
                        raise ValueError(f"{path} changed while it was stored: {copied} bytes, not {size}")
                    _store_step(os.fsync, fd)
                finally:
                    _store_step(os.close, fd)
                _store_step(os.replace, temp, target)
            except BaseException:
                with contextlib.suppress(OSError):  # never mask the failure that got us here
                    temp.unlink(missing_ok=True)
                raise
        try:
            _fsync_dir(directory)
        except OSError as exc:
            raise StorageUnavailable(f"cannot sync the document store: {exc}") from exc

    def _make_dirs(self, directory: pathlib.Path) -> None:
        """Create the fan-out directories, syncing each parent that gained an entry (durability of the path)."""
        missing = []
        current = directory
        while not current.is_dir():
            missing.append(current)
            if current == self.root or current.parent == current:
                break
            current = current.parent
        for new in reversed(missing):
            try:
                new.mkdir()
            except FileExistsError:  # a concurrent put of a key with the same first bytes made it
                continue
            _fsync_dir(new.parent)

    def open_chunks(self, key: str, *, start: int = 0, end: int | None = None,
                    chunk_size: int = 1 << 16) -> Iterator[bytes]:
        _check_range(start, end, chunk_size)
        path = self.path_for(key)
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed by the returned iterator
        except FileNotFoundError:
            raise BlobMissing(key) from None
        except OSError as exc:
            raise StorageUnavailable(f"cannot read from the document store: {exc}") from exc
        try:
            size = os.fstat(handle.fileno()).st_size
            last = size - 1 if end is None else min(end, size - 1)
            if start >= size and not (start == 0 and end is None):
                raise ValueError(f"byte range starts at {start}, past the end of a {size}-byte object")
            handle.seek(start)
        except BaseException:
            handle.close()
            raise
        return _Chunks(handle, last - start + 1, chunk_size, self._read_error)

    @staticmethod
    def _read_error(exc: Exception) -> Exception:
        if isinstance(exc, OSError):
            return StorageUnavailable(f"cannot read from the document store: {exc}")
        return exc

    def local_path(self, key: str) -> pathlib.Path | None:
        """The object's file, for ``send_file``; BlobMissing if there is none (rather than None, which means S3)."""
        path = self.path_for(key)
        if not path.is_file():
            raise BlobMissing(key)
        return path

    def stat(self, key: str) -> int | None:
        path = self.path_for(key)
        try:
            return path.stat().st_size
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StorageUnavailable(f"cannot read from the document store: {exc}") from exc

    def delete(self, key: str) -> None:
        """Unlink the file; the fan-out directories stay (removing them would race a concurrent put into them)."""
        try:
            self.path_for(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageUnavailable(f"cannot delete from the document store: {exc}") from exc

    def keys(self) -> Iterator[str]:
        """Keys of complete objects only: temp files and anything not laid out ``ab/cd/<key>`` are skipped."""
        if not self.root.is_dir():
            return
        try:
            for first in sorted(os.scandir(self.root), key=lambda e: e.name):
                if len(first.name) != 2 or not first.is_dir(follow_symlinks=False):
                    continue
                for second in sorted(os.scandir(first.path), key=lambda e: e.name):
                    if len(second.name) != 2 or not second.is_dir(follow_symlinks=False):
                        continue
                    prefix = first.name + second.name
                    for entry in sorted(os.scandir(second.path), key=lambda e: e.name):
                        if (KEY_PATTERN.fullmatch(entry.name) and entry.name.startswith(prefix)
                                and entry.is_file(follow_symlinks=False)):
                            yield entry.name
        except OSError as exc:
            raise StorageUnavailable(f"cannot list the document store: {exc}") from exc

    def check(self) -> None:
        """Create the root if needed and prove it writable with a probe file (a full or read-only disk fails)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f".check.{secrets.token_hex(8)}.tmp"
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, b"ok")
            finally:
                os.close(fd)
                probe.unlink(missing_ok=True)
        except OSError as exc:
            raise StorageUnavailable(f"document store {self.root} is not usable: {exc}") from exc


# ------------------------------------------------------------------------------------------------------ s3


class S3Storage:
    """Objects in an S3 (or S3-compatible: MinIO, Ceph…) bucket as ``<prefix><key>``.

    Short timeouts and a single retry so that a dead endpoint costs a request seconds, not minutes, and becomes
    StorageUnavailable. ``upload_file`` switches to multipart above ``multipart_threshold``; S3 shows an object
    only when its upload completes, so nothing partial is ever visible. boto3 aborts a failed multipart upload;
    when the abort cannot reach S3 either, the parts linger (invisible, but billed) until the bucket's lifecycle
    rule ``AbortIncompleteMultipartUpload`` removes them: deployments must configure one. Memory stays bounded: parts are read from disk as they are sent, downloads are streamed.
    Checksums are only sent/validated when an operation requires them (botocore's newer default breaks many
    S3-compatible stores; the content address already lets the integrity checker verify every byte).
    """

    name = "s3"

    def __init__(self, bucket: str, *, prefix: str = "", endpoint_url: str | None = None,
                 region: str = "us-east-1", access_key: str | None = None, secret_key: str | None = None,
                 connect_timeout: float = 5, read_timeout: float = 5,
                 multipart_threshold: int = 8 * MIB, multipart_chunksize: int = 8 * MIB,
                 max_concurrency: int = 4) -> None:
        import boto3.session
        from boto3.s3.transfer import TransferConfig
        from botocore.config import Config

        self.bucket = bucket
        prefix = prefix.strip("/")
        self.prefix = f"{prefix}/" if prefix else ""
        self.endpoint_url = endpoint_url
        config = Config(
            region_name=region, connect_timeout=connect_timeout, read_timeout=read_timeout,
            retries={"max_attempts": 2, "mode": "standard"}, s3={"addressing_style": "path"},
            request_checksum_calculation="when_required", response_checksum_validation="when_required",
        )
        # a session of our own: boto3's default session is shared module state and is not thread-safe
        session = boto3.session.Session(aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                                        region_name=region)
        #: the boto3 client (thread-safe); public for operations tooling and tests
        self.client = session.client("s3", endpoint_url=endpoint_url, config=config)
        self.transfer_config = TransferConfig(
            multipart_threshold=multipart_threshold, multipart_chunksize=multipart_chunksize,
            max_concurrency=max_concurrency, use_threads=True, preferred_transfer_client="classic",
        )

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r}, prefix={self.prefix!r}, endpoint_url={self.endpoint_url!r})"

    def object_key(self, key: str) -> str:
        """The S3 object name of ``key``; ValueError for a key that is not a sha-256 hex (same contract as local)."""
        return self.prefix + check_key(key)

    def _error(self, exc: Exception, key: str | None = None) -> Exception:
        """Map a boto3/botocore failure to this module's exceptions (anything else is returned unchanged)."""
        from boto3.exceptions import S3UploadFailedError
        from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if key is not None and code != "NoSuchBucket" and (code in ("NoSuchKey", "404", "NotFound")
                                                               or status == 404):
                return BlobMissing(key)
            if code == "InvalidRange" or status == 416:
                return ValueError(f"byte range not satisfiable for {key}")
            return StorageUnavailable(f"S3 refused the operation: {code or status} {error.get('Message', '')}".strip())
        if isinstance(exc, S3UploadFailedError):
            return StorageUnavailable(f"S3 upload failed: {exc}")
        if isinstance(exc, BotoCoreError) and not isinstance(exc, ParamValidationError):
            return StorageUnavailable(f"S3 is not reachable: {exc}")
        return exc

    def put_file(self, key: str, path: pathlib.Path, *, size: int, content_type: str) -> None:
        object_key = self.object_key(key)
        if self.stat(key) == size:
            return
        _check_source(path, size)
        try:
            self.client.upload_file(str(path), self.bucket, object_key, ExtraArgs={"ContentType": content_type},
                                    Config=self.transfer_config)
        except Exception as exc:
            _reraise(self._error(exc), exc)

    def open_chunks(self, key: str, *, start: int = 0, end: int | None = None,
                    chunk_size: int = 1 << 16) -> Iterator[bytes]:
        _check_range(start, end, chunk_size)
        arguments: dict[str, Any] = {"Bucket": self.bucket, "Key": self.object_key(key)}
        ranged = not (start == 0 and end is None)  # a Range on an empty object is a 416: ask for it whole
        if ranged:
            arguments["Range"] = f"bytes={start}-{'' if end is None else end}"
        try:
            response = self.client.get_object(**arguments)
        except Exception as exc:
            _reraise(self._error(exc, key), exc)
        body = response["Body"]
        if ranged and not response.get("ContentRange"):
            body.close()
            raise StorageUnavailable("S3 endpoint ignored the Range header")
        return _Chunks(body, int(response["ContentLength"]), chunk_size, self._error)

    def local_path(self, key: str) -> pathlib.Path | None:
        self.object_key(key)
        return None

    def stat(self, key: str) -> int | None:
        try:
            response = self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except Exception as exc:
            error = self._error(exc, key)
            if isinstance(error, BlobMissing):
                return None
            _reraise(error, exc)
        return int(response["ContentLength"])

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))
        except Exception as exc:
            error = self._error(exc, key)
            if isinstance(error, BlobMissing):
                return
            _reraise(error, exc)

    def keys(self) -> Iterator[str]:
        """Keys under the prefix, page by page; other objects sharing the prefix are skipped."""
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
                for item in page.get("Contents", ()):
                    name = item["Key"][len(self.prefix):]
                    if KEY_PATTERN.fullmatch(name):
                        yield name
        except Exception as exc:
            _reraise(self._error(exc), exc)

    def check(self) -> None:
        """HEAD the bucket: proves endpoint, credentials and bucket in one cheap request."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            error = self._error(exc)
            if not isinstance(error, StorageUnavailable):
                error = StorageUnavailable(f"S3 bucket {self.bucket!r} is not usable: {exc}")
            raise error from exc


# -------------------------------------------------------------------------------------------------- settings

_BUCKET_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,254}")
_REGION_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def _text(settings: Mapping[str, Any], name: str) -> str | None:
    """A text setting, ``None`` when unset or blank; ValueError naming it when it is not text."""
    value = settings.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{name}: {value!r} is not text")
    return value.strip() or None


def storage_from_settings(settings: Mapping[str, Any], *, instance_path: pathlib.Path) -> Storage:
    """Build the configured store; refuse a bad setting with ValueError naming it (called when the app is created).

    ``DOCUMENT_STORAGE`` = ``local`` (default; ``DOCUMENT_STORAGE_ROOT``, an absolute path, else
    ``<instance>/documents``) or ``s3`` (``DOCUMENT_S3_BUCKET`` required, ``DOCUMENT_S3_PREFIX`` default ``''``,
    ``DOCUMENT_S3_ENDPOINT_URL`` (http(s) URL; unset = AWS), ``DOCUMENT_S3_REGION`` default ``us-east-1``,
    ``DOCUMENT_S3_ACCESS_KEY`` with ``DOCUMENT_S3_SECRET_KEY``, both or neither: neither = boto3's default
    credential chain). Nothing is contacted or created here: :meth:`Storage.check` is the health check.
    """
    kind = (_text(settings, "DOCUMENT_STORAGE") or "local").lower()
    if kind == "local":
        root: Any = settings.get("DOCUMENT_STORAGE_ROOT")
        if root is None or (isinstance(root, str) and not root.strip()):
            root = pathlib.Path(instance_path) / "documents"
        if not isinstance(root, (str, os.PathLike)):
            raise ValueError(f"DOCUMENT_STORAGE_ROOT: {root!r} is not a path")
        root = pathlib.Path(root).expanduser()
        if not root.is_absolute():  # relative to what? gunicorn's and the CLI's working directories differ
            raise ValueError(f"DOCUMENT_STORAGE_ROOT: {str(root)!r} is not an absolute path")
        if root.exists() and not root.is_dir():
            raise ValueError(f"DOCUMENT_STORAGE_ROOT: {str(root)!r} exists and is not a directory")
        return LocalStorage(root)
    if kind != "s3":
        raise ValueError(f"DOCUMENT_STORAGE: {settings.get('DOCUMENT_STORAGE')!r} is neither 'local' nor 's3'")

    bucket = _text(settings, "DOCUMENT_S3_BUCKET")
    if bucket is None:
        raise ValueError("DOCUMENT_S3_BUCKET: required when DOCUMENT_STORAGE is 's3'")
    if not _BUCKET_PATTERN.fullmatch(bucket):
        raise ValueError(f"DOCUMENT_S3_BUCKET: {bucket!r} is not a bucket name")
    prefix = _text(settings, "DOCUMENT_S3_PREFIX") or ""
    endpoint_url = _text(settings, "DOCUMENT_S3_ENDPOINT_URL")
    if endpoint_url is not None:
        parts = urlsplit(endpoint_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"DOCUMENT_S3_ENDPOINT_URL: {endpoint_url!r} is not an http(s) URL")
    region = _text(settings, "DOCUMENT_S3_REGION") or "us-east-1"
    if not _REGION_PATTERN.fullmatch(region):
        raise ValueError(f"DOCUMENT_S3_REGION: {region!r} is not a region name")
    access_key = _text(settings, "DOCUMENT_S3_ACCESS_KEY")
    secret_key = _text(settings, "DOCUMENT_S3_SECRET_KEY")
    if (access_key is None) != (secret_key is None):
        missing = "DOCUMENT_S3_SECRET_KEY" if secret_key is None else "DOCUMENT_S3_ACCESS_KEY"
        raise ValueError(f"{missing}: required with the other key (give both, or neither for the default chain)")
    try:
        import boto3  # noqa: F401 - only the s3 backend needs it, so a local deployment runs without it
    except ImportError:
        raise ValueError("DOCUMENT_STORAGE: 's3' needs the boto3 package, which is not installed") from None
    return S3Storage(bucket, prefix=prefix, endpoint_url=endpoint_url, region=region,
                     access_key=access_key, secret_key=secret_key)
