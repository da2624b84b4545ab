"""The runtime: packs, the store and the runners wired together, as StackStorm's services are.

`execute` runs one action to completion and records it; `fire_trigger` hands a trigger instance
to the rules engine and starts the actions of the rules that match.
"""

import functools
import json
import os
import threading
import time
import traceback

from st2lite import execution_control
from st2lite import params as parameters_mod
from st2lite.control_watch import ControlWatch
from st2lite.notifications import effective_notify, notify_payloads
from st2lite.packs.config import PackConfigError, load_pack_config
from st2lite.packs.loader import load_packs
from st2lite.policies import concurrency
from st2lite.policies.retry import RetryPolicy
from st2lite.rules.engine import execution_context
from st2lite.runners.base import ActionRequest
from st2lite.runners.registry import resumer_for, runner_for
from st2lite.store.datastore import Datastore, GlobalKeys
from st2lite.store.db import Database
from st2lite.store.execution_output import OutputStore
from st2lite.store.executions import ExecutionStore
from st2lite.store.runtimes import RuntimeRegistry
from st2lite.store.triggers import TriggerStore

SYSTEM_USER = "stanley"
MAX_POLICY_WAIT = 3600
NOT_STARTED = ("canceled", "the st2lite process that was to run it ended before it started")
# (status, error) of an execution whose st2lite process died, by the status it was left in
ORPHANED = {
    "scheduled": NOT_STARTED,
    "delayed": NOT_STARTED,
    "running": ("abandoned", "the st2lite process running it died"),
    "canceling": ("canceled", "the st2lite process running it died as it was being canceled"),
}


class RuntimeError_(Exception):
    """A one-line, user-facing error (unknown action, bad parameters): exit code 2."""


class Runtime(object):
    def __init__(self, pack_paths, state_dir):
        self.pack_paths = list(pack_paths)
        self.state_dir = os.path.abspath(os.path.expanduser(state_dir))
        self.db = Database(self.state_dir)
        self.executions = ExecutionStore(self.db)
        self.output = OutputStore(self.db)
        self.datastore = Datastore(self.db, self.state_dir)
        self.triggers = TriggerStore(self.db)
        self.sensor_datastore = GlobalKeys(self.datastore)
        self.runtimes = RuntimeRegistry(self.state_dir)
        self.registration = self.runtimes.register()
        self.control = ControlWatch(self.db)
        self._content = None
        self._configs = {}
        self._threads = []
        self._lock = threading.Lock()

    # --- content -------------------------------------------------------------------------

    @property
    def content(self):
        if self._content is None:
            self._content = load_packs(self.pack_paths)
        return self._content

    def action(self, ref):
        action = self.content.actions.get(ref)
        if action is None:
            raise RuntimeError_(
                "unknown action %r: see `st2lite pack list` for the actions of the "
                "loaded packs (packs path: %s)" % (ref, ":".join(self.pack_paths))
            )
        if not action.get("enabled", True):
            raise RuntimeError_(
                "action %r is disabled: set enabled: true in %s"
                % (ref, action.get("metadata_file"))
            )
        return action

    def pack_config(self, pack_ref):
        if pack_ref not in self._configs:
            pack = self.content.packs.get(pack_ref)
            self._configs[pack_ref] = (
                load_pack_config(pack, self.config_dir, self.kv_lookup) if pack else {}
            )
        return self._configs[pack_ref]

    @property
    def config_dir(self):
        return os.path.join(self.state_dir, "configs")

    @property
    def scratch_dir(self):
        """A directory of this runtime's own for files passed between processes (action
        results): removed with whatever is left in it once this process has ended."""
        return self.registration.directory

    def pack_lib_paths(self, pack_ref):
        pack = self.content.packs.get(pack_ref)
        return pack.lib_paths if pack else []

    def kv_lookup(self, name, scope="system", decrypt=False):
        return self.datastore.get(name, scope=scope, decrypt=decrypt)

    # --- executions ----------------------------------------------------------------------

    def request(
        self,
        ref,
        given,
        context=None,
        parent_id=None,
        task=None,
        item=None,
        cast=False,
        notify=None,
    ):
        """Validate what can be validated up front and record a requested execution (with its
        own `notify` settings, if any). Returns (execution_id, action, given) or raises
        RuntimeError_ for bad input."""
        action = self.action(ref)
        schema = parameters_mod.action_schema(action)
        try:
            given = parameters_mod.cast_given(schema, given) if cast else dict(given)
            parameters_mod.check_given(action, given)
        except parameters_mod.ParameterError as e:
            raise RuntimeError_(str(e)) from e
        context = dict(context or {})
        context.setdefault("user", SYSTEM_USER)
        execution_id = self.executions.create(
            ref,
            action["runner_type"],
            parameters_mod.mask_secrets(schema, given),
            context,
            parent_id=parent_id,
            task=task,
            item=item,
            notify=notify,
        )
        return execution_id, action, given

    def execute(self, ref, given, context=None, parent_id=None, task=None, item=None, cast=False):
        """Run an action to completion; returns the execution as a dict. Inside a workflow an
        unknown action or bad parameters become a failed child instead of an exception."""
        try:
            execution_id, action, given = self.request(
                ref, given, context, parent_id, task, item, cast
            )
        except RuntimeError_ as e:
            if parent_id is None:
                raise
            return self.record_refused(ref, given, context, parent_id, task, item, str(e))
        return self._retry(self._run_once(execution_id, action, given), action, given)

    def run_requested(self, execution_id, action, given):
        """Run a recorded execution; returns it when done. An `action.retry` policy then re-runs
        it as new executions in the background, as StackStorm does after the original ends."""
        execution = self._run_once(execution_id, action, given)
        if self._retry_policies(action["ref"]):
            self.start_background(self._retry, execution, action, given)
        return execution

    def _run_once(self, execution_id, action, given):
        record = self.executions.get(execution_id, with_children=False)
        context = record["context"]
        policies = self._policies_for(action["ref"])
        if policies:
            claimed = concurrency.claim(
                self.db,
                self.registration,
                execution_id,
                action["ref"],
                given,
                [concurrency.ConcurrencyPolicy(p) for p in policies],
                MAX_POLICY_WAIT,
            )
            if claimed == "canceled":
                if execution_control.canceled_before_start(self, execution_id):
                    execution_control.start_running(self, execution_id)  # settles it
                    return self.executions.get(execution_id)
                self.executions.update(
                    execution_id,
                    status="canceled",
                    result={"error": "canceled by the concurrency policy of %s" % action["ref"]},
                )
                return self._finish(execution_id, action)
        try:
            final = parameters_mod.finalize(
                action, given, context, self.kv_lookup, self.pack_config(action["pack"])
            )
        except (parameters_mod.ParameterError, PackConfigError) as e:
            self.executions.update(execution_id, status="failed", result={"error": str(e)})
            return self._finish(execution_id, action)
        if not execution_control.start_running(self, execution_id):
            return self.executions.get(execution_id)  # canceled before it started
        status, result = self._run_runner(runner_for(action), action, final, execution_id, context)
        return self._record_outcome(execution_id, action, status, result, final)

    def resume(self, execution_id):
        """Go on with a paused workflow in this process until it ends or pauses again; returns
        the execution, or None when it is not paused (another process resumed it first)."""
        from st2lite.store.workflow_states import WorkflowStateStore

        record = self.executions.get(execution_id, with_children=False)
        action = self.action(record["action"])
        saved = WorkflowStateStore(self.db).load(execution_id)
        resumer = resumer_for(action)
        if saved is None or resumer is None:
            return None
        token = self.registration.token
        if self.executions.claim(execution_id, "resuming", token, os.getpid()):
            resumer = functools.partial(resumer, asked=True)  # a resume someone asked for
        elif not self.executions.claim(execution_id, "paused", token, os.getpid()):
            return None
        status, result = self._run_runner(
            resumer, action, saved.parameters, execution_id, record["context"]
        )
        return self._record_outcome(execution_id, action, status, result, saved.parameters)

    def _record_outcome(self, execution_id, action, status, result, final):
        if status == "paused":
            # Recorded with the workflow's state as it paused (runners/orquesta_parking): an
            # answer may be resuming it in another process already, so report it as it paused.
            return dict(self.executions.get(execution_id), status="paused")
        schema = parameters_mod.action_schema(action)
        self.executions.update(
            execution_id, status=status, result=_mask_values(result, schema, final)
        )
        return self._finish(execution_id, action)

    def _run_runner(self, runner, action, final, execution_id, context):
        with self.control.watching(execution_id):
            try:
                outcome = runner(ActionRequest(self, action, final, execution_id, context))
                status, result = outcome.status, outcome.result
            except Exception as e:  # a fault in a runner must fail the execution, not the runtime
                status, result = (
                    "failed",
                    {
                        "error": "%s: %s" % (type(e).__name__, e),
                        "traceback": traceback.format_exc(),
                    },
                )
        return execution_control.outcome_after_requests(self, execution_id, status, result)

    def announce_end(self, execution_id):
        """What follows the end of an execution that was recorded elsewhere (an inquiry
        answered or timed out): the action triggers."""
        execution = self.executions.get(execution_id)
        self._emit_action_triggers(execution, self.action(execution["action"]))

    def _finish(self, execution_id, action):
        execution = self.executions.get(execution_id)
        self._emit_action_triggers(execution, action)
        return execution

    def record_refused(self, ref, given, context, parent_id, task, item, message):
        """A child execution that never ran (unknown action, bad parameters, a cycle): recorded
        as failed with the reason, so the workflow's history shows why."""
        context = dict(context or {}, user=(context or {}).get("user", SYSTEM_USER))
        execution_id = self.executions.create(
            ref, None, given or {}, context, parent_id=parent_id, task=task, item=item
        )
        self.executions.update(execution_id, status="failed", result={"error": message})
        return self.executions.get(execution_id)

    def _retry_policies(self, ref):
        return [
            RetryPolicy(p)
            for p in self.content.policies
            if p.get("enabled", True)
            and p["resource_ref"] == ref
            and p["policy_type"] == "action.retry"
        ]

    def _retry(self, execution, action, given):
        """Re-run while a retry policy says so; returns the last attempt. Every attempt is
        recorded, each linked to the one it retried by context.policies.retry."""
        for policy in self._retry_policies(action["ref"]):
            context = policy.next_context(execution)
            while context is not None:
                execution_id = self.executions.create(
                    action["ref"],
                    action["runner_type"],
                    execution["parameters"],
                    context,
                    parent_id=execution.get("parent"),
                    task=execution.get("task"),
                    item=execution.get("item"),
                )
                self._hold_delayed(execution_id, policy.delay)
                execution = self._run_once(execution_id, action, given)
                context = policy.next_context(execution)
        return execution

    def _hold_delayed(self, execution_id, seconds):
        """Keep the requested execution `delayed` in this process for SECONDS, as StackStorm
        holds a delayed action; a cancel (of it, or of its workflow) ends the wait at once, and
        start_running then settles it canceled."""
        if not seconds:
            return
        self.executions.transition(
            execution_id,
            ("requested",),
            status="delayed",
            pid=os.getpid(),
            runtime=self.registration.token,
        )
        with self.control.watching(execution_id):
            self.control.cancel_event(execution_id).wait(seconds)

    def _policies_for(self, ref):
        return [
            p
            for p in self.content.policies
            if p.get("enabled", True)
            and p["resource_ref"] == ref
            and p["policy_type"] in ("action.concurrency", "action.concurrency.attr")
        ]

    def reap_abandoned(self):
        """Settle the executions of st2lite processes that died (however: killed, a reboot, a
        container restart), so that neither policies nor the history wait on them; then remove
        what those processes left in the state directory. As StackStorm abandons the executions
        of a worker that goes away, one that was running is `abandoned` (its outcome is
        unknown); one that never started (scheduled, or delayed by a policy) is `canceled`."""
        for execution in self.executions.running():
            if execution["status"] == "requested" or self.runtimes.is_alive(execution["runtime"]):
                continue  # requested: not yet taken by a runtime (a --async worker's, say)
            status, error = ORPHANED.get(execution["status"], ORPHANED["running"])
            self.executions.update(
                execution["id"], status=status, result=dict(execution["result"] or {}, error=error)
            )
        self.runtimes.sweep()

    # --- triggers and rules --------------------------------------------------------------

    def fire_trigger(self, trigger_ref, payload, wait=True, trace_tag=None):
        """Record a trigger instance, evaluate every enabled rule on its type, start the actions
        of the rules that match. Returns {"trigger_instance", "enforcements"}."""
        from st2lite.rules import evaluate_rules

        if trigger_ref not in self.content.trigger_types:
            raise RuntimeError_(
                "unknown trigger type %r: declare it in a pack's triggers/ folder or "
                "in a sensor's trigger_types" % trigger_ref
            )
        instance_id = self.triggers.add_instance(trigger_ref, payload)
        decisions = evaluate_rules(
            self.content.rules,
            trigger_ref,
            payload,
            kv_get=self._kv_get_or_empty,
            trigger_instance_id=instance_id,
        )
        enforcements, threads = [], []
        for decision in decisions:
            enforcement, thread = self._enforce(decision, instance_id)
            enforcements.append(enforcement)
            if thread:
                threads.append(thread)
        self.triggers.set_instance_status(instance_id, "processed")
        if wait:
            for thread in threads:
                thread.join()
        return {"trigger_instance": instance_id, "enforcements": enforcements}

    def dispatch_trigger(self, trigger_ref, payload, trace_tag=None):
        """What sensors and core.inject_trigger call: fire without waiting for the actions."""
        return self.fire_trigger(trigger_ref, payload, wait=False, trace_tag=trace_tag)[
            "trigger_instance"
        ]

    def _enforce(self, decision, instance_id):
        if decision.failure_reason:
            return self.triggers.add_enforcement(
                decision.rule_ref, instance_id, None, "failed", decision.failure_reason
            ), None
        context = execution_context(
            decision.rule_ref, instance_id, decision.action_ref, SYSTEM_USER
        )
        try:
            execution_id, action, given = self.request(
                decision.action_ref, decision.parameters or {}, context, cast=True
            )
        except RuntimeError_ as e:
            return self.triggers.add_enforcement(
                decision.rule_ref, instance_id, None, "failed", str(e)
            ), None
        enforcement = self.triggers.add_enforcement(
            decision.rule_ref, instance_id, execution_id, "succeeded"
        )
        thread = self.start_background(self.run_requested, execution_id, action, given)
        return enforcement, thread

    def _kv_get_or_empty(self, key, decrypt=False):
        """StackStorm renders a missing `st2kv.system.x` in a rule as an empty string."""
        value = self.datastore.get(key, decrypt=decrypt)
        return "" if value is None else value

    def _emit_action_triggers(self, execution, action):
        """core.st2.generic.actiontrigger for every finished execution, and notifytrigger for
        each notify route of the execution or its action, when a rule listens for them."""
        if execution["status"] not in ("succeeded", "failed", "timeout", "canceled"):
            return
        listening = set(r["trigger"]["type"] for r in self.content.rules if r.get("enabled", True))
        payload = {
            "execution_id": execution["id"],
            "status": execution["status"],
            "start_timestamp": execution["start_timestamp"],
            "action_name": action.get("name"),
            "action_ref": action["ref"],
            "runner_ref": action["runner_type"],
            "parameters": execution["parameters"],
            "result": execution["result"],
        }
        if "core.st2.generic.actiontrigger" in listening:
            self.dispatch_trigger("core.st2.generic.actiontrigger", payload)
        if "core.st2.generic.notifytrigger" in listening:
            notify = effective_notify(execution, action)
            for notice in notify_payloads(execution, action, notify, self.kv_lookup):
                self.dispatch_trigger("core.st2.generic.notifytrigger", notice)

    # --- threads -------------------------------------------------------------------------

    def start_background(self, target, *args):
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        return thread

    def wait_background(self, timeout=None):
        """Wait until no background work is left, including work started meanwhile (an action
        a rule starts on the end of one being waited for), or until TIMEOUT seconds."""
        deadline = None if timeout is None else time.time() + timeout
        while True:
            with self._lock:
                running = [t for t in self._threads if t.is_alive()]
            if not running or (deadline is not None and time.time() >= deadline):
                return
            for thread in running:
                thread.join(None if deadline is None else max(0, deadline - time.time()))


def _mask_values(result, schema, final):
    """Secret parameter values never appear in stored results, wherever the action echoed them."""
    secrets = [
        str(final[n]) for n in parameters_mod.secret_names(schema) if final.get(n) not in (None, "")
    ]
    if not secrets:
        return result
    text = json.dumps(result)
    for secret in secrets:
        text = text.replace(json.dumps(secret)[1:-1], parameters_mod.MASK)
    return json.loads(text)
