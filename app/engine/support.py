"""Which BPMN elements Motcua Flow executes, the single list that validation and the engine share.

Why a list of our own: SpiffWorkflow can run script, service and business-rule tasks, but those run
designer-written code or call out of the process. Agencies' procedures are people's steps, gateways and
timers, and system work handed to workers outside the service (service and send tasks, as external tasks
on a topic); everything else is refused at validation with the element named (or, in a process that is not
executable, reported as a warning: the diagram is kept as documentation and cannot be published).
"""
from __future__ import annotations

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"

#: Flow elements (local names in the BPMN model namespace) that an executable process may contain.
SUPPORTED_FLOW_ELEMENTS: frozenset[str] = frozenset({
    "startEvent", "endEvent",
    "userTask", "manualTask", "task",
    "serviceTask", "sendTask",  # external tasks: a worker outside the service does them (app/engine/external.py)
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
    "subProcess", "callActivity",
    "boundaryEvent", "intermediateCatchEvent", "intermediateThrowEvent",
    "sequenceFlow",
    # Decorations: drawn, never executed, so they never block an executable process.
    "dataObject", "dataObjectReference", "dataStoreReference", "textAnnotation", "association",
    "group", "laneSet",
})

#: Event definitions an executable process may use. Timers drive deadlines and escalations; error,
#: escalation and terminate stay inside one process. Message, signal and conditional events need a
#: correlation API that the service does not offer yet.
SUPPORTED_EVENT_DEFINITIONS: frozenset[str] = frozenset({
    "timerEventDefinition", "errorEventDefinition", "escalationEventDefinition",
    "terminateEventDefinition",
})

#: Elements refused in an executable process, with the reason shown to the designer (Vietnamese, English).
UNSUPPORTED_REASONS: dict[str, tuple[str, str]] = {
    "scriptTask": ("Không hỗ trợ tác vụ kịch bản (script task): mã trong sơ đồ không bao giờ được chạy.",
                   "Script tasks are not supported: code in a diagram is never run."),
    "businessRuleTask": ("Không hỗ trợ tác vụ quy tắc nghiệp vụ (business rule task/DMN).",
                         "Business rule (DMN) tasks are not supported."),
    "receiveTask": ("Không hỗ trợ tác vụ nhận thông điệp (receive task).",
                    "Receive tasks are not supported."),
    "transaction": ("Không hỗ trợ tiểu trình giao dịch (transaction).", "Transaction subprocesses are not supported."),
    "adHocSubProcess": ("Không hỗ trợ tiểu trình ad-hoc.", "Ad-hoc subprocesses are not supported."),
    "complexGateway": ("Không hỗ trợ cổng phức hợp (complex gateway).", "Complex gateways are not supported."),
    "messageEventDefinition": ("Không hỗ trợ sự kiện thông điệp (message event).",
                               "Message events are not supported."),
    "signalEventDefinition": ("Không hỗ trợ sự kiện tín hiệu (signal event).", "Signal events are not supported."),
    "conditionalEventDefinition": ("Không hỗ trợ sự kiện điều kiện (conditional event).",
                                   "Conditional events are not supported."),
    "linkEventDefinition": ("Không hỗ trợ sự kiện liên kết (link event).", "Link events are not supported."),
    "compensateEventDefinition": ("Không hỗ trợ sự kiện bù trừ (compensation).",
                                  "Compensation events are not supported."),
    "cancelEventDefinition": ("Không hỗ trợ sự kiện huỷ (cancel event).", "Cancel events are not supported."),
}

#: Task types that count as a procedure step (bước) and carry timeLimit / form properties.
STEP_ELEMENTS: frozenset[str] = frozenset({"userTask", "manualTask"})
#: Task types a worker does (external tasks, by topic): system steps, never in an officer's inbox.
EXTERNAL_ELEMENTS: frozenset[str] = frozenset({"serviceTask", "sendTask"})
