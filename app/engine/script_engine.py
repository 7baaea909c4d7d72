"""Script engine given to every workflow: expressions go through the safe evaluator, scripts never run.

Why both the engine and its environment are replaced: SpiffWorkflow calls ``script_engine.evaluate`` for
gateway conditions, timers and multi-instance cardinalities, but a few paths (process completion
conditions, message correlations) call ``script_engine.environment.evaluate`` directly. Both end in
:func:`app.engine.evaluator.evaluate`; ``execute`` and ``call_service`` refuse, whatever the text.
"""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import (
    BasePythonScriptEngineEnvironment,
)

from .evaluator import EvaluationError, evaluate
from .timers import CLOCK


class ScriptRefused(EvaluationError):
    """Raised if anything asks the engine to run designer code (refused at compile; this is the backstop)."""


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates with the whitelisting walker; never executes."""

    def evaluate(self, expression: str, context: dict, external_context: dict | None = None) -> Any:
        names = dict(external_context or {})
        names.update(context or {})
        return evaluate(expression, names, now=CLOCK.get())

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        raise ScriptRefused("scripts in diagrams are never executed")

    def call_service(self, context: dict, **kwargs: Any) -> Any:
        raise ScriptRefused("service calls from diagrams are not supported")


class SafeScriptEngine(PythonScriptEngine):
    """PythonScriptEngine whose evaluate is the safe evaluator and whose execute refuses."""

    def __init__(self) -> None:
        super().__init__(environment=SafeEnvironment())

    def validate(self, expression: str) -> None:
        from .evaluator import check_syntax
        check_syntax(expression)

    def evaluate(self, task: Any, expression: str, external_context: dict | None = None) -> Any:
        # EvaluationError propagates (tagged with the element) so the runner can make it a ConditionError.
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except EvaluationError as exc:
            exc.spec_id = getattr(task.task_spec, "bpmn_id", None)  # type: ignore[attr-defined]
            exc.expression = expression  # type: ignore[attr-defined]
            raise

    def execute(self, task: Any, script: str, external_context: dict | None = None) -> bool:
        raise ScriptRefused("scripts in diagrams are never executed")

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        raise ScriptRefused("service calls from diagrams are not supported")


#: One shared, stateless instance is enough: the time comes from the clock context variable.
SCRIPT_ENGINE = SafeScriptEngine()
