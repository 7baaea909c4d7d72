"""A real S3-API server for tests: moto's ``ThreadedMotoServer``, run in a child Python process.

Why a child process rather than a thread of the test process:

* memory tests (``tracemalloc``) measure the client only — moto keeps every object, and builds every GetObject
  response, in memory, which an in-process server would add to the peak;
* moto's backends are process-global state, and a warning raised in a server thread would meet pytest's
  ``filterwarnings = error`` and come back to the client as a 500; neither leaks into the test process;
* the child binds port 0 and reports the port the kernel chose, so there is no free-port race, and it exits
  when its stdin closes, so a killed test run leaves no server behind.

The client side passes the fake credentials (``test``/``test``) explicitly: no environment variable is set.
"""
from __future__ import annotations

import contextlib
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import IO, Any

from app.documents.storage import S3Storage

ACCESS_KEY = "test"
SECRET_KEY = "test"
REGION = "us-east-1"
START_TIMEOUT = 30.0

_SERVER = """
import logging, sys
logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request on stderr
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()  # serve until the parent closes stdin (or dies)
server.stop()
"""


def s3_storage(endpoint_url: str, bucket: str, **options: Any) -> S3Storage:
    """An ``S3Storage`` on the test server, with the fake credentials; ``options`` go to the constructor."""
    return S3Storage(bucket, endpoint_url=endpoint_url, region=REGION, access_key=ACCESS_KEY,
                     secret_key=SECRET_KEY, **options)


def _read_port(process: subprocess.Popen[bytes], log: IO[bytes]) -> int:
    assert process.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT
    line = b""
    while not line.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        readable, _, _ = select.select([process.stdout], [], [], max(remaining, 0))
        if not readable:
            break
        piece = process.stdout.read1(64)
        if not piece:
            break
        line += piece
    if not line.strip().isdigit():
        log.seek(0)
        raise RuntimeError(f"moto server did not start (exit code {process.poll()}): {log.read()[-2000:]!r}")
    return int(line)


def _stop(process: subprocess.Popen[bytes]) -> None:
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def running_s3(bucket: str = "motcua-test") -> Iterator[tuple[str, S3Storage]]:
    """Start the server, create ``bucket``, yield ``(endpoint_url, storage)``, stop the server on exit."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen([sys.executable, "-c", _SERVER], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=log)
        try:
            endpoint_url = f"http://127.0.0.1:{_read_port(process, log)}"
            storage = s3_storage(endpoint_url, bucket)
            storage.client.create_bucket(Bucket=bucket)
            yield endpoint_url, storage
        finally:
            _stop(process)
