"""Task spec classes of our own (registered with the serializer in :mod:`app.engine.serializer`)."""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import NoneTask


class PassThroughTask(NoneTask):
    """A plain ``bpmn:task``: drawn for documentation, it is not a step and completes by itself.

    Why: SpiffWorkflow treats an untyped task as manual, which would stop a dossier on a box nobody is
    assigned to; the conventions make only userTask/manualTask steps (``support.STEP_ELEMENTS``).
    """

    def __init__(self, wf_spec: Any, bpmn_id: str, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.manual = False
