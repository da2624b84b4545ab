"""Workflow and task statuses, with the groups orquesta reasons about."""

UNSET = "null"
RUNNING = "running"
RETRYING = "retrying"
SUCCEEDED = "succeeded"
FAILED = "failed"
EXPIRED = "timeout"
CANCELING = "canceling"
CANCELED = "canceled"

ACTIVE = frozenset([RUNNING, RETRYING, CANCELING])
COMPLETED = frozenset([SUCCEEDED, FAILED, EXPIRED, CANCELED])
ABENDED = frozenset([FAILED, EXPIRED, CANCELED])
