"""Task spec classes of our own (registered with the serializer in :mod:`app.engine.serializer`)."""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import NoneTask, UserTask


class PassThroughTask(NoneTask):
    """A plain ``bpmn:task``: drawn for documentation, it is not a step and completes by itself.

    Why: SpiffWorkflow treats an untyped task as manual, which would stop a dossier on a box nobody is
    assigned to; the conventions make only userTask/manualTask steps (``support.STEP_ELEMENTS``).
    """

    def __init__(self, wf_spec: Any, bpmn_id: str, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.manual = False


class ExternalTask(UserTask):
    """A ``serviceTask`` or ``sendTask``: the engine waits on it as on a person's step, but a worker does it.

    Why a waiting task: no designer text runs here, so the work is handed out as an external task on its
    topic (``extensions["external"]``, read by :mod:`app.engine.external`) and the worker's completion moves
    the dossier exactly as an officer's does — in one transaction, under the dossier's lock.
    """
