"""Errors the engine package raises; the service maps them to HTTP answers and dossier incidents."""
from __future__ import annotations


class EngineError(Exception):
    """Base of every error the engine raises (no SpiffWorkflow exception leaves the package)."""


class CompileError(EngineError):
    """A diagram cannot be compiled; ``element_id`` names the offending element (None: the document)."""

    def __init__(self, element_id: str | None, message: str) -> None:
        super().__init__(f"{element_id}: {message}" if element_id else message)
        self.element_id = element_id
        self.message = message


class ConditionError(EngineError):
    """An expression failed while the dossier ran (a dossier incident); the state is left as it was."""

    def __init__(self, spec_id: str | None, message: str) -> None:
        super().__init__(f"{spec_id}: {message}" if spec_id else message)
        self.spec_id = spec_id
        self.message = message


class TimerError(EngineError):
    """A timer expression is not a valid ISO 8601 date, duration or cycle."""


class TaskNotReady(EngineError):
    """The step exists but is not waiting for an officer (already done, cancelled or not reached)."""


class UnknownTask(EngineError):
    """No step with that id in this dossier."""


class StateError(EngineError):
    """Saved state cannot be read (unknown format or a serializer version from the future)."""
