"""Hostile inputs (corpus hostile/ + generated): refused or rejected, bounded in memory, no file, no network.

Each run happens in a fresh interpreter so that its peak resident memory (``ru_maxrss``, which also sees
libxml2's C allocations that ``tracemalloc`` does not) belongs to that input alone.
"""
from __future__ import annotations

import codecs
import contextlib
import json
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.definitions.validation import IntakeRefused, validate_bpmn

PROJECT_DIR = Path(__file__).resolve().parents[2]
HOSTILE_DIR = PROJECT_DIR.parent / "shared" / "bpmn-corpus" / "hostile"
HOSTILE_FILES = sorted(HOSTILE_DIR.glob("*.bpmn")) if HOSTILE_DIR.is_dir() else []
#: Not a speed target (bench/validate_corpus.py measures speed): a hang detector. An expansion bomb that got
#: through would run for minutes or exhaust memory; a refused one takes milliseconds, under tracemalloc ~1 s.
HANG_LIMIT_S = 30.0
MEMORY_LIMIT_MB = 200

_RUNNER = textwrap.dedent("""
    import json, resource, sys, time, tracemalloc
    # Linux keeps the parent's peak RSS across fork/exec (a big pytest parent would count here):
    # reset this process's high-water mark first, then read VmHWM at the end.
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    from app.definitions.validation import IntakeRefused, validate_bpmn
    data = open(sys.argv[1], "rb").read()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = validate_bpmn(data)
        out = {"refused": None, "result": result.to_dict(include_xml=True)}
    except IntakeRefused as exc:
        out = {"refused": exc.issue.to_dict(), "result": None}
    out["seconds"] = time.perf_counter() - started
    out["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    try:
        status = open("/proc/self/status").read()
        out["maxrss_mb"] = int(status.split("VmHWM:")[1].split()[0]) / 1024
    except (OSError, IndexError):
        out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out, ensure_ascii=False))
""")


def run_isolated(path: Path) -> dict:
    completed = subprocess.run([sys.executable, "-c", _RUNNER, str(path)], cwd=PROJECT_DIR,
                               capture_output=True, text=True, timeout=60, check=False,
                               env={"PYTHONPATH": str(PROJECT_DIR), "PATH": "/usr/bin:/bin"})
    assert completed.returncode == 0, completed.stderr
    out = json.loads(completed.stdout)
    assert out["seconds"] < HANG_LIMIT_S, out["seconds"]
    assert out["maxrss_mb"] < MEMORY_LIMIT_MB, out["maxrss_mb"]
    assert out["tracemalloc_peak_mb"] < MEMORY_LIMIT_MB
    passwd = Path("/etc/passwd")
    if passwd.exists():
        first_line = passwd.read_text(errors="replace").splitlines()[0]
        assert first_line not in completed.stdout and "root:x:0:0" not in completed.stdout
    return out


def errors_of(out: dict) -> list[dict]:
    return out["result"]["errors"] if out["result"] else []


@pytest.mark.skipif(not HOSTILE_FILES, reason="../shared/bpmn-corpus/hostile is not beside the project")
@pytest.mark.parametrize("path", HOSTILE_FILES, ids=lambda p: p.name)
def test_corpus_hostile_file(path: Path) -> None:
    """Source: hand-made hostile inputs of ../shared/bpmn-corpus/hostile (see its README)."""
    out = run_isolated(path)
    assert out["refused"] or errors_of(out), out
    expected_refusal = {
        "01-billion-laughs.bpmn": "doctype_forbidden", "02-xxe-file-etc-passwd.bpmn": "doctype_forbidden",
        "03-xxe-external-dtd-loopback.bpmn": "doctype_forbidden", "04-quadratic-blowup.bpmn": "doctype_forbidden",
        "05-not-xml.bpmn": "not_well_formed", "06-truncated.bpmn": "not_well_formed",
    }
    if path.name in expected_refusal:
        assert out["refused"]["code"] == expected_refusal[path.name]
        assert out["refused"]["line"]
    elif path.name == "07-flow-to-missing-id.bpmn":
        issue = next(e for e in errors_of(out) if e["code"] == "unknown_target")
        assert issue["element_id"] == "f2" and "does_not_exist" in issue["message_en"] and issue["line"] == 7
    elif path.name == "08-no-start-event.bpmn":
        issue = next(e for e in errors_of(out) if e["code"] == "no_start_event")
        assert issue["element_id"] == "no_start_process"


@pytest.mark.skipif(not HOSTILE_FILES, reason="../shared/bpmn-corpus/hostile is not beside the project")
def test_external_dtd_and_entities_never_fetched(tmp_path: Path) -> None:
    """03 re-pointed at a loopback port where we listen: no connection may arrive (nor for 02's file URL)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    try:
        original = (HOSTILE_DIR / "03-xxe-external-dtd-loopback.bpmn").read_text()
        variant = original.replace("127.0.0.1:9", f"127.0.0.1:{port}")
        assert str(port) in variant
        # The same file in UTF-16: a byte-level scan would not see "<!DOCTYPE"; intake scans decoded text.
        utf16 = codecs.BOM_UTF16_LE + variant.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16-le")
        for data in (variant.encode(), utf16):
            path = tmp_path / "variant.bpmn"
            path.write_bytes(data)
            out = run_isolated(path)
            assert out["refused"]["code"] == "doctype_forbidden"
            with pytest.raises(BlockingIOError):
                listener.accept()
    finally:
        listener.close()


def generated(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_oversize_file_refused_before_parsing(tmp_path: Path) -> None:
    data = b'<?xml version="1.0"?><a>' + b"x" * (6 * 1024 * 1024) + b"</a>"
    out = run_isolated(generated(tmp_path, "big.bpmn", data))
    assert out["refused"]["code"] == "too_large"


def test_ten_thousand_deep_nesting_refused(tmp_path: Path) -> None:
    data = b"<a>" * 10_000 + b"</a>" * 10_000
    out = run_isolated(generated(tmp_path, "deep.bpmn", data))
    assert out["refused"]["code"] == "too_deep"


def test_many_elements_refused_in_bounded_memory(tmp_path: Path) -> None:
    data = b"<a>" + b"<b/>" * 1_200_000 + b"</a>"  # 4.8 MB, under the size cap
    out = run_isolated(generated(tmp_path, "wide.bpmn", data))
    assert out["refused"]["code"] == "too_many_elements"


def test_valid_utf16_file_with_bom_accepted(tmp_path: Path) -> None:
    text = ('<?xml version="1.0" encoding="UTF-16"?>\n'
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">\n'
            '  <bpmn:process id="p" name="Cấp phiếu lý lịch tư pháp" isExecutable="true">\n'
            '    <bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e" />\n'
            '    <bpmn:endEvent id="e" />\n  </bpmn:process>\n</bpmn:definitions>\n')
    out = run_isolated(generated(tmp_path, "utf16.bpmn", codecs.BOM_UTF16_LE + text.encode("utf-16-le")))
    assert out["result"]["publishable"] and out["result"]["process_name"] == "Cấp phiếu lý lịch tư pháp"


def test_in_process_contract_for_hostile_files() -> None:
    """In-process as well: only IntakeRefused escapes, never lxml or Python errors."""
    for path in HOSTILE_FILES:
        with contextlib.suppress(IntakeRefused):
            validate_bpmn(path.read_bytes())
