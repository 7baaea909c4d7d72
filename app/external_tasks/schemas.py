"""Payloads of the external-task API, in Camunda 7's field names (``data_key``) so its clients work unchanged."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api import StrictSchema

WORKER_ID = validate.Length(min=1, max=255)
#: Longest lease and longest retry wait a worker may ask for: one day, in milliseconds.
MAX_LOCK_MS = 24 * 3600 * 1000
#: Longest long poll (``asyncResponseTimeout``): a minute, within any proxy's and gunicorn's timeout.
MAX_POLL_MS = 60_000


def _ms(**kwargs) -> ma.fields.Integer:
    return ma.fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_LOCK_MS), **kwargs)


class FetchTopicIn(StrictSchema):
    topic_name = ma.fields.String(data_key="topicName", required=True, validate=validate.Length(min=1, max=255))
    lock_duration = _ms(data_key="lockDuration", required=True, metadata={"description": "milliseconds"})
    variables = ma.fields.List(ma.fields.String(validate=validate.Length(max=64)), allow_none=True,
                               validate=validate.Length(max=200), metadata={
                                   "description": "names of the variables to fetch; omitted or null: all"})
    local_variables = ma.fields.Boolean(data_key="localVariables")
    business_key = ma.fields.String(data_key="businessKey", allow_none=True, validate=validate.Length(max=64),
                                    metadata={"description": "only the task of this dossier (its code)"})
    process_definition_key = ma.fields.String(data_key="processDefinitionKey", allow_none=True,
                                              validate=validate.Length(max=128))
    process_definition_key_in = ma.fields.List(ma.fields.String(validate=validate.Length(max=128)),
                                               data_key="processDefinitionKeyIn", allow_none=True,
                                               validate=validate.Length(max=50))
    process_variables = ma.fields.Dict(data_key="processVariables", allow_none=True, metadata={
        "description": "only tasks whose process has these values"})
    deserialize_values = ma.fields.Boolean(data_key="deserializeValues")
    include_extension_properties = ma.fields.Boolean(data_key="includeExtensionProperties")


class FetchAndLockIn(StrictSchema):
    worker_id = ma.fields.String(data_key="workerId", required=True, validate=WORKER_ID)
    max_tasks = ma.fields.Integer(data_key="maxTasks", strict=True, load_default=10,
                                  validate=validate.Range(min=1, max=100))
    use_priority = ma.fields.Boolean(data_key="usePriority", load_default=False)
    async_response_timeout = ma.fields.Integer(data_key="asyncResponseTimeout", strict=True, allow_none=True,
                                               validate=validate.Range(min=0, max=MAX_POLL_MS), metadata={
                                                   "description": "long polling: wait up to this many ms for a "
                                                                  "task (at most 60000)"})
    topics = ma.fields.List(ma.fields.Nested(FetchTopicIn), required=True, validate=validate.Length(min=1, max=50))
    sorting = ma.fields.List(ma.fields.Dict(), allow_none=True, validate=validate.Length(max=5))


class ExternalCompleteIn(StrictSchema):
    worker_id = ma.fields.String(data_key="workerId", required=True, validate=WORKER_ID)
    variables = ma.fields.Dict(allow_none=True, metadata={"description": "typed: {name: {value, type}}"})
    local_variables = ma.fields.Dict(data_key="localVariables", allow_none=True)


class ExternalFailureIn(StrictSchema):
    worker_id = ma.fields.String(data_key="workerId", required=True, validate=WORKER_ID)
    error_message = ma.fields.String(data_key="errorMessage", allow_none=True, validate=validate.Length(max=4000))
    error_details = ma.fields.String(data_key="errorDetails", allow_none=True, validate=validate.Length(max=20000))
    retries = ma.fields.Integer(strict=True, required=True, validate=validate.Range(min=0, max=1000), metadata={
        "description": "retries left; 0: an incident a leader sees"})
    retry_timeout = ma.fields.Integer(data_key="retryTimeout", strict=True, load_default=0,
                                      validate=validate.Range(min=0, max=MAX_LOCK_MS))


class BpmnErrorIn(StrictSchema):
    worker_id = ma.fields.String(data_key="workerId", required=True, validate=WORKER_ID)
    error_code = ma.fields.String(data_key="errorCode", required=True, validate=validate.Length(min=1, max=255))
    error_message = ma.fields.String(data_key="errorMessage", allow_none=True, validate=validate.Length(max=4000))
    variables = ma.fields.Dict(allow_none=True)


class ExtendLockIn(StrictSchema):
    worker_id = ma.fields.String(data_key="workerId", required=True, validate=WORKER_ID)
    new_duration = _ms(data_key="newDuration", required=True)


class ExternalRetriesIn(StrictSchema):
    retries = ma.fields.Integer(strict=True, required=True, validate=validate.Range(min=0, max=1000))


class ExternalTaskQuery(StrictSchema):
    topic_name = ma.fields.String(data_key="topicName", validate=validate.Length(max=255))
    worker_id = ma.fields.String(data_key="workerId", validate=WORKER_ID)
    locked = ma.fields.Boolean()
    not_locked = ma.fields.Boolean(data_key="notLocked")
    with_retries_left = ma.fields.Boolean(data_key="withRetriesLeft")
    no_retries_left = ma.fields.Boolean(data_key="noRetriesLeft", metadata={"description": "the incidents"})
    process_instance_id = ma.fields.String(data_key="processInstanceId", validate=validate.Length(max=20))
    business_key = ma.fields.String(data_key="businessKey", validate=validate.Length(max=64))
    first_result = ma.fields.Integer(data_key="firstResult", load_default=0, validate=validate.Range(min=0, max=10**9))
    max_results = ma.fields.Integer(data_key="maxResults", load_default=100, validate=validate.Range(min=1, max=1000))


class ExternalCountQuery(ExternalTaskQuery):
    pass


class ExternalTaskOut(ma.Schema):
    id = ma.fields.String()
    topic_name = ma.fields.String(data_key="topicName")
    worker_id = ma.fields.String(data_key="workerId", allow_none=True)
    lock_expiration_time = ma.fields.String(data_key="lockExpirationTime", allow_none=True)
    retries = ma.fields.Integer(allow_none=True)
    error_message = ma.fields.String(data_key="errorMessage", allow_none=True)
    priority = ma.fields.Integer()
    activity_id = ma.fields.String(data_key="activityId")
    activity_instance_id = ma.fields.String(data_key="activityInstanceId")
    execution_id = ma.fields.String(data_key="executionId")
    process_instance_id = ma.fields.String(data_key="processInstanceId")
    process_definition_id = ma.fields.String(data_key="processDefinitionId")
    process_definition_key = ma.fields.String(data_key="processDefinitionKey")
    process_definition_version_tag = ma.fields.String(data_key="processDefinitionVersionTag", allow_none=True)
    business_key = ma.fields.String(data_key="businessKey")
    tenant_id = ma.fields.String(data_key="tenantId", allow_none=True)
    suspended = ma.fields.Boolean()


class LockedExternalTaskOut(ExternalTaskOut):
    error_details = ma.fields.String(data_key="errorDetails", allow_none=True)
    variables = ma.fields.Dict()
    extension_properties = ma.fields.Dict(data_key="extensionProperties")


class ExternalCountOut(ma.Schema):
    count = ma.fields.Integer()
