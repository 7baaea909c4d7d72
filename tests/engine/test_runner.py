"""The engine on small diagrams of our own: every workflow is saved and reloaded after each step."""
from __future__ import annotations

import itertools
import json
from datetime import UTC, timedelta

import pytest

from app import engine


def test_linear_steps_with_lanes_and_properties(compiled_of, dossier):
    compiled = compiled_of("linear", "linear.bpmn")
    assert compiled.properties == {"totalTimeLimit": "P1.25D"}
    assert compiled.lanes["lane_onestop"] == {"name": "Bộ phận Một cửa", "properties": {"unit": "MC01"}}
    d = dossier(compiled, {"applicant": "Nguyễn Văn A"})

    (receive,) = d.steps()
    assert (receive.spec_id, receive.name, receive.lane, receive.lane_id) == (
        "receive", "Tiếp nhận hồ sơ", "Bộ phận Một cửa", "lane_onestop")
    assert receive.properties == {"timeLimit": "PT4H", "form": "receive.json"}  # camunda:properties
    assert receive.process_id == "linear" and receive.data == {"applicant": "Nguyễn Văn A"}
    d.complete("receive", {"received": True})

    (review,) = d.steps()
    assert review.properties == {"timeLimit": "P0.5D", "form": "review.json"}  # zeebe:properties
    assert review.lane == "Phòng Chuyên môn" and review.data["received"] is True
    d.complete("review")

    (sign,) = d.steps()  # a manualTask is a step too; spiffworkflow:properties
    assert sign.properties == {"timeLimit": "P0.25D"}
    d.complete("sign")

    # the plain bpmn:task "archive" is not a step: it passes through by itself
    assert engine.is_completed(d.wf)
    assert engine.data(d.wf)["received"] is True
    assert d.done == ["receive", "review", "sign"]


def test_exclusive_gateway_return_flow(compiled_of, dossier):
    d = dossier(compiled_of("return_flow", "return.bpmn"))
    d.complete("receive")
    d.complete("review", {"approved": False})  # ${!approved} sends the dossier back
    assert d.step_ids() == ["receive"]
    d.complete("receive", {"note": "bổ sung"})
    d.complete("review", {"approved": True})  # approved == True
    assert d.step_ids() == ["sign"]
    d.complete("sign")
    assert engine.is_completed(d.wf)


def test_parallel_split_and_join(compiled_of, dossier):
    d = dossier(compiled_of("parallel", "parallel.bpmn"))
    assert d.step_ids() == ["check_a", "check_b"]
    d.complete("check_b", {"b": 2})
    assert d.step_ids() == ["check_a"]  # the join waits for the other branch
    d.complete("check_a", {"a": 1})
    (decide,) = d.steps()
    assert decide.data["a"] == 1 and decide.data["b"] == 2
    d.complete("decide")
    assert engine.is_completed(d.wf)


@pytest.mark.parametrize("flags, expected", [
    ({"needs_a": True, "needs_b": True}, ["opinion_a", "opinion_b"]),
    ({"needs_a": False, "needs_b": True}, ["opinion_b"]),
    ({"needs_a": False, "needs_b": False}, ["opinion_c"]),  # default flow
])
def test_inclusive_gateway(compiled_of, dossier, flags, expected):
    d = dossier(compiled_of("inclusive", "inclusive.bpmn"))
    d.complete("prepare", flags)
    assert d.step_ids() == expected
    for spec_id in expected:
        d.complete(spec_id)
    assert d.step_ids() == ["conclude"]
    d.complete("conclude")
    assert engine.is_completed(d.wf)


def test_multi_instance_user_tasks(compiled_of, dossier):
    d = dossier(compiled_of("multi_instance", "multi_instance.bpmn"))
    d.complete("assign", {"reviewers": ["an", "binh", "chi"]})
    opinions = d.steps()
    assert [s.spec_id for s in opinions] == ["opinion"] * 3  # parallel: all at once
    assert sorted(s.data["reviewer"] for s in opinions) == ["an", "binh", "chi"]
    for _ in range(3):
        d.complete("opinion")
    for _ in range(2):  # sequential, cardinality len(reviewers) - 1 through the safe evaluator
        assert d.step_ids() == ["vote"]
        d.complete("vote")
    assert d.step_ids() == ["close"]
    d.complete("close")
    assert engine.is_completed(d.wf)


def test_call_activity_to_another_file(compiled_of, dossier):
    compiled = compiled_of("call_parent", "call_parent.bpmn", "call_child.bpmn")
    d = dossier(compiled, {"dossier_no": "HS-1"})
    d.complete("intake", {"from_parent": 1})
    (child,) = d.steps()
    assert (child.spec_id, child.process_id, child.lane, child.properties) == (
        "child_review", "child_procedure", "Sở B", {"timeLimit": "PT8H"})
    assert child.data["from_parent"] == 1
    d.complete("child_review", {"child_result": "ok"})
    (back,) = d.steps()
    assert back.spec_id == "return_result" and back.data["child_result"] == "ok"
    d.complete("return_result")
    assert engine.is_completed(d.wf)


def test_call_activity_needs_the_called_file(data_bytes):
    with pytest.raises(engine.CompileError) as err:
        engine.compile_process(data_bytes("call_parent.bpmn"), "call_parent")
    assert err.value.element_id == "child_procedure"


def test_embedded_subprocess(compiled_of, dossier):
    d = dossier(compiled_of("embedded", "subprocess.bpmn"))
    (inner,) = d.steps()
    assert inner.spec_id == "inner_one" and inner.process_id == "sub_check"
    d.complete("inner_one", {"x": 1})
    d.complete("inner_two")
    (after,) = d.steps()
    assert after.spec_id == "after" and after.data["x"] == 1
    d.complete("after")
    assert engine.is_completed(d.wf)


def test_boundary_timers_interrupting_and_not(compiled_of, dossier, clock):
    d = dossier(compiled_of("boundary_timers", "boundary_timers.bpmn"))
    timers = {t.spec_id: t for t in engine.waiting_timers(d.wf)}
    start = clock.now
    assert timers["remind_timer"].due_at == start + timedelta(minutes=2)  # "PT2M" quoted
    assert timers["escalate_timer"].due_at == start + timedelta(minutes=5)  # PT5M unquoted
    assert timers["escalate_timer"].due_at.tzinfo == UTC
    assert (timers["escalate_timer"].kind, timers["escalate_timer"].interrupting,
            timers["escalate_timer"].attached_to) == ("boundary", True, "review")
    assert timers["remind_timer"].interrupting is False

    clock.advance(timedelta(minutes=1, seconds=59))
    assert d.fire() == []
    clock.advance(timedelta(seconds=1))
    assert d.fire() == [timers["remind_timer"].task_id]
    assert d.step_ids() == ["remind", "review"]  # non-interrupting: review still open
    d.complete("remind")

    clock.advance(timedelta(minutes=3))
    assert d.fire() == [timers["escalate_timer"].task_id]
    assert d.step_ids() == ["escalate"]  # interrupting: review cancelled
    assert engine.waiting_timers(d.wf) == []
    d.complete("escalate")
    assert engine.is_completed(d.wf)


def test_completing_before_the_boundary_timer_cancels_it(compiled_of, dossier, clock):
    d = dossier(compiled_of("boundary_timers", "boundary_timers.bpmn"))
    d.complete("review")
    assert engine.waiting_timers(d.wf) == []
    clock.advance(timedelta(days=1))
    assert d.fire() == []
    assert engine.is_completed(d.wf)


def test_intermediate_timers_duration_and_date(compiled_of, dossier, clock):
    d = dossier(compiled_of("intermediate_timer", "intermediate_timer.bpmn"))
    d.complete("first")
    (wait,) = engine.waiting_timers(d.wf)
    assert (wait.spec_id, wait.kind, wait.due_at) == ("wait_1h", "intermediate", clock.now + timedelta(hours=1))
    assert d.steps() == []
    clock.advance(timedelta(hours=1))
    assert d.fire() == [wait.task_id]
    (wait_date,) = engine.waiting_timers(d.wf)
    assert wait_date.due_at.isoformat() == "2030-01-01T01:00:00+00:00"  # 08:00 +07:00
    clock.now = wait_date.due_at
    d.fire()
    assert d.step_ids() == ["second"]


def test_missing_variable_is_a_condition_error_and_state_is_unchanged(compiled_of, dossier):
    d = dossier(compiled_of("missing_var", "missing_var.bpmn"))
    (review,) = d.steps()
    before = engine.dumps(d.wf)
    with pytest.raises(engine.ConditionError) as err:
        engine.complete_step(d.wf, review.task_id, {"note": "x"}, now=d.clock.now)
    assert err.value.spec_id == "gw_score" and "score" in err.value.message
    assert isinstance(err.value, engine.EngineError)
    assert engine.dumps(d.wf) == before  # rolled back: the step is still ready, the data not merged
    assert [s.task_id for s in d.steps()] == [review.task_id]
    d.complete("review", {"score": 9})  # recoverable: complete again with the data
    assert d.step_ids() == ["high"]


def test_condition_error_without_prior_dumps_also_rolls_back(compiled_of, clock):
    compiled = compiled_of("missing_var", "missing_var.bpmn")
    wf = engine.start(compiled, {}, now=clock.now)
    (review,) = engine.ready_steps(wf)
    with pytest.raises(engine.ConditionError):
        engine.complete_step(wf, review.task_id, {}, now=clock.now)
    assert [s.spec_id for s in engine.ready_steps(wf)] == ["review"]


def test_task_not_ready_and_unknown_task(compiled_of, dossier):
    d = dossier(compiled_of("linear", "linear.bpmn"))
    (receive,) = d.steps()
    d.complete("receive")
    with pytest.raises(engine.TaskNotReady):
        engine.complete_step(d.wf, receive.task_id, {}, now=d.clock.now)
    with pytest.raises(engine.UnknownTask):
        engine.complete_step(d.wf, "00000000-0000-0000-0000-000000000000", {}, now=d.clock.now)
    with pytest.raises(engine.UnknownTask):
        engine.complete_step(d.wf, "not-a-uuid", {}, now=d.clock.now)


def test_task_not_ready_for_a_future_step(compiled_of, clock):
    compiled = compiled_of("linear", "linear.bpmn")
    wf = engine.start(compiled, {}, now=clock.now)
    state = json.loads(engine.dumps(wf))["state"]
    future = next(t["id"] for t in state["tasks"].values() if t["task_spec"] == "sign")
    with pytest.raises(engine.TaskNotReady):
        engine.complete_step(wf, future, {}, now=clock.now)


def test_cancel(compiled_of, dossier):
    d = dossier(compiled_of("parallel", "parallel.bpmn"))
    engine.cancel(d.wf)
    d.save_restore()
    assert engine.is_completed(d.wf) and d.steps() == []


def test_now_must_be_given(compiled_of):
    compiled = compiled_of("linear", "linear.bpmn")
    with pytest.raises(TypeError):
        engine.start(compiled, {})  # type: ignore[call-arg]
    with pytest.raises(engine.EngineError):
        engine.start(compiled, {}, now="2025-01-01")  # type: ignore[arg-type]


def test_step_view_data_is_a_copy(compiled_of, dossier):
    d = dossier(compiled_of("linear", "linear.bpmn"), {"items": [1]})
    (step,) = d.steps()
    step.data["items"].append(2)
    assert d.steps()[0].data == {"items": [1]}


class _NoNow:
    """Stands in for ``datetime`` in SpiffWorkflow's timer module: reading the machine clock fails the test."""

    def __getattr__(self, name):
        import datetime as real
        if name in ("now", "utcnow", "today"):
            raise AssertionError("the engine read the machine clock")
        return getattr(real.datetime, name)


def test_timers_never_read_the_machine_clock(compiled_of, dossier, clock, monkeypatch):
    import SpiffWorkflow.bpmn.specs.event_definitions.timer as spiff_timer
    monkeypatch.setattr(spiff_timer, "datetime", _NoNow())
    d = dossier(compiled_of("boundary_timers", "boundary_timers.bpmn"))
    clock.advance(timedelta(minutes=10))
    assert len(d.fire()) == 2
    d.run_all()


def _inline(body: str, pid: str = "p") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions '
            f'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            f'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">'
            f'<bpmn:process id="{pid}" isExecutable="true">{body}</bpmn:process></bpmn:definitions>').encode()


def _chain(*ids: str) -> str:
    return "".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
                   for i, (a, b) in enumerate(itertools.pairwise(ids)))


def test_camunda_collection_multi_instance(dossier):
    body = ('<bpmn:startEvent id="s"/><bpmn:userTask id="sign_off"><bpmn:multiInstanceLoopCharacteristics '
            'camunda:collection="${signers}" camunda:elementVariable="signer"/></bpmn:userTask>'
            '<bpmn:endEvent id="e"/>' + _chain("s", "sign_off", "e"))
    compiled = engine.compile_process([_inline(body)], "p")
    d = dossier(compiled, {"signers": ["x", "y"]})
    assert sorted(s.data["signer"] for s in d.steps()) == ["x", "y"]
    d.run_all()


def test_boundary_cycle_timer_repeats(dossier, clock):
    body = ('<bpmn:startEvent id="s"/><bpmn:userTask id="work"/><bpmn:endEvent id="e"/>'
            '<bpmn:boundaryEvent id="every_hour" attachedToRef="work" cancelActivity="false">'
            '<bpmn:timerEventDefinition><bpmn:timeCycle>R2/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition>'
            '</bpmn:boundaryEvent><bpmn:manualTask id="nudge"/><bpmn:endEvent id="e2"/>'
            + _chain("s", "work", "e") + '<bpmn:sequenceFlow id="g1" sourceRef="every_hour" targetRef="nudge"/>'
            '<bpmn:sequenceFlow id="g2" sourceRef="nudge" targetRef="e2"/>')
    d = dossier(engine.compile_process([_inline(body)], "p"))
    (timer,) = engine.waiting_timers(d.wf)
    assert timer.due_at == clock.now + timedelta(hours=1)
    clock.advance(timedelta(hours=1))
    d.fire()
    assert d.step_ids() == ["nudge", "work"]
    (timer,) = engine.waiting_timers(d.wf)
    assert timer.due_at == clock.now + timedelta(hours=1)
    clock.advance(timedelta(hours=1))
    d.fire()
    assert d.step_ids() == ["nudge", "nudge", "work"]
    d.run_all()


def test_timer_expression_from_data(dossier, clock):
    body = ('<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>'
            '<bpmn:timeDuration>wait_for</bpmn:timeDuration></bpmn:timerEventDefinition>'
            '</bpmn:intermediateCatchEvent><bpmn:userTask id="after"/><bpmn:endEvent id="e"/>'
            + _chain("s", "wait", "after", "e"))
    d = dossier(engine.compile_process([_inline(body)], "p"), {"wait_for": "P1D"})
    (timer,) = engine.waiting_timers(d.wf)
    assert timer.due_at == clock.now + timedelta(days=1)  # wall-clock day, not a working day


def test_timer_expression_with_missing_data_is_a_condition_error(clock):
    body = ('<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>'
            '<bpmn:timeDuration>wait_for</bpmn:timeDuration></bpmn:timerEventDefinition>'
            '</bpmn:intermediateCatchEvent><bpmn:endEvent id="e"/>' + _chain("s", "wait", "e"))
    with pytest.raises(engine.ConditionError):
        engine.start(engine.compile_process([_inline(body)], "p"), {}, now=clock.now)
