"""st2lite's Orquesta workflow engine: a pure library, faithful to orquesta 1.6.

    errors = inspect_workflow(definition)             # [] when valid, else error dicts
    outcome = run_workflow(definition, inputs, executor, kv_get=None, st2_context=None,
                           max_workers=None, actions=None, parking=None, saved=None)
                                                      # WorkflowOutcome(status, output, errors)

A workflow whose task waits on an inquiry pauses; `parking` (runner.Parking) keeps the paused
run, and `saved` goes on with it (see runner).

Modules, as orquesta splits them: `spec` (parsing and inspection, with `schema` and `inline`;
`contents` checks the actions tasks name against the registered ones, as StackStorm does),
`graph` (the composed task graph), `expressions` (YAQL, Jinja and their functions), `state`,
`machines` and `conductor` (the state machine), `rendering` (tasks into actions), `runner`
(threads that run actions through the executor) and `workflow` (this public API).
"""

from st2lite.orquesta.errors import WorkflowSpecError
from st2lite.orquesta.workflow import WorkflowOutcome, inspect_workflow, run_workflow

__all__ = ["inspect_workflow", "run_workflow", "WorkflowOutcome", "WorkflowSpecError"]
