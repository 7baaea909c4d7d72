"""Fixtures for the engine tests: diagrams, a movable clock, and a driver that saves/reloads every step."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app import engine

DATA_DIR = Path(__file__).resolve().parent / "data"
T0 = datetime(2025, 1, 6, 1, 0, tzinfo=UTC)  # Monday 08:00 in Hà Nội


@dataclass
class Clock:
    """The time passed to the engine; tests move it, nothing sleeps."""

    now: datetime = T0

    def advance(self, delta: timedelta) -> datetime:
        self.now = self.now + delta
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def read_data(*names: str) -> dict[str, bytes]:
    return {name: (DATA_DIR / name).read_bytes() for name in names}


def compile_data(process_id: str, *names: str) -> engine.CompiledProcess:
    """Compile our own diagrams, going through the JSON cache form as the service will."""
    compiled = engine.compile_process(read_data(*names), process_id)
    return engine.CompiledProcess.from_json(compiled.to_json())


@dataclass
class Dossier:
    """A workflow that is dumped and reloaded after every engine call, like SpiffWorkflow's save_restore()."""

    compiled: engine.CompiledProcess
    clock: Clock
    wf: engine.Workflow = field(init=False)
    done: list[str] = field(default_factory=list)

    def start(self, data: dict[str, Any] | None = None) -> Dossier:
        self.wf = engine.start(self.compiled, data or {}, now=self.clock.now)
        self.save_restore()
        return self

    def save_restore(self) -> None:
        text = engine.dumps(self.wf)
        self.wf = engine.loads(text, self.compiled)
        assert engine.dumps(self.wf) == text  # a reload changes nothing

    def steps(self) -> list[engine.StepView]:
        return engine.ready_steps(self.wf)

    def step_ids(self) -> list[str]:
        return sorted(s.spec_id for s in self.steps())

    def complete(self, spec_id: str, data: dict[str, Any] | None = None) -> None:
        step = next(s for s in self.steps() if s.spec_id == spec_id)
        engine.complete_step(self.wf, step.task_id, data or {}, now=self.clock.now)
        self.done.append(spec_id)
        self.save_restore()

    def fire(self) -> list[str]:
        fired = engine.fire_due_timers(self.wf, now=self.clock.now)
        self.save_restore()
        return fired

    def run_all(self, answers: Callable[[engine.StepView], dict[str, Any]] | None = None,
                limit: int = 200, timers_first: bool = False) -> None:
        """Complete every ready step (and fire timers) until the process ends.

        ``timers_first`` lets every waiting timer run out before an officer acts (for diagrams whose
        joins wait for a timer's branch).
        """
        for _ in range(limit):
            if engine.is_completed(self.wf):
                return
            steps = self.steps()
            timers = engine.waiting_timers(self.wf)
            if timers_first and timers:
                self.clock.now = max(self.clock.now, timers[0].due_at)
                self.fire()
                continue
            if steps:
                step = steps[0]
                engine.complete_step(self.wf, step.task_id, answers(step) if answers else {}, now=self.clock.now)
                self.done.append(step.spec_id)
                self.save_restore()
                continue
            timers = engine.waiting_timers(self.wf)
            if not timers:
                break
            self.clock.now = max(self.clock.now, timers[0].due_at)
            self.fire()
        assert engine.is_completed(self.wf), f"stuck after {self.done}"


@pytest.fixture
def dossier(clock: Clock) -> Callable[..., Dossier]:
    def make(compiled: engine.CompiledProcess, data: dict[str, Any] | None = None) -> Dossier:
        return Dossier(compiled, clock).start(data)
    return make


@pytest.fixture
def compiled_of() -> Callable[..., engine.CompiledProcess]:
    """``compiled_of(process_id, *file_names)`` for diagrams in tests/engine/data."""
    return compile_data


@pytest.fixture
def data_bytes() -> Callable[..., dict[str, bytes]]:
    return read_data
