"""Every file of ../shared/bpmn-corpus (outside hostile/): the service's verdict on real modelers' output.

Sources and licences of the files: see ../shared/bpmn-corpus/README.md (OMG BPMN MIWG test suite, CC BY 3.0;
SpiffWorkflow test data and spiff-example-cli, LGPL-3.0; bpmn-js test fixtures, bpmn.io licence).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from app.definitions.validation import IntakeRefused, ValidationResult, validate_bpmn

PROJECT_DIR = Path(__file__).resolve().parents[2]
CORPUS = PROJECT_DIR.parent / "shared" / "bpmn-corpus"
FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "README.md"
               and "hostile" not in p.relative_to(CORPUS).parts) if CORPUS.is_dir() else []
needs_corpus = pytest.mark.skipif(not FILES, reason="../shared/bpmn-corpus is not beside the project")

#: Files a designer could publish as they are (executable, every element supported).
PUBLISHABLE = {
    "bpmnjs/multiple-diagrams.bpmn", "spiffworkflow/tests/bpmn/boundary.bpmn",
    "spiffworkflow/tests/bpmn/lanes.bpmn", "spiffworkflow/tests/bpmn/parallel_multiinstance_loop_input.bpmn",
    "spiffworkflow/tests/bpmn/timer-non-interrupt-boundary.bpmn",
    "spiffworkflow/tests/camunda/token_trial_nested_parallel.bpmn", "spiffworkflow/tests/spiff/user_task_variable.bpmn",
}
#: Valid diagrams with no executable process: kept as documentation, never publishable.
DOCUMENTATION = {
    "bpmnjs/complex-signavio.bpmn", "bpmnjs/vertical-pools.bpmn",
    *(f"miwg/reference/{n}.bpmn" for n in ("A.1.0", "A.2.0", "A.2.1", "A.3.0", "A.4.0", "A.4.1", "B.1.0",
                                          "B.2.0", "C.2.0", "C.4.0", "C.5.0", "C.6.0", "C.7.0", "C.8.0")),
    "spiffworkflow/tests/bpmn/Approvals.bpmn",
    "spiffworkflow/tests/bpmn/invalid-Disconnected-Boundary-Event.bpmn20.xml",
}
NOT_WELL_FORMED = {"bpmnjs/malformed-undefined-prefix-events.bpmn": 131,
                   "bpmnjs/malformed-xmldecl-gateway-type-default.bpmn": 1}


def rel(path: Path) -> str:
    return path.relative_to(CORPUS).as_posix()


def validate(name: str) -> ValidationResult:
    return validate_bpmn((CORPUS / name).read_bytes())


def error_ids(result: ValidationResult, code: str) -> set[str | None]:
    return {i.element_id for i in result.errors if i.code == code}


@needs_corpus
@pytest.mark.parametrize("path", FILES, ids=rel)
def test_every_file_is_accepted_or_refused_cleanly(path: Path) -> None:
    name = rel(path)
    try:
        result = validate_bpmn(path.read_bytes())
    except IntakeRefused as exc:
        assert name in NOT_WELL_FORMED, exc.issue
        assert exc.issue.code == "not_well_formed" and exc.issue.line == NOT_WELL_FORMED[name]
        assert exc.issue.column and f"line {exc.issue.line}" in exc.issue.message_en
        return
    assert not any(i.code == "internal_error" for i in result.errors)
    for issue in result.errors:  # every error names an element or a line
        assert issue.element_id or issue.line, issue
        assert issue.message and issue.message_en
    if result.ok:
        assert result.publishable == (name in PUBLISHABLE), name
        assert result.normalized_xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    if name in PUBLISHABLE:
        assert result.ok and result.publishable and result.is_executable, result.errors
    if name in DOCUMENTATION:
        assert result.ok and not result.publishable and not result.is_executable, result.errors
    assert result.process_id is None or result.process_id in result.process_ids


@needs_corpus
def test_duplicate_ids() -> None:
    result = validate("bpmnjs/error-duplicate-ids.bpmn")
    issue = next(i for i in result.errors if i.code == "duplicate_id")
    assert issue.element_id == "test" and issue.line == 9


@needs_corpus
def test_invalid_child_has_no_process() -> None:
    result = validate("bpmnjs/error-invalid-child.bpmn")
    assert [i.code for i in result.errors] == ["no_process"]
    assert result.process_ids == [] and not result.publishable


@needs_corpus
def test_boundary_event_without_attachment_is_an_error_even_in_documentation() -> None:
    """Decision: a boundary event attached to nothing breaks the document itself, executable or not."""
    result = validate("bpmnjs/error-boundaryEvent-missingAttachToRef.bpmn")
    assert not result.ok and not result.is_executable
    issue = next(i for i in result.errors if i.code == "boundary_not_attached")
    assert issue.element_id == "BoundaryEvent_1" and issue.line == 5


@needs_corpus
def test_no_start_event() -> None:
    result = validate("spiffworkflow/tests/bpmn/invalid-No-Start-Event.bpmn20.xml")
    assert error_ids(result, "no_start_event") == {"sid-669ddebf-4196-41ee-8b04-bcc90bc5f983"}


@needs_corpus
def test_dangerous_tutorial_script_tasks_named() -> None:
    """spiff-example-cli bpmn/tutorial/dangerous.bpmn: script tasks that would kill the engine process."""
    result = validate("spiffworkflow/example-cli/tutorial-dangerous.bpmn")
    scripts = {i.element_id: i for i in result.errors if i.code == "unsupported_element"}
    assert set(scripts) == {"collect_info", "end_it"}
    assert all("scriptTask" in i.message_en and i.line for i in scripts.values())
    assert not result.publishable


@needs_corpus
def test_kitchen_sink_unsupported_elements() -> None:
    result = validate("bpmnjs/kitchen-sink.bpmn")
    assert not result.ok and result.is_executable
    messages = " ".join(i.message_en for i in result.errors if i.code == "unsupported_element")
    for tag in ("scriptTask", "businessRuleTask", "receiveTask", "transaction",
                "complexGateway", "messageEventDefinition", "signalEventDefinition",
                "conditionalEventDefinition"):
        assert tag in messages, tag
    # its service and send tasks are external tasks, refused only because they name no topic
    assert {"serviceTask", "sendTask"} <= {i.message_en.split("<")[1].split(">")[0]
                                           for i in result.errors if i.code == "external_task_without_topic"}
    assert error_ids(result, "timer_empty")  # unconfigured timers left by the modeler


@needs_corpus
def test_c_1_1_service_task_named() -> None:
    result = validate("miwg/reference/C.1.1.bpmn")
    assert "archiveInvoice" in error_ids(result, "external_task_without_topic")


@needs_corpus
@pytest.mark.parametrize("name", sorted(DOCUMENTATION))
def test_non_executable_files_are_documentation(name: str) -> None:
    result = validate(name)
    assert result.ok and not result.publishable
    assert all(i.severity == "warning" for i in result.warnings)


@needs_corpus
def test_iso_8859_1_file_decoded() -> None:
    result = validate("miwg/reference/A.1.0.bpmn")
    assert result.ok and b"ISO-8859-1" not in result.normalized_xml[:60]


@needs_corpus
def test_executable_timers_written_camunda_style_are_accepted() -> None:
    result = validate("spiffworkflow/tests/bpmn/boundary.bpmn")
    assert result.publishable and not result.warnings
