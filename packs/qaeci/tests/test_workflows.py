"""The Orquesta workflows (env_up, env_status, env_rebuild_failed, env_down), checked as far as
StackStorm can be without running its workflow engine: each task calls an existing action with
parameters it declares and every parameter it requires, every transition leads to a task, every
task can be reached, every context variable read was declared or published, the output has the
shape DESIGN.md promises, and each python step's result has the keys its workflow reads."""

import re
import unittest

from env_destroy import EnvDestroy
from env_inspect import EnvInspect
from env_next_deploys import EnvNextDeploys
from env_plan import EnvPlan
from env_report import EnvReport
from env_select_failed import EnvSelectFailed
from qaeci_pack_testkit import PACK_REF, QaeciActionTestCase, actions, workflow_definition
from remediate_agent import RemediateAgent
from remediate_decide import RemediateDecide
from remediate_diagnose import RemediateDiagnose
from remediate_memory import RemediateMemory
from remediate_restart import RemediateRestart

ENGINE_COMMANDS = {"fail", "noop", "continue", "retry"}
# Actions of StackStorm's own packs the workflows call: core.ask pauses for an approval.
OTHER_PACKS_ACTIONS = {"core.ask"}
# Steps whose scenarios need the cluster doubles: test_workflow_steps_scaling.py runs them.
SCENARIOS_ELSEWHERE = {
    "qaeci.cluster_scale_plan",
    "qaeci.cluster_scale_apply",
    "qaeci.cluster_drain",
}
REPORT_KEYS = ["apps", "creator", "deploy_type", "env", "services", "template"]
# DESIGN.md section 6: what env_up, env_status and env_rebuild_failed answer; env_down's own.
OUTPUT_KEYS = {
    "env_up": REPORT_KEYS,
    "env_status": REPORT_KEYS,
    "env_rebuild_failed": REPORT_KEYS,
    "env_down": ["env", "error", "remaining", "removed"],
}
# ctx().name and ctx(name) fail on a name never set; ctx().get('name') is the safe read.
CTX_READS = [r"ctx\(\)\.(\w+)\b(?!\s*\()", r"ctx\(\s*'?(\w+)'?\s*\)"]
# A python step's result read as result().result.KEY, or (when it may have crashed without
# one) as coalesce(result().get('result'), dict()).get('KEY', fallback).
RESULT_READS = [
    r"result\(\)\.result\.(\w+)",
    r"result\(\)\.get\('result'\), dict\(\)\)\.get\('(\w+)'",
]


def workflows():
    return {
        name: (meta, workflow_definition(meta))
        for name, meta in actions().items()
        if meta["runner_type"] == "orquesta"
    }


def names(entries):
    """Names declared by an input, vars or publish list (plain names or {name: value})."""
    found = []
    for entry in entries or []:
        found += [entry] if isinstance(entry, str) else list(entry)
    return found


def transitions(task):
    return task.get("next") or []


def targets(transition):
    do = transition.get("do") or []
    listed = do.split(",") if isinstance(do, str) else do
    return [target.strip() for target in listed]


def strings_in(node):
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [text for key, value in node.items() for text in strings_in(key) + strings_in(value)]
    if isinstance(node, list):
        return [text for item in node for text in strings_in(item)]
    return []


def task_call(task):
    """(action ref, {parameter: expression}) of a task, inline `ref k=v` or with `input:`;
    (None, {}) for a task that calls nothing (it only routes)."""
    if not task.get("action"):
        return None, {}
    ref, _, inline = task["action"].partition(" ")
    given = dict(task.get("input") or {})
    for match in re.finditer(r"(?:^|\s)(\w+)=(.*?)(?=\s+\w+=|$)", inline.strip()):
        given[match.group(1)] = match.group(2)
    return ref, given


class WorkflowDefinitionTestCase(unittest.TestCase):
    def setUp(self):
        self.actions = actions()
        self.workflows = workflows()

    def test_a_workflow_takes_its_actions_parameters_as_input(self):
        for name, (meta, definition) in self.workflows.items():
            self.assertEqual(definition.get("version"), 1.0, name)
            self.assertEqual(
                sorted(names(definition.get("input"))), sorted(meta.get("parameters") or {}), name
            )

    def test_every_task_calls_an_action_of_the_pack_with_the_parameters_it_takes(self):
        for name, (_, definition) in self.workflows.items():
            for task_name, task in definition["tasks"].items():
                where = "%s task %s" % (name, task_name)
                ref, given = task_call(task)
                if ref is None:
                    continue
                if ref in OTHER_PACKS_ACTIONS:
                    continue
                pack, _, action_name = ref.partition(".")
                self.assertEqual(pack, PACK_REF, where)
                self.assertIn(action_name, self.actions, where)
                declared = self.actions[action_name].get("parameters") or {}
                self.assertEqual(sorted(set(given) - set(declared)), [], where)
                required = [
                    parameter
                    for parameter, spec in declared.items()
                    if spec.get("required") and "default" not in spec
                ]
                self.assertEqual(sorted(set(required) - set(given)), [], where)
                immutable = [
                    parameter for parameter, spec in declared.items() if spec.get("immutable")
                ]
                self.assertEqual(sorted(set(immutable) & set(given)), [], where)

    def test_every_transition_leads_to_a_task_or_an_engine_command(self):
        for name, (_, definition) in self.workflows.items():
            tasks = definition["tasks"]
            for task_name, task in tasks.items():
                for transition in transitions(task):
                    for target in targets(transition):
                        self.assertIn(
                            target, set(tasks) | ENGINE_COMMANDS, "%s task %s" % (name, task_name)
                        )

    def test_every_task_can_be_reached_from_a_start_task(self):
        for name, (_, definition) in self.workflows.items():
            tasks = definition["tasks"]
            inbound = {task: 0 for task in tasks}
            for task in tasks.values():
                for transition in transitions(task):
                    for target in targets(transition):
                        if target in inbound:
                            inbound[target] += 1
            reached = [task for task, count in inbound.items() if count == 0]
            self.assertNotEqual(reached, [], "%s has no start task" % name)
            for task_name in reached:
                for transition in transitions(tasks[task_name]):
                    reached += [
                        target
                        for target in targets(transition)
                        if target in tasks and target not in reached
                    ]
            self.assertEqual(sorted(reached), sorted(tasks), name)
            for task_name, task in tasks.items():
                if task.get("join"):  # a join waits for the branches leading into it
                    self.assertGreater(inbound[task_name], 1, "%s task %s" % (name, task_name))

    def test_every_context_variable_read_was_declared_or_published(self):
        for name, (_, definition) in self.workflows.items():
            declared = set(names(definition.get("input")) + names(definition.get("vars")))
            for task in definition["tasks"].values():
                for transition in transitions(task):
                    declared.update(names(transition.get("publish")))
            read = set()
            for text in strings_in(definition):
                for pattern in CTX_READS:
                    read.update(re.findall(pattern, text))
            self.assertEqual(sorted(read - declared), [], name)

    def test_the_public_workflows_answer_in_the_promised_shape(self):
        for name, keys in OUTPUT_KEYS.items():
            self.assertIn(name, self.workflows)
            definition = self.workflows[name][1]
            self.assertEqual(sorted(names(definition.get("output"))), keys, name)


def keys_read_from_results():
    """{action ref: (keys read when it succeeded, keys read when it failed)} over every task of
    every workflow calling it."""
    reads = {}
    for _, definition in workflows().values():
        for task in definition["tasks"].values():
            ref = task_call(task)[0]
            if ref is None:
                continue
            succeeded, failed = reads.setdefault(ref, (set(), set()))
            for transition in transitions(task):
                text = " ".join(strings_in(transition))
                keys = failed if "failed()" in transition.get("when", "") else succeeded
                for pattern in RESULT_READS:
                    keys.update(re.findall(pattern, text))
    return reads


def remediation_scenarios():
    """The remediation steps: each fix of an app planned (never deployed) answers, not fixed."""
    oom = {
        "cluster": "local",
        "env": "qa1",
        "app": "web",
        "task_id": "qa1.web",
        "container_id": "qa1.web:1",
    }
    decision = {
        "key": "qa1/web",
        "id": None,
        "env": "qa1",
        "app": "web",
        "kind": "oom",
        "acts": True,
        "plan": {
            "mem_before": 256,
            "mem_after": 384,
            "headline": "x",
            "affected": {"qa1": []},
            "what": "agent x left",
        },
    }
    ghost = dict(decision, env="ghost", plan=dict(decision["plan"], affected={"ghost": ["web"]}))
    scenarios = {
        "qaeci.remediate_%s" % name: (action_cls, {"decision": decision}, {"decision": bad})
        for name, action_cls, bad in (
            ("memory", RemediateMemory, ghost),
            ("restart", RemediateRestart, ghost),
            ("agent", RemediateAgent, ghost),
            ("diagnose", RemediateDiagnose, {}),
        )
    }
    scenarios["qaeci.remediate_decide"] = (
        RemediateDecide,
        {"kind": "oom", "trigger": oom},
        {"kind": "nope", "trigger": oom},
    )
    return scenarios


class WorkflowStepResultsTestCase(QaeciActionTestCase):
    """Each python step run on the fixture site, as it succeeds and as it fails: its result has
    every key the workflows read from it (a missing one would be a null in the chat reply)."""

    action_cls = EnvPlan

    def scenarios(self):
        """{action ref: (its class, parameters that succeed, parameters that fail)}."""
        env = {"env_name": "qa1"}
        ghost = {"env_name": "ghost"}
        scenarios = {
            "qaeci.env_plan": (EnvPlan, dict(env, template="demo"), dict(env, template="nope")),
            "qaeci.env_report": (EnvReport, env, ghost),
            "qaeci.env_inspect": (EnvInspect, env, ghost),
            "qaeci.env_select_failed": (
                EnvSelectFailed,
                dict(env, requested_by="alice"),
                dict(ghost, requested_by="alice"),
            ),
            "qaeci.env_destroy": (
                EnvDestroy,
                dict(env, requested_by="alice"),
                dict(ghost, requested_by="alice"),
            ),
            # No wait: every pending app is handed out (its deploy records why it cannot come up).
            "qaeci.env_next_deploys": (
                EnvNextDeploys,
                dict(env, run="r0", apps=["api"], wait_timeout=0),
                dict(ghost, run="r0", apps=["api"], wait_timeout=0),
            ),
        }
        scenarios.update(remediation_scenarios())
        return scenarios

    def test_each_step_returns_what_its_workflows_read(self):
        scenarios = self.scenarios()
        for ref, (succeeded, failed) in sorted(keys_read_from_results().items()):
            if (not succeeded and not failed) or ref in SCENARIOS_ELSEWHERE:
                continue  # the workflows only look at whether it completed
            self.assertIn(ref, scenarios, "add a scenario for %s" % ref)
            action_cls, good, bad = scenarios[ref]
            self.run_ok(EnvPlan, env_name="qa1", template="demo", requested_by="alice")
            ok, result = self.run_action(action_cls, **good)
            self.assertTrue(ok, result)
            self.assertEqual(sorted(succeeded - set(result)), [], ref)
            ok, result = self.run_action(action_cls, **bad)
            self.assertFalse(ok, result)
            self.assertEqual(sorted((failed | {"error"}) - set(result)), [], ref)
