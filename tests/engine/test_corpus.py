"""Real diagrams from ../shared/bpmn-corpus (attribution in its README), run end to end or refused by name.

Every run completes every user/manual task, firing timers by moving ``now``, and saves/reloads after each
step. Skipped with a message when ../shared is not beside the project.
"""
from __future__ import annotations

import os
import signal
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app import engine

#: Corpus files that run end to end: (path in the corpus, process id, start data, data given at each step,
#: whether timers run out before officers act).
END_TO_END: list[tuple[str, str, dict[str, Any], dict[str, Any], bool]] = [
    ("spiffworkflow/tests/camunda/token_trial_nested_parallel.bpmn", "token", {}, {}, False),
    # its join waits for the branch the non-interrupting timer starts
    ("spiffworkflow/tests/bpmn/timer-non-interrupt-boundary.bpmn", "NonInterruptTimer", {}, {"work_done": "Yes"},
     True),
    ("spiffworkflow/tests/bpmn/boundary.bpmn", "boundary_event", {}, {"answer": "Yes"}, False),
    ("spiffworkflow/tests/bpmn/boundary.bpmn", "boundary_event", {}, {"answer": "Yes"}, True),
    ("bpmnjs/multiple-diagrams.bpmn", "Process_1", {}, {}, False),
    ("bpmnjs/multiple-diagrams.bpmn", "Process_2", {}, {}, False),
    ("spiffworkflow/tests/spiff/user_task_variable.bpmn", "one", {}, {}, False),
    ("spiffworkflow/tests/spiff/user_task_variable.bpmn", "two", {}, {}, False),
    ("spiffworkflow/tests/bpmn/lanes.bpmn", "lanes", {}, {"NeedClarification": "No"}, False),
    ("spiffworkflow/tests/bpmn/Approvals.bpmn", "Approvals", {}, {}, False),
    ("spiffworkflow/tests/bpmn/Approvals.bpmn", "First_Approval_Wins", {}, {}, False),
    ("spiffworkflow/tests/bpmn/Approvals.bpmn", "Parallel_Approvals_SP", {}, {}, False),
    ("spiffworkflow/tests/bpmn/timer-cycle-start.bpmn", "Process_0vaq70r", {}, {}, True),
]

#: Corpus processes refused at compile, with the element the refusal must name.
REFUSED: list[tuple[str, str, str | None]] = [
    ("miwg/reference/C.1.1.bpmn", "handle-invoice", "archiveInvoice"),  # service task
    ("spiffworkflow/example-cli/tutorial-dangerous.bpmn", "end_it_all", "collect_info"),  # script task
    ("spiffworkflow/tests/bpmn/transaction.bpmn", "Main_Process", "Subprocess"),
    ("spiffworkflow/tests/bpmn/event-gateway.bpmn", "Process_0pvx19v", "message_1_event"),
    ("spiffworkflow/tests/bpmn/timer-date-start.bpmn", "date_timer", "Activity_1q1wged"),
    ("bpmnjs/kitchen-sink.bpmn", "Process_0k3ryf8", "Activity_1ketqts"),  # business rule task
    ("miwg/reference/C.9.0.bpmn", "customer_onboarding_en", "SequenceFlow_Red"),  # FEEL condition
    ("miwg/reference/B.1.0.bpmn", "WFP-6-1", "_e314751e-5c3a-41f2-a1ae-4cb99efa0916"),  # empty timer
    ("hostile/08-no-start-event.bpmn", "no_start_process", "no_start_process"),
    ("hostile/01-billion-laughs.bpmn", "lol_process", None),
    ("hostile/02-xxe-file-etc-passwd.bpmn", "xxe_process", None),
    ("hostile/03-xxe-external-dtd-loopback.bpmn", "xxe_dtd_process", None),
    ("hostile/04-quadratic-blowup.bpmn", "qb_process", None),
    ("hostile/05-not-xml.bpmn", "anything", None),
    ("hostile/06-truncated.bpmn", "truncated_process", None),
    ("hostile/07-flow-to-missing-id.bpmn", "missing_target_process", "task"),
    ("bpmnjs/error-duplicate-ids.bpmn", "test", "test"),
]


@pytest.fixture(scope="module")
def corpus(request) -> Path:
    shared = Path(__file__).resolve().parents[2].parent / "shared" / "bpmn-corpus"
    if not shared.is_dir():
        pytest.skip("../shared/bpmn-corpus is not beside the project; corpus tests need it")
    return shared


def _compile(corpus: Path, rel: str, process_id: str) -> engine.CompiledProcess:
    compiled = engine.compile_process({Path(rel).name: (corpus / rel).read_bytes()}, process_id)
    return engine.CompiledProcess.from_json(compiled.to_json())


@pytest.mark.parametrize("rel, process_id, start_data, answers, timers_first", END_TO_END,
                         ids=[f"{Path(r).name}:{p}:{'timers' if t else 'steps'}" for r, p, _, _, t in END_TO_END])
def test_runs_end_to_end(corpus, dossier, rel, process_id, start_data, answers, timers_first):
    d = dossier(_compile(corpus, rel, process_id), start_data)
    d.run_all(lambda step: dict(answers), timers_first=timers_first)
    assert engine.is_completed(d.wf)


def test_multi_instance_plain_task_without_output_is_an_incident(corpus, clock):
    """parallel_multiinstance_loop_input.bpmn: a plain task cannot produce the MI output item."""
    compiled = _compile(corpus, "spiffworkflow/tests/bpmn/parallel_multiinstance_loop_input.bpmn", "main")
    with pytest.raises(engine.ConditionError) as err:
        engine.start(compiled, {"input_data": [1, 2, 3]}, now=clock.now)
    assert err.value.spec_id == "any_task"


@pytest.mark.parametrize("rel, process_id, element_id", REFUSED,
                         ids=[f"{Path(r).name}:{p}" for r, p, _ in REFUSED])
def test_refused_naming_the_element(corpus, rel, process_id, element_id):
    with pytest.raises(engine.CompileError) as err:
        _compile(corpus, rel, process_id)
    assert err.value.element_id == element_id


def test_token_trial_nested_parallel_runs_all_eleven_steps(corpus, dossier):
    d = dossier(_compile(corpus, "spiffworkflow/tests/camunda/token_trial_nested_parallel.bpmn", "token"))
    d.run_all()
    assert len(d.done) == 11 and len(set(d.done)) == 11


def test_corpus_interrupting_boundary_timer_on_subprocess(corpus, dossier, clock):
    d = dossier(_compile(corpus, "spiffworkflow/tests/bpmn/boundary.bpmn", "boundary_event"))
    d.complete("Activity_09c27ms")
    (timer,) = engine.waiting_timers(d.wf)
    assert (timer.kind, timer.interrupting, timer.attached_to) == ("boundary", True, "Subworkflow")
    assert timer.due_at == clock.now + timedelta(milliseconds=30)  # "PT0.03S", quoted
    assert d.step_ids() == ["Activity_Pester_Dad"]
    clock.advance(timedelta(seconds=1))
    assert d.fire() == [timer.task_id]
    assert d.step_ids() == ["Activity_1ya1db2"]  # the subprocess was interrupted
    d.run_all(lambda step: {"answer": "Yes"})


def test_corpus_non_interrupting_boundary_timer(corpus, dossier, clock):
    d = dossier(_compile(corpus, "spiffworkflow/tests/bpmn/timer-non-interrupt-boundary.bpmn",
                         "NonInterruptTimer"))
    (timer,) = engine.waiting_timers(d.wf)
    assert timer.interrupting is False
    clock.advance(timedelta(seconds=1))
    assert d.fire() == [timer.task_id]
    assert d.step_ids() == ["Activity_Work", "GetReason"]  # work continues; a reason is asked
    d.complete("GetReason")
    d.run_all(lambda step: {"work_done": "Yes"})


def test_corpus_lanes_are_reported(corpus, dossier):
    d = dossier(_compile(corpus, "spiffworkflow/tests/bpmn/lanes.bpmn", "lanes"))
    (step,) = d.steps()
    assert step.lane is not None and step.lane_id is not None


def test_dangerous_script_is_never_executed(corpus, monkeypatch):
    """tutorial-dangerous.bpmn kills the process with os.kill when its scripts run: refused, never run."""
    calls: list[Any] = []
    monkeypatch.setattr(os, "kill", lambda *a: calls.append(a))
    monkeypatch.setattr(os, "getpid", lambda: calls.append("getpid") or -1)
    raw = (corpus / "spiffworkflow/example-cli/tutorial-dangerous.bpmn").read_bytes()
    assert b"kill(pid, SIGKILL)" in raw
    with pytest.raises(engine.CompileError) as err:
        engine.compile_process({"dangerous.bpmn": raw}, "end_it_all")
    assert "Script" in err.value.message
    assert calls == []
    assert signal.SIGKILL  # the module the script imports is untouched; we are still alive
