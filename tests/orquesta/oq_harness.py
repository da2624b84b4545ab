"""A stand-in for the runtime, for testing the engine alone: an executor that runs the conformance
packs' actions exactly as their code and metadata say (python-script actions echo_value, fail_if
and flaky; core.noop and core.echo with the local runner's result; sub-workflows through
run_workflow), casts parameters to their declared types, applies defaults only when the action
runs, and records direct children as compare.py sees them."""

import glob
import json
import os
import threading

import yaml

from st2lite.orquesta import run_workflow

CONFORMANCE = "/work/shared/conformance"
CORPORA = {"oq": CONFORMANCE, "ox": os.path.join(CONFORMANCE, "orquesta-fixtures")}

_LOCAL_OK = {"stdout": "", "stderr": "", "return_code": 0, "succeeded": True, "failed": False}


def load_pack(pack_dir):
    ref = yaml.safe_load(open(os.path.join(pack_dir, "pack.yaml")))["ref"]
    actions = {}
    for path in glob.glob(os.path.join(pack_dir, "actions", "*.yaml")):
        meta = yaml.safe_load(open(path))
        meta["entry_point_path"] = os.path.join(pack_dir, "actions", meta["entry_point"])
        actions["%s.%s" % (ref, meta["name"])] = meta
    return actions


def _cast(value, declared_type):
    if not isinstance(value, str) or declared_type in (None, "string"):
        return value
    if declared_type == "boolean":
        return {"true": True, "false": False}.get(value.strip().lower(), value)
    if declared_type == "integer":
        return int(value)
    if declared_type == "number":
        return float(value) if "." in value else int(value)
    if declared_type in ("array", "object"):
        return json.loads(value)
    return value


class PackRuntime(object):
    """Runs one top-level workflow; `children` holds its direct child executions."""

    def __init__(self, actions):
        self.actions = actions
        self.datastore = {}
        self.lock = threading.Lock()
        self.children = []

    def run(self, ref, parameters=None):
        meta = self.actions[ref]
        params = self._with_defaults(meta, parameters or {})
        definition = open(meta["entry_point_path"]).read()
        return run_workflow(
            definition,
            params,
            self._executor(record=True),
            kv_get=self._kv_get,
            st2_context={"user": "tester"},
        )

    def _kv_get(self, key, decrypt=False):
        with self.lock:
            return self.datastore[key]

    @staticmethod
    def _with_defaults(meta, given):
        params = dict(given)
        for name, spec in (meta.get("parameters") or {}).items():
            if name not in params and "default" in spec:
                params[name] = spec["default"]
        return params

    def _executor(self, record):
        def execute(task, item, ref, parameters):
            meta = self.actions.get(ref)
            declared = (meta or {}).get("parameters") or {}
            cast = {k: _cast(v, (declared.get(k) or {}).get("type")) for k, v in parameters.items()}
            status, result = self._run_action(ref, meta, cast)
            if record:
                with self.lock:
                    self.children.append(
                        {
                            "task": task,
                            "item": item,
                            "action": ref,
                            "parameters": cast,
                            "status": status,
                        }
                    )
            return status, result

        return execute

    def _run_action(self, ref, meta, params):
        if ref == "core.noop":
            return "succeeded", dict(_LOCAL_OK)
        if ref == "core.echo":
            return "succeeded", dict(_LOCAL_OK, stdout=str(params.get("message", "")))
        if meta is None:
            return "failed", {"error": 'Action "%s" is not found.' % ref}
        params = self._with_defaults(meta, params)
        if meta["runner_type"] == "orquesta":
            definition = open(meta["entry_point_path"]).read()
            outcome = run_workflow(
                definition,
                params,
                self._executor(record=False),
                kv_get=self._kv_get,
                st2_context={"user": "tester"},
            )
            result = {"output": outcome.output}
            if outcome.errors:
                result["errors"] = outcome.errors
            return outcome.status, result
        return self._python_action(meta["name"], params)

    def _python_action(self, name, params):
        if name == "echo_value":
            return _script_result(True, params["value"])
        if name == "fail_if":
            return _script_result(not params["fail"], {"value": params["value"]})
        if name == "flaky":
            counter = "flaky." + params["key"]
            with self.lock:
                attempt = int(self.datastore.get(counter) or 0) + 1
                self.datastore[counter] = str(attempt)
            return _script_result(attempt > params["fail_times"], {"attempt": attempt})
        return "failed", {"error": "the harness does not know action %s" % name}


def _script_result(succeeded, value):
    return (
        "succeeded" if succeeded else "failed",
        {"result": value, "stdout": "", "stderr": "", "exit_code": 0},
    )


def normalise(children):
    rows = [
        {
            "task": c["task"],
            "item": c["item"],
            "action": c["action"],
            "parameters": c["parameters"] or {},
            "status": c["status"],
        }
        for c in children
    ]
    return sorted(rows, key=lambda c: json.dumps(c, sort_keys=True))


def expected_cases():
    cases = []
    for pack, root in sorted(CORPORA.items()):
        for path in sorted(glob.glob(os.path.join(root, "expected", "*.json"))):
            cases.append((pack, root, os.path.basename(path)[:-5]))
    return cases


def run_case(root, name):
    """Run one corpus workflow; returns (what we got, what StackStorm answered)."""
    expected = json.load(open(os.path.join(root, "expected", name + ".json")))
    pack_dir = glob.glob(os.path.join(root, "packs", "*"))[0]
    runtime = PackRuntime(load_pack(pack_dir))
    outcome = runtime.run(expected["action"])
    got = {
        "status": outcome.status,
        "output": outcome.output,
        "has_errors": bool(outcome.errors),
        "children": normalise(runtime.children),
    }
    want = {
        "status": expected["status"],
        "output": expected["output"],
        "has_errors": expected["error_count"] > 0,
        "children": expected["children"],
    }
    return got, want
