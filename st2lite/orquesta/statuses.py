"""Workflow and task statuses, with the groups orquesta reasons about."""

UNSET = "null"
RUNNING = "running"
RETRYING = "retrying"
PENDING = "pending"  # its action waits for an answer from outside (an inquiry)
PAUSING = "pausing"
PAUSED = "paused"
RESUMING = "resuming"
SUCCEEDED = "succeeded"
FAILED = "failed"
EXPIRED = "timeout"
CANCELING = "canceling"
CANCELED = "canceled"

ACTIVE = frozenset([RUNNING, RETRYING, RESUMING, PAUSING, CANCELING])
# A workflow in these statuses starts new tasks.
STARTING = frozenset([RUNNING, RESUMING])
# A task holding the workflow back from going on (orquesta's "paused tasks"), until it resumes.
HELD = frozenset([PENDING, PAUSING, PAUSED])
COMPLETED = frozenset([SUCCEEDED, FAILED, EXPIRED, CANCELED])
ABENDED = frozenset([FAILED, EXPIRED, CANCELED])
