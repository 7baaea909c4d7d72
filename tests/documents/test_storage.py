"""The document store's contract, run against both backends: local (on ``tmp_path``) and S3 (a real moto server,
one per module, in a child process — see ``s3_server``). Each S3 test gets its own key prefix in the bucket.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import pathlib
import socket
import sys
import threading
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from app.documents import storage as storage_module
from app.documents.storage import (
    BlobMissing,
    LocalStorage,
    S3Storage,
    Storage,
    StorageUnavailable,
    storage_from_settings,
)
from tests.documents.s3_server import ACCESS_KEY, SECRET_KEY, running_s3, s3_storage

MIB = 1 << 20
DATA = bytes(range(256)) * 40 + b"tail"  # 10244 bytes, every offset recognisable


@pytest.fixture(scope="module")
def s3_server() -> Iterator[tuple[str, S3Storage]]:
    with running_s3() as running:
        yield running


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "store")
    endpoint_url, base = request.getfixturevalue("s3_server")  # local-only runs start no server
    return s3_storage(endpoint_url, base.bucket, prefix=f"t-{uuid.uuid4().hex}")


def source(tmp_path: pathlib.Path, data: bytes) -> tuple[str, pathlib.Path]:
    """A complete temp file and its content address, as the upload endpoint hands them over."""
    path = tmp_path / f"upload-{uuid.uuid4().hex}"
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest(), path


def put(store: Storage, tmp_path: pathlib.Path, data: bytes) -> str:
    key, path = source(tmp_path, data)
    store.put_file(key, path, size=len(data), content_type="application/pdf")
    return key


def read(store: Storage, key: str, **kwargs: Any) -> bytes:
    return b"".join(store.open_chunks(key, **kwargs))


def closed_port() -> int:
    """A port nothing listens on (bound then released: connecting to it is refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ------------------------------------------------------------------------------------------ the contract


def test_is_a_storage(store: Storage) -> None:
    assert isinstance(store, Storage)
    assert store.name in ("local", "s3")


def test_put_then_stat_and_read_whole(store: Storage, tmp_path: pathlib.Path) -> None:
    key = hashlib.sha256(DATA).hexdigest()
    assert store.stat(key) is None
    assert put(store, tmp_path, DATA) == key
    assert store.stat(key) == len(DATA)
    chunks = list(store.open_chunks(key, chunk_size=1000))
    assert b"".join(chunks) == DATA
    assert all(len(chunk) <= 1000 for chunk in chunks) and len(chunks) >= 11


@pytest.mark.parametrize(("start", "end"), [
    (0, 0),                      # first byte
    (len(DATA) - 1, len(DATA) - 1),  # last byte
    (300, 4999),                 # middle
    (300, None),                 # to the end
    (0, None),                   # whole
    (10_000, 99_999),            # end past the object: to the end, as HTTP ranges do
])
def test_ranges(store: Storage, tmp_path: pathlib.Path, start: int, end: int | None) -> None:
    key = put(store, tmp_path, DATA)
    expected = DATA[start:None if end is None else end + 1]
    assert read(store, key, start=start, end=end, chunk_size=777) == expected


@pytest.mark.parametrize(("start", "end"), [(len(DATA), None), (len(DATA) + 5, len(DATA) + 9), (5, 4), (-1, 3)])
def test_unsatisfiable_or_invalid_range_is_refused(store: Storage, tmp_path: pathlib.Path, start: int,
                                                   end: int | None) -> None:
    key = put(store, tmp_path, DATA)
    with pytest.raises(ValueError):
        store.open_chunks(key, start=start, end=end)


def test_empty_object(store: Storage, tmp_path: pathlib.Path) -> None:
    key = put(store, tmp_path, b"")
    assert store.stat(key) == 0
    assert read(store, key) == b""
    assert list(store.keys()) == [key]


def test_closing_the_stream_early(store: Storage, tmp_path: pathlib.Path) -> None:
    key = put(store, tmp_path, DATA)
    chunks = store.open_chunks(key, chunk_size=100)
    assert next(chunks) == DATA[:100]
    chunks.close()  # type: ignore[attr-defined]  # what a WSGI server does when the client goes away
    assert list(chunks) == []


def test_put_is_idempotent(store: Storage, tmp_path: pathlib.Path) -> None:
    key, path = source(tmp_path, DATA)
    store.put_file(key, path, size=len(DATA), content_type="application/pdf")
    path.unlink()  # the second put of the same content must not even read its source
    store.put_file(key, path, size=len(DATA), content_type="application/pdf")
    assert read(store, key) == DATA
    assert list(store.keys()) == [key]


def test_keys_lists_every_stored_key(store: Storage, tmp_path: pathlib.Path) -> None:
    assert list(store.keys()) == []
    stored = {put(store, tmp_path, DATA + bytes([n])) for n in range(5)}
    assert sorted(store.keys()) == sorted(stored)


def test_delete(store: Storage, tmp_path: pathlib.Path) -> None:
    key = put(store, tmp_path, DATA)
    other = put(store, tmp_path, DATA + b"!")
    store.delete(key)
    assert store.stat(key) is None
    assert list(store.keys()) == [other]
    with pytest.raises(BlobMissing):
        store.open_chunks(key)
    store.delete(key)  # again: not an error
    assert read(store, other) == DATA + b"!"


def test_absent_key(store: Storage) -> None:
    key = hashlib.sha256(b"never stored").hexdigest()
    assert store.stat(key) is None
    with pytest.raises(BlobMissing):
        store.open_chunks(key)  # raised by the call, before any byte is sent: the API can still answer 404
    with pytest.raises(BlobMissing):
        store.open_chunks(key, start=3, end=10)
    store.delete(key)


def test_local_path(store: Storage, tmp_path: pathlib.Path) -> None:
    key = put(store, tmp_path, DATA)
    path = store.local_path(key)
    if store.name == "s3":
        assert path is None
        return
    assert path is not None and path.read_bytes() == DATA
    with pytest.raises(BlobMissing):
        store.local_path(hashlib.sha256(b"never stored").hexdigest())


@pytest.mark.parametrize("key", [
    "../../etc/passwd",
    "../" + "a" * 61,
    hashlib.sha256(DATA).hexdigest().upper(),  # uppercase hex
    hashlib.sha256(DATA).hexdigest()[:63],     # 63 characters
    hashlib.sha256(DATA).hexdigest() + "0",    # 65 characters
    "g" * 64,
    "",
])
def test_bad_key_is_refused(store: Storage, tmp_path: pathlib.Path, key: str) -> None:
    _, path = source(tmp_path, DATA)
    with pytest.raises(ValueError):
        store.put_file(key, path, size=len(DATA), content_type="application/pdf")
    for call in (store.stat, store.open_chunks, store.delete, store.local_path):
        with pytest.raises(ValueError):
            call(key)
    assert list(store.keys()) == []


def test_source_that_is_not_a_file_stores_nothing(store: Storage, tmp_path: pathlib.Path) -> None:
    key = hashlib.sha256(DATA).hexdigest()
    directory = tmp_path / "a-directory"
    directory.mkdir()
    with pytest.raises(IsADirectoryError):
        store.put_file(key, directory, size=len(DATA), content_type="application/pdf")
    with pytest.raises(FileNotFoundError):
        store.put_file(key, tmp_path / "gone", size=len(DATA), content_type="application/pdf")
    assert store.stat(key) is None
    assert list(store.keys()) == []


def test_source_of_another_size_is_refused(store: Storage, tmp_path: pathlib.Path) -> None:
    key, path = source(tmp_path, DATA)
    with pytest.raises(ValueError):
        store.put_file(key, path, size=len(DATA) + 1, content_type="application/pdf")
    assert store.stat(key) is None


def test_large_object_streams_in_bounded_memory(store: Storage, tmp_path: pathlib.Path) -> None:
    size = 20 * MIB
    path = tmp_path / "big"
    digest = hashlib.sha256()
    block = os.urandom(MIB)
    with open(path, "wb") as out:
        for n in range(size // MIB):
            piece = bytes([n]) + block[1:]
            out.write(piece)
            digest.update(piece)
    key = digest.hexdigest()

    tracemalloc.start()
    try:
        store.put_file(key, path, size=size, content_type="application/pdf")
        streamed = hashlib.sha256()
        total = 0
        for chunk in store.open_chunks(key):
            streamed.update(chunk)
            total += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == size and streamed.hexdigest() == key
    # bounded by buffers, not by the object (a 60 MiB object measures the same): local copies through one
    # 1 MiB buffer (~1 MB peak); S3 has up to 4 parts in flight, each holding 1-2 MiB while botocore hashes its
    # payload for SigV4 over plain http in 1 MiB blocks (4.5-6.6 MB measured): at most half the object
    bound = 2 * MIB if store.name == "local" else size // 2
    assert peak < bound, f"peak {peak} bytes for a {size}-byte object"
    if isinstance(store, S3Storage):  # 20 MiB > the 8 MiB threshold: three parts, and S3's ETag says so
        etag = store.client.head_object(Bucket=store.bucket, Key=store.object_key(key))["ETag"]
        assert etag.strip('"').endswith("-3")


def test_check(store: Storage) -> None:
    store.check()


# ------------------------------------------------------------------------------------- local specifics


def test_local_layout_and_keys_skip_other_files(tmp_path: pathlib.Path) -> None:
    store = LocalStorage(tmp_path / "store")
    key = put(store, tmp_path, DATA)
    assert (tmp_path / "store" / key[:2] / key[2:4] / key).read_bytes() == DATA
    leftover = tmp_path / "store" / key[:2] / key[2:4] / f".{key}.0123.tmp"  # what a crash mid-put leaves
    leftover.write_bytes(b"partial")
    (tmp_path / "store" / "README").write_text("not a key")
    misplaced = hashlib.sha256(b"x").hexdigest()
    (tmp_path / "store" / key[:2] / key[2:4] / misplaced).write_bytes(b"x")
    assert list(store.keys()) == [key]


def test_local_interrupted_copy_leaves_nothing(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalStorage(tmp_path / "store")
    real_copy = storage_module._copy

    def copy_half_then_fail(source: Any, fd: int) -> int:
        os.write(fd, source.read(len(DATA) // 2))
        raise OSError(5, "Input/output error")  # the temp file vanished / the disk went away mid-copy

    monkeypatch.setattr(storage_module, "_copy", copy_half_then_fail)
    key, path = source(tmp_path, DATA)
    with pytest.raises(OSError):
        store.put_file(key, path, size=len(DATA), content_type="application/pdf")
    assert store.stat(key) is None
    assert list(store.keys()) == []
    assert [p for p in (tmp_path / "store").rglob("*") if p.is_file()] == []  # no temp file either

    monkeypatch.setattr(storage_module, "_copy", real_copy)
    store.put_file(key, path, size=len(DATA), content_type="application/pdf")  # a retry succeeds
    assert read(store, key) == DATA


def test_local_check_fails_when_the_root_cannot_be_used(tmp_path: pathlib.Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(StorageUnavailable):
        LocalStorage(blocker / "store").check()
    key, path = source(tmp_path, DATA)
    with pytest.raises(StorageUnavailable):
        LocalStorage(blocker / "store").put_file(key, path, size=len(DATA), content_type="text/plain")


def test_local_check_creates_the_root(tmp_path: pathlib.Path) -> None:
    LocalStorage(tmp_path / "new" / "store").check()
    assert (tmp_path / "new" / "store").is_dir()
    assert list((tmp_path / "new" / "store").iterdir()) == []


# ---------------------------------------------------------------------------------------- s3 specifics


class CuttingProxy:
    """A TCP relay to the real server that breaks every connection once ``budget`` request bytes went through,
    and refuses new ones after: the network failing in the middle of an upload (no mock of boto3)."""

    def __init__(self, upstream_port: int, budget: int) -> None:
        self.upstream_port = upstream_port
        self.budget = budget
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            except OSError:
                return
            with self.lock:
                self.sockets += [client, upstream]
            for args in ((client, upstream, True), (upstream, client, False)):
                thread = threading.Thread(target=self._pump, args=args, daemon=True)
                self.threads.append(thread)
                thread.start()

    def _pump(self, src: socket.socket, dst: socket.socket, counted: bool) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(1 << 16):
                if counted:
                    with self.lock:
                        self.budget -= len(data)
                        exhausted = self.budget <= 0
                    if exhausted:
                        self.cut()
                        return
                dst.sendall(data)
            dst.shutdown(socket.SHUT_WR)

    def cut(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        with self.lock:
            sockets, self.sockets = self.sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def test_s3_upload_cut_mid_way_leaves_nothing_visible(s3_server: tuple[str, S3Storage],
                                                      tmp_path: pathlib.Path) -> None:
    endpoint_url, direct = s3_server
    proxy = CuttingProxy(int(endpoint_url.rsplit(":", 1)[1]), budget=7 * MIB)
    prefix = f"t-{uuid.uuid4().hex}"
    through_proxy = s3_storage(f"http://127.0.0.1:{proxy.port}", direct.bucket, prefix=prefix,
                               multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB, max_concurrency=1)
    data = os.urandom(MIB) * 12  # parts of 5, 5 and 2 MiB: the cut falls in the second part
    key, path = source(tmp_path, data)
    try:
        with pytest.raises(StorageUnavailable):
            through_proxy.put_file(key, path, size=len(data), content_type="application/pdf")
    finally:
        proxy.cut()
    seen = s3_storage(endpoint_url, direct.bucket, prefix=prefix)
    assert seen.stat(key) is None
    assert list(seen.keys()) == []
    # the abort could not reach S3 either: the parts of the first upload linger, invisible, until a bucket
    # lifecycle rule (AbortIncompleteMultipartUpload) removes them — deployments must configure one
    uploads = direct.client.list_multipart_uploads(Bucket=direct.bucket, Prefix=seen.prefix).get("Uploads", [])
    assert [upload["Key"] for upload in uploads] == [seen.object_key(key)]
    for upload in uploads:
        direct.client.abort_multipart_upload(Bucket=direct.bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    seen.put_file(key, path, size=len(data), content_type="application/pdf")  # a retry succeeds
    assert seen.stat(key) == len(data)


def test_s3_dead_endpoint_fails_fast() -> None:
    dead = s3_storage(f"http://127.0.0.1:{closed_port()}", "motcua-test")
    key = hashlib.sha256(DATA).hexdigest()
    began = time.monotonic()
    with pytest.raises(StorageUnavailable):
        dead.check()
    with pytest.raises(StorageUnavailable):
        dead.stat(key)
    with pytest.raises(StorageUnavailable):
        dead.open_chunks(key)
    with pytest.raises(StorageUnavailable):
        list(dead.keys())
    with pytest.raises(StorageUnavailable):
        dead.delete(key)
    assert time.monotonic() - began < 15  # a hang detector, not a timing test


def test_s3_missing_bucket_is_unavailable(s3_server: tuple[str, S3Storage], tmp_path: pathlib.Path) -> None:
    endpoint_url, _ = s3_server
    nowhere = s3_storage(endpoint_url, "no-such-bucket")
    with pytest.raises(StorageUnavailable):
        nowhere.check()
    key, path = source(tmp_path, DATA)
    with pytest.raises(StorageUnavailable):
        nowhere.put_file(key, path, size=len(DATA), content_type="application/pdf")


def test_s3_without_credentials_is_unavailable(s3_server: tuple[str, S3Storage], tmp_path: pathlib.Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint_url, base = s3_server
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    anonymous = S3Storage(base.bucket, endpoint_url=endpoint_url)  # the default credential chain finds nothing
    with pytest.raises(StorageUnavailable):
        anonymous.check()
    with pytest.raises(StorageUnavailable):
        anonymous.stat(hashlib.sha256(DATA).hexdigest())


def test_s3_stores_the_content_type_under_the_prefix(s3_server: tuple[str, S3Storage],
                                                     tmp_path: pathlib.Path) -> None:
    endpoint_url, base = s3_server
    store = s3_storage(endpoint_url, base.bucket, prefix="/docs/2026/")
    assert store.prefix == "docs/2026/"
    key = put(store, tmp_path, DATA)
    head = base.client.head_object(Bucket=base.bucket, Key=f"docs/2026/{key}")
    assert head["ContentType"] == "application/pdf" and head["ContentLength"] == len(DATA)
    base.client.put_object(Bucket=base.bucket, Key="docs/2026/not-a-key.txt", Body=b"x")
    assert list(store.keys()) == [key]


# ------------------------------------------------------------------------------------------- settings


def test_settings_default_is_local_in_the_instance_folder(tmp_path: pathlib.Path) -> None:
    store = storage_from_settings({}, instance_path=tmp_path)
    assert isinstance(store, LocalStorage) and store.root == tmp_path / "documents"
    assert not (tmp_path / "documents").exists()  # nothing is created at startup
    blank = storage_from_settings({"DOCUMENT_STORAGE": "", "DOCUMENT_STORAGE_ROOT": ""}, instance_path=tmp_path)
    assert isinstance(blank, LocalStorage) and blank.root == tmp_path / "documents"


def test_settings_local_root(tmp_path: pathlib.Path) -> None:
    for root in (str(tmp_path / "files"), tmp_path / "files"):
        store = storage_from_settings({"DOCUMENT_STORAGE": "local", "DOCUMENT_STORAGE_ROOT": root},
                                      instance_path=tmp_path / "instance")
        assert isinstance(store, LocalStorage) and store.root == tmp_path / "files"


def test_settings_s3_minimal() -> None:
    store = storage_from_settings({"DOCUMENT_STORAGE": "s3", "DOCUMENT_S3_BUCKET": "motcua-docs"},
                                  instance_path=pathlib.Path("/unused"))
    assert isinstance(store, S3Storage)
    assert (store.bucket, store.prefix, store.endpoint_url) == ("motcua-docs", "", None)
    assert store.client.meta.region_name == "us-east-1"


def test_settings_s3_full_works_against_the_server(s3_server: tuple[str, S3Storage],
                                                   tmp_path: pathlib.Path) -> None:
    endpoint_url, base = s3_server
    store = storage_from_settings({
        "DOCUMENT_STORAGE": "S3", "DOCUMENT_S3_BUCKET": base.bucket, "DOCUMENT_S3_PREFIX": "from-settings",
        "DOCUMENT_S3_ENDPOINT_URL": endpoint_url, "DOCUMENT_S3_REGION": "ap-southeast-1",
        "DOCUMENT_S3_ACCESS_KEY": ACCESS_KEY, "DOCUMENT_S3_SECRET_KEY": SECRET_KEY,
    }, instance_path=tmp_path)
    assert isinstance(store, S3Storage) and store.prefix == "from-settings/"
    assert store.client.meta.region_name == "ap-southeast-1"
    store.check()
    key = put(store, tmp_path, DATA)
    assert read(store, key, start=1, end=2) == DATA[1:3]


@pytest.mark.parametrize(("settings", "named"), [
    ({"DOCUMENT_STORAGE": "ftp"}, "DOCUMENT_STORAGE"),
    ({"DOCUMENT_STORAGE": 1}, "DOCUMENT_STORAGE"),
    ({"DOCUMENT_STORAGE_ROOT": "relative/documents"}, "DOCUMENT_STORAGE_ROOT"),
    ({"DOCUMENT_STORAGE_ROOT": 42}, "DOCUMENT_STORAGE_ROOT"),
    ({"DOCUMENT_STORAGE_ROOT": "<a file>"}, "DOCUMENT_STORAGE_ROOT"),
    ({"DOCUMENT_STORAGE": "s3"}, "DOCUMENT_S3_BUCKET"),
    ({"DOCUMENT_STORAGE": "s3", "DOCUMENT_S3_BUCKET": "  "}, "DOCUMENT_S3_BUCKET"),
    ({"DOCUMENT_STORAGE": "s3", "DOCUMENT_S3_BUCKET": "a/b"}, "DOCUMENT_S3_BUCKET"),
    ({"DOCUMENT_STORAGE": "s3", "DOCUMENT_S3_BUCKET": "bk", "DOCUMENT_S3_PREFIX": 7}, "DOCUMENT_S3_PREFIX"),
    ({"DOCUMENT_STORAGE": "s3", "DOCUMENT_S3_BUCKET": "bk", "DOCUMENT_S3_ENDPOINT_URL": "minio:9000"},
     "DOCUMENT_S3_ENDPOINT_URL"),
    ({"DOCUMENT_STORAGE": "s3", "DOCUMENT_S3_BUCKET": "bk", "DOCUMENT_S3_ENDPOINT_URL": "ftp://minio"},
     "DOCUMENT_S3_ENDPOINT_URL"),
    ({"DOCUMENT_STORAGE": "s3", "DOCUMENT_S3_BUCKET": "bk", "DOCUMENT_S3_REGION": "Ha Noi"}, "DOCUMENT_S3_REGION"),
    ({"DOCUMENT_STORAGE": "s3", "DOCUMENT_S3_BUCKET": "bk", "DOCUMENT_S3_ACCESS_KEY": "k"},
     "DOCUMENT_S3_SECRET_KEY"),
    ({"DOCUMENT_STORAGE": "s3", "DOCUMENT_S3_BUCKET": "bk", "DOCUMENT_S3_SECRET_KEY": "s"},
     "DOCUMENT_S3_ACCESS_KEY"),
])
def test_settings_refused(tmp_path: pathlib.Path, settings: dict[str, Any], named: str) -> None:
    if settings.get("DOCUMENT_STORAGE_ROOT") == "<a file>":
        (tmp_path / "a-file").write_text("")
        settings = {"DOCUMENT_STORAGE_ROOT": str(tmp_path / "a-file")}
    with pytest.raises(ValueError, match=named):
        storage_from_settings(settings, instance_path=tmp_path)


def test_settings_s3_without_boto3_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # what "import boto3" meets where it is not installed
    with pytest.raises(ValueError, match="DOCUMENT_STORAGE"):
        storage_from_settings({"DOCUMENT_STORAGE": "s3", "DOCUMENT_S3_BUCKET": "motcua-docs"},
                              instance_path=pathlib.Path("/unused"))
