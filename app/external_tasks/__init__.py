"""External tasks: service and send tasks done by workers outside the service, over a Camunda-7-compatible API.

Why Camunda 7's API: existing workers and the published Python client (``camunda-external-task-client-python3``)
work unchanged against ``<base>/api/v1``. A task is a step row of kind ``external`` (the engine waits on it as
on an officer's step); ``service`` hands it out under a lease (``worker_id``, ``lock_expires_at``) and records
failures and retries; a completion or a BPMN error moves the dossier through ``app.flows``, in the same
transaction and under the same lock as an officer's completion, so exactly one completion counts.
"""
