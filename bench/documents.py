"""Documents benchmark: upload and download throughput of 1 MiB and 200 MiB PDFs on both storage backends, and
the serving worker's memory while a 200 MiB file goes through.

    .venv/bin/python bench/documents.py                        # local + S3 (moto), 10 x 1 MiB, 2 x 200 MiB
    .venv/bin/python bench/documents.py --backends local --large-runs 1
    .venv/bin/python bench/documents.py --small-runs 20 --large-mib 500 --verify

For each backend it starts its own gunicorn (1 sync worker, fresh SQLite database, migrated and bootstrapped
with the demo organisation; S3: moto's server in a child process, ``tests/documents/s3_server.running_s3``),
publishes the hand-drawn procedure ``tests/documents/data/cap_phep_thu_nghiem.bpmn`` with a component
``ban_scan`` (PDF, up to 250 MiB), receives a dossier as the clerk and uploads scans to it:
``POST /dossiers/{id}/components/ban_scan/documents`` (multipart, streamed from a temp file with a precomputed
Content-Length) and ``GET …/documents/{doc}/content`` (streamed, bytes discarded; ``Range: bytes=-1048576``
for the ranged read). Every file is a valid one-page PDF (one image XObject padded to size, correct xref)
with a random nonce, so the content-addressed store never deduplicates a run.

Figures: MiB/s per operation (1 MiB: median of the runs; the time includes the server's whole handling, i.e.
until the answer arrived), the ranged read's time, and the worker's RSS: idle (after a warm-up: a 1 MiB and a
16 MiB upload and download, so imports, pools and S3 multipart threads exist) and the peak during each
200 MiB upload and download (VmRSS sampled every 20 ms, and VmHWM reset through ``/proc/<pid>/clear_refs``
before the operation). Target: peak - idle <= 20 MiB ("TARGET MISSED" lines otherwise). Also the worker's
CPU seconds and bytes written to disk per operation (how many times an upload is copied). The exit code
is 0 whatever the figures (a measurement, not a test). Standard library only on the client (http.client).
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MIB = 1 << 20
KEY = "cap_phep_thu_nghiem"
BPMN = ROOT / "tests" / "documents" / "data" / f"{KEY}.bpmn"
DEMO_PASSWORD = "motcua-demo-2026"
ADMIN_PASSWORD = "bench-admin-pw-1"
CLERK = "na.hn.motcua"
BUCKET = "motcua-bench"
LANES = {"Lane_MC": "NA-HN-TTPVHCC-MC", "Lane_CV": "NA-HN-KTHTDT", "Lane_LD": "NA-HN-LD"}
APPLICANT = {"name": "Nguyễn Thị Hoa", "id_number": "040190001234", "phone": "0912345678",
             "address": "Xóm 3, xã Hưng Nguyên, Nghệ An"}
#: tests/documents/driver.py's components (the BPMN's ``produces`` name du_thao and giay_phep), and the scans.
COMPONENTS = [
    {"key": "don_de_nghi", "name": "Đơn đề nghị cấp giấy phép", "required": True, "file_kinds": ["pdf", "jpeg", "png"]},
    {"key": "ban_ve", "name": "Bản vẽ thiết kế", "copy_kind": "ban_sao", "copies": 2, "max_bytes": 4096},
    {"key": "du_thao", "name": "Dự thảo giấy phép", "file_kinds": ["docx", "pdf"]},
    {"key": "giay_phep", "name": "Giấy phép", "result": True, "signature_required": True, "file_kinds": ["pdf"]},
]
SCAN = "ban_scan"
SCAN_MAX_BYTES = 262144000  # 250 MiB
TARGET_MIB = 20.0
IO_BUFFER = MIB


# --- a PDF of a given size, written in chunks -------------------------------------------------------------

def write_pdf(path: Path, size: int, *, block: bytes) -> None:
    """A one-page PDF of exactly ``size`` bytes: a grey image XObject (``block`` repeated) padded to size.

    The nonce in the header comment makes each file's sha-256 its own. Never more than ``block`` in memory.
    """
    nonce = secrets.token_hex(16).encode()
    width = 1024

    def layout(data_len: int, pad: int) -> tuple[bytes, bytes]:
        head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n%bench " + nonce + b"\n%" + b"p" * pad + b"\n"
        objects = [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 5 0 R >> >>"
            b" /Contents 4 0 R >>",
        ]
        content = b"q 595 0 0 842 0 0 cm /Im0 Do Q"
        parts, offsets = [head], []
        for number, body in enumerate(objects, start=1):
            offsets.append(sum(map(len, parts)))
            parts.append(b"%d 0 obj\n%s\nendobj\n" % (number, body))
        offsets.append(sum(map(len, parts)))
        parts.append(b"4 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (len(content), content))
        offsets.append(sum(map(len, parts)))
        parts.append(b"5 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray"
                     b" /BitsPerComponent 8 /Length %d >>\nstream\n" % (width, data_len // width, data_len))
        prefix = b"".join(parts)
        xref_at = len(prefix) + data_len + len(b"\nendstream\nendobj\n")
        xref = b"xref\n0 6\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
        suffix = (b"\nendstream\nendobj\n" + xref + b"trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                  % xref_at)
        return prefix, suffix

    prefix, suffix = layout(0, 0)
    data_len = (size - len(prefix) - len(suffix) - 64) // width * width
    if data_len <= 0:
        raise ValueError(f"{size} bytes is too small for the bench PDF")
    for _ in range(8):  # the pad absorbs what the digits of the numbers change
        prefix, suffix = layout(data_len, 0)
        pad = size - len(prefix) - len(suffix) - data_len
        prefix, suffix = layout(data_len, pad)
        if len(prefix) + data_len + len(suffix) == size:
            break
    else:
        raise RuntimeError("could not lay the PDF out to its size")
    with open(path, "wb") as out:
        out.write(prefix)
        left = data_len
        while left:
            piece = block[:min(left, len(block))]
            out.write(piece)
            left -= len(piece)
        out.write(suffix)


# --- the worker process, seen from /proc ------------------------------------------------------------------

def _status_kib(pid: int, field_name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_mib(pid: int) -> float:
    return _status_kib(pid, "VmRSS") / 1024


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().split(") ")[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _io_bytes(pid: int) -> dict[str, int]:
    """``/proc/<pid>/io``: wchar/rchar (read()/write() syscalls, not socket send/recv) and write_bytes (what reached the block layer)."""
    try:
        return {k: int(v) for k, v in (line.split(": ") for line in Path(f"/proc/{pid}/io").read_text().splitlines())}
    except (OSError, ValueError):
        return {}


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError, ValueError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return sorted(found)


@dataclass
class Usage:
    """What the worker did during one operation."""

    seconds: float = 0.0
    idle_mib: float = 0.0
    peak_mib: float = 0.0
    samples: int = 0
    hwm_reset: bool = False
    cpu_s: float = 0.0
    wrote_mib: float = 0.0  # wchar: bytes passed to write() (files here; send() to a socket is not counted)
    disk_mib: float = 0.0   # write_bytes: bytes sent to the block device (files only; page cache may defer it)
    extra: dict = field(default_factory=dict)

    @property
    def delta(self) -> float:
        return self.peak_mib - self.idle_mib


class Watch:
    """Sample the worker's VmRSS every ``interval`` s in a thread while the block runs; VmHWM reset first.

    ``/proc/<pid>/clear_refs`` with 5 resets the peak RSS (VmHWM) so the peak between samples is seen too.
    """

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self.pid, self.interval = pid, interval
        self.usage = Usage()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.usage.peak_mib = max(self.usage.peak_mib, rss_mib(self.pid))
            self.usage.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> Usage:
        self.usage.idle_mib = rss_mib(self.pid)
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
            self.usage.hwm_reset = True
        except OSError:
            pass
        self._cpu0, self._io0 = _cpu_seconds(self.pid), _io_bytes(self.pid)
        self._t0 = time.perf_counter()
        self._thread.start()
        return self.usage

    def __exit__(self, *exc: object) -> None:
        self.usage.seconds = time.perf_counter() - self._t0
        self._stop.set()
        self._thread.join()
        self.usage.peak_mib = max(self.usage.peak_mib, rss_mib(self.pid))
        if self.usage.hwm_reset:
            self.usage.peak_mib = max(self.usage.peak_mib, _status_kib(self.pid, "VmHWM") / 1024)
        self.usage.cpu_s = _cpu_seconds(self.pid) - self._cpu0
        io1 = _io_bytes(self.pid)
        self.usage.wrote_mib = (io1.get("wchar", 0) - self._io0.get("wchar", 0)) / MIB
        self.usage.disk_mib = (io1.get("write_bytes", 0) - self._io0.get("write_bytes", 0)) / MIB


# --- HTTP -------------------------------------------------------------------------------------------------

class Api:
    def __init__(self, port: int) -> None:
        self.port = port

    def _conn(self, timeout: float = 600) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def call(self, method: str, path: str, body: dict | None = None, token: str | None = None, *,
             raw: bytes | None = None, content_type: str | None = None) -> tuple[int, object]:
        headers = {}
        data = raw
        if body is not None:
            data, content_type = json.dumps(body, ensure_ascii=False).encode(), "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn = self._conn(60)
        try:
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            payload = resp.read()
        finally:
            conn.close()
        try:
            return resp.status, (json.loads(payload) if payload else {})
        except ValueError:
            return resp.status, payload[:500]

    def token(self, username: str, password: str) -> str:
        status, body = self.call("POST", "/api/v1/auth/token", {"username": username, "password": password})
        if status != 200:
            raise SystemExit(f"login {username}: {status} {body}")
        return body["access_token"]

    def upload(self, path: str, file: Path, token: str, *, filename: str = "ban_scan.pdf") -> tuple[int, dict, float]:
        """Multipart ``file`` streamed from disk; returns status, answer, seconds spent after the last byte."""
        boundary = "bench" + secrets.token_hex(12)
        pre = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
               "Content-Type: application/pdf\r\n\r\n").encode()
        post = f"\r\n--{boundary}--\r\n".encode()
        size = file.stat().st_size
        conn = self._conn()
        try:
            conn.putrequest("POST", path)
            conn.putheader("Authorization", f"Bearer {token}")
            conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
            conn.putheader("Content-Length", str(len(pre) + size + len(post)))
            conn.endheaders()
            conn.send(pre)
            buffer = bytearray(IO_BUFFER)
            view = memoryview(buffer)
            with open(file, "rb", buffering=0) as source:
                while count := source.readinto(buffer):
                    conn.sock.sendall(view[:count])
            conn.send(post)
            sent = time.perf_counter()
            resp = conn.getresponse()
            payload = resp.read()
            tail = time.perf_counter() - sent
        finally:
            conn.close()
        try:
            answer = json.loads(payload) if payload else {}
        except ValueError:
            answer = {"raw": payload[:500].decode(errors="replace")}
        return resp.status, answer, tail

    def download(self, path: str, token: str, *, range_header: str | None = None,
                 verify: bool = False) -> tuple[int, int, str | None, str | None]:
        """Stream the answer into nothing; returns status, bytes read, ETag, and the sha-256 if ``verify``."""
        conn = self._conn()
        digest = hashlib.sha256() if verify else None
        try:
            headers = {"Authorization": f"Bearer {token}"}
            if range_header:
                headers["Range"] = range_header
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            buffer = bytearray(IO_BUFFER)
            view = memoryview(buffer)
            total = 0
            while count := resp.readinto(buffer):
                total += count
                if digest is not None:
                    digest.update(view[:count])
            etag = (resp.getheader("ETag") or "").strip('"') or None
        finally:
            conn.close()
        return resp.status, total, etag, digest.hexdigest() if digest else None


# --- a server of our own ----------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn, 1 sync worker, on a fresh SQLite database (migrated, bootstrapped) and a fresh document store."""

    def __init__(self, workdir: Path, backend: str, s3_endpoint: str | None, max_content_length: int | None,
                 timeout: int) -> None:
        self.dir = workdir
        self.port = _free_port()
        self.timeout = timeout
        (workdir / "tmp").mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "FLASK_APP": "app", "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3",
                    "SECRET_KEY": "bench-" + "x" * 48, "SCHEDULER_ENABLED": "false", "DEMO_PASSWORD": DEMO_PASSWORD,
                    "ADMIN_PASSWORD": ADMIN_PASSWORD, "LOG_LEVEL": "WARNING",
                    "DOCUMENT_STORAGE_ROOT": str(workdir / "documents"), "DOCUMENT_STAGING_DIR": str(workdir / "staging"),
                    # the worker's own temp files (werkzeug spools multipart parts there) stay in our directory
                    "TMPDIR": str(workdir / "tmp")}
        if max_content_length is not None:
            self.env["MAX_CONTENT_LENGTH"] = str(max_content_length)
        else:
            self.env.pop("MAX_CONTENT_LENGTH", None)
        if backend == "s3":
            self.env.update({"DOCUMENT_STORAGE": "s3", "DOCUMENT_S3_BUCKET": BUCKET, "DOCUMENT_S3_ENDPOINT_URL": s3_endpoint,
                             "DOCUMENT_S3_ACCESS_KEY": "test", "DOCUMENT_S3_SECRET_KEY": "test"})
        else:
            self.env["DOCUMENT_STORAGE"] = "local"
        self.proc: subprocess.Popen | None = None
        self.worker = 0

    def __enter__(self) -> Server:
        try:
            return self._start()
        except BaseException:  # Ctrl-C or a failure while starting: no gunicorn left behind
            self.__exit__()
            raise

    def _start(self) -> Server:
        flask = [sys.executable, "-m", "flask", "--app", "app"]
        for cmd in (["db", "upgrade"], ["bootstrap"]):
            done = subprocess.run(flask + cmd, cwd=ROOT, env=self.env, capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(f"flask {' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "1", "--threads", "1", "--timeout", str(self.timeout),
             "-b", f"127.0.0.1:{self.port}", "--log-level", "warning", "app:create_app()"],
            cwd=ROOT, env=self.env)
        api = Api(self.port)
        for _ in range(150):
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.proc.returncode}")
            try:
                if api.call("GET", "/api/v1/openapi.json")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not start")
        workers = children(self.proc.pid)
        if len(workers) != 1:
            raise SystemExit(f"expected one gunicorn worker, found {workers}")
        self.worker = workers[0]
        return self

    def check_worker(self) -> None:
        """The worker must be the one we measure: a restart (timeout, crash) is told, not hidden."""
        now = children(self.proc.pid) if self.proc else []
        if now != [self.worker]:
            print(f"  WARNING: gunicorn worker changed {self.worker} -> {now} (killed? see gunicorn's log above)")
            if len(now) == 1:
                self.worker = now[0]

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- the run ----------------------------------------------------------------------------------------------

@dataclass
class Op:
    """One transfer: seconds (whole request, until the answer is read) and the worker's usage."""

    seconds: float
    size: int
    usage: Usage

    @property
    def mib_s(self) -> float:
        return self.size / MIB / self.seconds


@dataclass
class Row:
    backend: str
    size: int
    uploads: list[Op] = field(default_factory=list)
    downloads: list[Op] = field(default_factory=list)
    ranged_ms: list[float] = field(default_factory=list)
    ranged_cpu_ms: list[float] = field(default_factory=list)  # the worker's CPU during each ranged read
    tails: list[float] = field(default_factory=list)  # seconds between the upload's last byte and its answer
    idle_mib: float = 0.0
    run: int | None = None  # the 200 MiB runs are rows of their own


class Desk:
    """A published procedure with a ``ban_scan`` component and one received dossier, on one server."""

    def __init__(self, server: Server, args: argparse.Namespace, files: Path) -> None:
        self.server, self.args, self.files = server, args, files
        self.api = Api(server.port)
        self.block = os.urandom(MIB)
        admin = self.api.token("admin", ADMIN_PASSWORD)
        status, agencies = self.api.call("GET", "/api/v1/agencies?page_size=100", token=admin)
        agency = next(a["id"] for a in agencies if a["code"] == "NA-HN")
        components = [*COMPONENTS, {"key": SCAN, "name": "Bản scan hồ sơ", "file_kinds": ["pdf"],
                                    "max_bytes": max(SCAN_MAX_BYTES, args.large_mib * MIB + MIB)}]
        boundary = "bench" + secrets.token_hex(8)
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{BPMN.name}\"\r\n"
                "Content-Type: application/xml\r\n\r\n").encode() + BPMN.read_bytes() + (
                f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"components\"\r\n\r\n"
                f"{json.dumps(components, ensure_ascii=False)}\r\n--{boundary}--\r\n").encode()
        status, version = self.api.call("POST", f"/api/v1/process-definitions?agency_id={agency}", token=admin, raw=body,
                                        content_type=f"multipart/form-data; boundary={boundary}")
        if status != 201 or not version.get("publishable"):
            raise SystemExit(f"upload procedure: {status} {version}")
        n = version["version"]
        status, answer = self.api.call("POST", f"/api/v1/process-definitions/{KEY}/versions/{n}/submit", token=admin)
        if status != 200:
            raise SystemExit(f"submit: {status} {answer}")
        status, answer = self.api.call("POST", f"/api/v1/process-definitions/{KEY}/versions/{n}/publish", token=admin,
                                       body={"decision_number": "9/QĐ-UBND", "decision_date": "2026-03-01",
                                             "lane_bindings": LANES})
        if status != 200:
            raise SystemExit(f"publish: {status} {answer}")
        self.clerk = self.api.token(CLERK, args.password)
        status, receipt = self.api.call("POST", f"/api/v1/procedures/{KEY}/dossiers", token=self.clerk,
                                        body={"applicant": APPLICANT, "documents": [{"component": "don_de_nghi"}]})
        if status != 201:
            raise SystemExit(f"receive dossier: {status} {receipt}")
        self.dossier = receipt["id"]

    def make_file(self, size: int) -> Path:
        path = Path(tempfile.mkstemp(prefix=f"scan-{size}-", suffix=".pdf", dir=self.files)[1])
        write_pdf(path, size, block=self.block)
        return path

    def upload(self, file: Path) -> tuple[Op, dict, float]:
        size = file.stat().st_size
        with Watch(self.server.worker) as usage:
            status, answer, tail = self.api.upload(f"/api/v1/dossiers/{self.dossier}/components/{SCAN}/documents",
                                                   file, self.clerk, filename=f"ban_scan_{size // MIB}MiB.pdf")
        if status != 201:
            raise RuntimeError(f"upload of {size} bytes: {status} {answer}")
        if answer.get("size") != size:
            raise RuntimeError(f"upload of {size} bytes stored {answer.get('size')}")
        return Op(usage.seconds, size, usage), answer, tail

    def download(self, document: dict, *, range_header: str | None = None, verify: bool = False) -> Op:
        path = f"/api/v1/dossiers/{self.dossier}/documents/{document['id']}/content"
        with Watch(self.server.worker) as usage:
            status, total, etag, digest = self.api.download(path, self.clerk, range_header=range_header, verify=verify)
        want = 206 if range_header else 200
        if status != want:
            raise RuntimeError(f"download {path}: {status}, wanted {want}")
        if etag != document["sha256"] or (digest is not None and digest != document["sha256"]):
            raise RuntimeError(f"download {path}: ETag {etag} / sha-256 {digest}, stored {document['sha256']}")
        if range_header is None and total != document["size"]:
            raise RuntimeError(f"download {path}: {total} bytes of {document['size']}")
        return Op(usage.seconds, total, usage)

    def idle(self, seconds: float = 0.5) -> float:
        """The worker's RSS at rest: the largest of a few samples over ``seconds`` (it should not move)."""
        samples = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            samples.append(rss_mib(self.server.worker))
            time.sleep(0.05)
        return max(samples)


def run_backend(backend: str, args: argparse.Namespace, work: Path, s3_endpoint: str | None) -> list[Row]:
    server_dir = work / f"server-{backend}"
    files = work / f"files-{backend}"
    files.mkdir(parents=True)
    rows: list[Row] = []
    print(f"\n== {backend}{f' ({s3_endpoint}, moto in a child process)' if s3_endpoint else ''} ==", flush=True)
    with Server(server_dir, backend, s3_endpoint, args.max_content_length, args.timeout) as server:
        desk = Desk(server, args, files)
        print(f"  gunicorn worker pid {server.worker}, RSS after start {rss_mib(server.worker):.1f} MiB; "
              f"dossier {desk.dossier}", flush=True)
        for size in (MIB, 16 * MIB):  # warm-up: imports, S3 multipart threads, SQLite pages, the first of everything
            file = desk.make_file(size)
            _, document, _ = desk.upload(file)
            desk.download(document)
            desk.download(document, range_header="bytes=-65536")
            file.unlink()
        server.check_worker()

        small = Row(backend, MIB)
        small.idle_mib = desk.idle()
        small_files = [desk.make_file(MIB) for _ in range(args.small_runs)]
        for file in small_files:
            op, document, tail = desk.upload(file)
            small.uploads.append(op)
            small.tails.append(tail)
            small.downloads.append(desk.download(document, verify=args.verify))
            file.unlink()
        rows.append(small)
        print(f"  1 MiB x {args.small_runs}: upload median {statistics.median(o.mib_s for o in small.uploads):.1f} MiB/s, "
              f"download median {statistics.median(o.mib_s for o in small.downloads):.1f} MiB/s", flush=True)

        for run in range(1, args.large_runs + 1):
            row = Row(backend, args.large_mib * MIB, run=run)
            t0 = time.perf_counter()
            file = desk.make_file(args.large_mib * MIB)
            made = time.perf_counter() - t0
            row.idle_mib = desk.idle()
            op, document, tail = desk.upload(file)
            file.unlink()
            row.uploads.append(op)
            row.tails.append(tail)
            server.check_worker()
            row.downloads.append(desk.download(document, verify=args.verify))
            server.check_worker()
            for _ in range(args.ranged_runs):
                ranged = desk.download(document, range_header=f"bytes=-{MIB}")
                if ranged.size != MIB:
                    raise RuntimeError(f"ranged download gave {ranged.size} bytes")
                row.ranged_ms.append(1000 * ranged.seconds)
                row.ranged_cpu_ms.append(1000 * ranged.usage.cpu_s)
            rows.append(row)
            up, down = row.uploads[0], row.downloads[0]
            print(f"  {args.large_mib} MiB #{run} (file written in {made:.1f} s): upload {up.mib_s:.1f} MiB/s "
                  f"({tail:.2f} s after the last byte), download {down.mib_s:.1f} MiB/s, ranged last 1 MiB "
                  f"{statistics.median(row.ranged_ms):.1f} ms; RSS idle {row.idle_mib:.1f}, peak upload "
                  f"{up.usage.peak_mib:.1f}, peak download {down.usage.peak_mib:.1f} MiB", flush=True)
        print(f"  worker RSS at the end {rss_mib(server.worker):.1f} MiB", flush=True)
    shutil.rmtree(server_dir, ignore_errors=True)
    shutil.rmtree(files, ignore_errors=True)
    return rows


def _fmt_peak(op: Op, idle: float) -> str:
    return f"{op.usage.peak_mib:6.1f} ({op.usage.peak_mib - idle:+6.1f})"


def report(rows: list[Row], args: argparse.Namespace) -> None:
    print("\nSizes in MiB; upload/download time is the whole request (until the answer is read). 1 MiB rows: median "
          f"of {args.small_runs} runs. RSS: the gunicorn worker, idle right before, peak (peak - idle) during the operation.")
    head = (f"{'backend':7} {'size':>7} {'run':>4} {'upload MiB/s':>12} {'download MiB/s':>14} {'ranged 1MiB ms':>14} "
            f"{'RSS idle':>8} {'peak upload':>16} {'peak download':>16}  target <= +{TARGET_MIB:.0f} MiB")
    print(head)
    print("-" * len(head))
    missed: list[str] = []
    for row in rows:
        up = statistics.median(o.mib_s for o in row.uploads)
        down = statistics.median(o.mib_s for o in row.downloads)
        size = f"{row.size / MIB:.0f} MiB"
        if row.run is None:
            print(f"{row.backend:7} {size:>7} {'x' + str(len(row.uploads)):>4} {up:12.1f} {down:14.1f} {'-':>14} "
                  f"{row.idle_mib:8.1f} {'-':>16} {'-':>16}  -")
            continue
        u, d = row.uploads[0], row.downloads[0]
        verdicts = []
        for label, op in (("upload", u), ("download", d)):
            delta = op.usage.peak_mib - row.idle_mib
            if delta > TARGET_MIB:
                verdicts.append(f"{label} MISSED")
                missed.append(f"TARGET MISSED: {row.backend} {size} run {row.run} {label}: peak {op.usage.peak_mib:.1f} MiB "
                              f"- idle {row.idle_mib:.1f} MiB = +{delta:.1f} MiB > {TARGET_MIB:.0f} MiB "
                              f"({delta / TARGET_MIB:.1f}x the allowance)")
        print(f"{row.backend:7} {size:>7} {'#' + str(row.run):>4} {up:12.1f} {down:14.1f} "
              f"{statistics.median(row.ranged_ms):14.1f} {row.idle_mib:8.1f} {_fmt_peak(u, row.idle_mib):>16} "
              f"{_fmt_peak(d, row.idle_mib):>16}  {'holds' if not verdicts else ', '.join(verdicts)}")

    print("\nDetail (the worker, per operation): seconds, CPU seconds, MiB passed to write() (wchar: files; socket "
          "sends are not counted), MiB written to disk (write_bytes), RSS samples")
    for row in rows:
        size = f"{row.size / MIB:.0f} MiB" + (f" #{row.run}" if row.run else f" x{len(row.uploads)} (sum)")
        for label, ops in (("upload", row.uploads), ("download", row.downloads)):
            seconds = sum(o.seconds for o in ops)
            cpu = sum(o.usage.cpu_s for o in ops)
            wrote = sum(o.usage.wrote_mib for o in ops)
            disk = sum(o.usage.disk_mib for o in ops)
            moved = sum(o.size for o in ops) / MIB
            extra = ""
            if label == "upload":
                extra = (f"; answer {statistics.median(row.tails):.2f} s after the last byte (median)")
            print(f"  {row.backend:6} {size:16} {label:8} {seconds:7.2f} s  CPU {cpu:6.2f} s ({cpu / seconds:4.0%})  "
                  f"write {wrote:7.1f} MiB ({wrote / moved:4.1f}x the file)  disk {disk:7.1f} MiB  "
                  f"samples {sum(o.usage.samples for o in ops)}{extra}")
        if row.ranged_ms:
            print(f"  {row.backend:6} {size:16} ranged   last 1 MiB x{len(row.ranged_ms)}: "
                  + ", ".join(f"{ms:.1f}" for ms in row.ranged_ms) + " ms; worker CPU "
                  + ", ".join(f"{ms:.0f}" for ms in row.ranged_cpu_ms) + " ms (the rest is the store)")
    hwm = all(o.usage.hwm_reset for row in rows for o in row.uploads + row.downloads)
    print(f"\n(peak = max of VmRSS samples every 20 ms{' and VmHWM, reset before each operation' if hwm else ''}; "
          f"{os.cpu_count()} CPUs shared by this client, gunicorn{' and moto' if 's3' in args.backends else ''})")
    if missed:
        print()
        for line in missed:
            print(line)
    else:
        print(f"\nmemory target holds: every {args.large_mib} MiB transfer within {TARGET_MIB:.0f} MiB of idle")


def _interrupted(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="local,s3", help="comma separated: local, s3 (default both)")
    parser.add_argument("--small-runs", type=int, default=10, help="1 MiB uploads+downloads per backend (default 10)")
    parser.add_argument("--large-runs", type=int, default=2, help="large uploads+downloads per backend (default 2)")
    parser.add_argument("--large-mib", type=int, default=200, help="size of the large file in MiB (default 200)")
    parser.add_argument("--ranged-runs", type=int, default=3, help="ranged reads of the last 1 MiB per large file")
    parser.add_argument("--max-content-length", type=int, default=300 * MIB,
                        help="the server's MAX_CONTENT_LENGTH (default 300 MiB; 0: leave the service's default)")
    parser.add_argument("--timeout", type=int, default=600, help="gunicorn --timeout (default 600 s)")
    parser.add_argument("--verify", action="store_true", help="hash every download and compare with its sha-256")
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", DEMO_PASSWORD))
    args = parser.parse_args()
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if args.max_content_length == 0:
        args.max_content_length = None
    unknown = set(args.backends) - {"local", "s3"}
    if unknown:
        parser.error(f"unknown backends {sorted(unknown)}")

    # SIGTERM like Ctrl-C: the with-blocks stop gunicorn and moto and remove the temp directories
    signal.signal(signal.SIGTERM, _interrupted)
    rows: list[Row] = []
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="motcua-bench-docs-"))
    try:
        for backend in args.backends:
            if backend == "s3":
                from tests.documents.s3_server import running_s3

                with running_s3(BUCKET) as (endpoint, _storage):
                    rows += run_backend(backend, args, work, endpoint)
            else:
                rows += run_backend(backend, args, work, None)
    except KeyboardInterrupt:
        print("\ninterrupted: servers stopped, temp files removed", flush=True)
        return 130
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(rows, args)
    print(f"\n(bench took {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
