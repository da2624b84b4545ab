"""st2lite's Orquesta workflow engine: a pure library, faithful to orquesta 1.6.

    errors = inspect_workflow(definition)
    outcome = run_workflow(definition, inputs, executor, kv_get=None, st2_context=None,
                           max_workers=None)
"""
from st2lite.orquesta.errors import WorkflowSpecError
from st2lite.orquesta.workflow import WorkflowOutcome, inspect_workflow, run_workflow

__all__ = ["inspect_workflow", "run_workflow", "WorkflowOutcome", "WorkflowSpecError"]
