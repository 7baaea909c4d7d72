"""Saved state: the envelope, and the migration path for states written by older serializers."""
from __future__ import annotations

import json

import pytest

from app import engine
from app.engine.serializer import VERSION


def test_envelope_shape(compiled_of, clock):
    compiled = compiled_of("linear", "linear.bpmn")
    envelope = json.loads(engine.dumps(engine.start(compiled, {"a": 1}, now=clock.now)))
    assert envelope["format"] == "motcua-flow/spiff"
    assert envelope["serializer_version"] == VERSION == engine.SERIALIZER_VERSION
    assert envelope["process_id"] == "linear"
    assert "spec" not in envelope["state"]  # specs live once, in the compiled process


def test_migrate_current_version_is_identity(compiled_of, clock):
    compiled = compiled_of("linear", "linear.bpmn")
    envelope = json.loads(engine.dumps(engine.start(compiled, {}, now=clock.now)))
    assert engine.migrate_state(envelope) is envelope


def test_migrate_from_1_3_uses_spiffworkflow_migrations(compiled_of, dossier):
    """Serializer 1.3 kept a reached multi-instance task WAITING (8); 1.4+ want it STARTED (32).

    Migrating 1.3 runs SpiffWorkflow's 1.3->1.4 and then 1.4->1.5 migrations.
    """
    compiled = compiled_of("multi_instance", "multi_instance.bpmn")
    d = dossier(compiled)
    d.complete("assign", {"reviewers": ["an", "binh"]})
    envelope = json.loads(engine.dumps(d.wf))
    mi = next(t for t in envelope["state"]["tasks"].values() if t["task_spec"] == "opinion")
    assert mi["state"] == 32
    mi["state"] = 8
    envelope["serializer_version"] = "1.3"
    old_text = json.dumps(envelope)

    migrated = engine.migrate_state(json.loads(old_text), compiled)
    assert migrated["serializer_version"] == VERSION
    assert "spec" not in migrated["state"]
    assert migrated["state"]["tasks"][mi["id"]]["state"] == 32

    wf = engine.loads(old_text, compiled)  # loads migrates by itself
    assert [s.spec_id for s in engine.ready_steps(wf)] == ["opinion", "opinion"]
    for step in engine.ready_steps(wf):
        engine.complete_step(wf, step.task_id, {}, now=d.clock.now)
    assert [s.spec_id for s in engine.ready_steps(wf)] == ["vote"]


def test_migrate_needs_the_compiled_process_for_old_states(compiled_of, clock):
    compiled = compiled_of("linear", "linear.bpmn")
    envelope = json.loads(engine.dumps(engine.start(compiled, {}, now=clock.now)))
    envelope["serializer_version"] = "1.4"
    with pytest.raises(engine.StateError, match="compiled process"):
        engine.migrate_state(envelope)


@pytest.mark.parametrize("version", ["1.6", "2.0", "99"])
def test_future_versions_are_refused(compiled_of, clock, version):
    compiled = compiled_of("linear", "linear.bpmn")
    envelope = json.loads(engine.dumps(engine.start(compiled, {}, now=clock.now)))
    envelope["serializer_version"] = version
    with pytest.raises(engine.StateError, match="Upgrade the engine"):
        engine.migrate_state(envelope, compiled)
    with pytest.raises(engine.StateError):
        engine.loads(json.dumps(envelope), compiled)


@pytest.mark.parametrize("text", ["", "not json", "[]", '{"format": "other", "state": {}}',
                                  '{"format": "motcua-flow/spiff", "serializer_version": "1.5", "state": {"x": 1}}'])
def test_garbage_states_are_refused(compiled_of, text):
    with pytest.raises(engine.StateError):
        engine.loads(text, compiled_of("linear", "linear.bpmn"))


def test_state_of_another_process_is_refused(compiled_of, clock):
    linear = compiled_of("linear", "linear.bpmn")
    text = engine.dumps(engine.start(linear, {}, now=clock.now))
    with pytest.raises(engine.StateError, match="linear"):
        engine.loads(text, compiled_of("parallel", "parallel.bpmn"))


def test_timers_survive_save_and_reload(compiled_of, dossier):
    d = dossier(compiled_of("boundary_timers", "boundary_timers.bpmn"))
    before = engine.waiting_timers(d.wf)
    d.save_restore()
    assert engine.waiting_timers(d.wf) == before


def test_migration_chain_reaches_the_current_version():
    from SpiffWorkflow.bpmn.serializer.migration.version_migration import MIGRATIONS

    from app.engine.serializer import _NEXT_VERSION
    assert set(_NEXT_VERSION) == set(MIGRATIONS)
    for version in _NEXT_VERSION:
        seen = version
        for _ in range(10):
            if seen == VERSION:
                break
            seen = _NEXT_VERSION[seen]
        assert seen == VERSION, f"no path from {version} to {VERSION}: update _NEXT_VERSION"
