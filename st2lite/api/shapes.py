"""st2lite's records in the shapes of StackStorm's API models (ActionAPI, ActionExecutionAPI...).

Content loaded from pack files gets stable ids derived from its ref (`packs.content_ids`), so
a client may address it by ref or by id as on StackStorm.
"""

import calendar
import json
import os
import time

from st2lite.packs.builtin import RUNNER_PARAMETERS
from st2lite.packs.content_ids import content_id

WORKFLOW_RUNNERS = ("orquesta", "action-chain")
RUNNER_DESCRIPTIONS = {
    "local-shell-cmd": "A runner to execute local actions as a fixed user.",
    "local-shell-script": "A runner to execute local actions as a fixed user.",
    "python-script": "A runner for launching python actions.",
    "http-request": "A HTTP client for running HTTP actions.",
    "noop": "A runner which does nothing.",
    "orquesta": "A runner for executing orquesta workflow.",
    "inquirer": "A runner for inquiring users.",
}
RUNNER_OUTPUT_KEYS = {
    "local-shell-cmd": "stdout",
    "local-shell-script": "stdout",
    "python-script": "result",
    "http-request": "body",
    "orquesta": "output",
}


CONTENT_FOLDERS = ("actions", "aliases", "rules", "sensors", "triggers", "policies")


def metadata_file(item):
    """The metadata file relative to its pack (`rules/x.yaml`), as StackStorm shows it: a
    server's own paths are none of a client's business."""
    path = item.get("metadata_file") or ""
    parts = path.replace("\\", "/").split("/")
    for index in range(len(parts) - 2, -1, -1):
        if parts[index] in CONTENT_FOLDERS:
            return "/".join(parts[index:])
    return parts[-1]


def _uid(kind, pack, name):
    return "%s:%s:%s" % (kind, pack, name)


def action_api(action):
    ref = action["ref"]
    return {
        "id": content_id("action", ref),
        "uid": _uid("action", action["pack"], action["name"]),
        "ref": ref,
        "pack": action["pack"],
        "name": action["name"],
        "description": action.get("description") or "",
        "enabled": action.get("enabled", True),
        "entry_point": action.get("entry_point") or "",
        "runner_type": action["runner_type"],
        "parameters": action.get("parameters") or {},
        "output_schema": action.get("output_schema") or {},
        "notify": action.get("notify") or {},
        "tags": action.get("tags") or [],
        "metadata_file": metadata_file(action),
    }


def unknown_action_api(ref, runner):
    """An execution whose action is no longer loaded still names it."""
    pack, _, name = ref.partition(".")
    return {"ref": ref, "pack": pack, "name": name, "runner_type": runner or "", "parameters": {}}


def runner_names():
    return sorted(RUNNER_PARAMETERS)


def runner_api(name):
    return {
        "id": content_id("runner_type", name),
        "uid": "runner_type:%s" % name,
        "name": name,
        "description": RUNNER_DESCRIPTIONS.get(name, ""),
        "enabled": True,
        "runner_package": name.replace("-", "_"),
        "runner_module": name.replace("-", "_"),
        "runner_parameters": RUNNER_PARAMETERS.get(name, {}),
        "output_key": RUNNER_OUTPUT_KEYS.get(name, "result"),
        "output_schema": {},
    }


def alias_api(alias):
    shaped = {
        "id": content_id("action_alias", alias["ref"]),
        "uid": _uid("action_alias", alias["pack"], alias["name"]),
        "ref": alias["ref"],
        "name": alias["name"],
        "pack": alias["pack"],
        "description": alias.get("description") or "",
        "enabled": alias.get("enabled", True),
        "action_ref": alias["action_ref"],
        "formats": alias.get("formats") or [],
        "metadata_file": metadata_file(alias),
    }
    for optional in ("ack", "result", "extra", "immutable_parameters"):
        if optional in alias:
            shaped[optional] = alias[optional]
    return shaped


def rule_api(rule):
    trigger = dict(rule.get("trigger") or {})
    trigger.setdefault("parameters", {})
    trigger["ref"] = trigger.get("type")
    action = dict(rule.get("action") or {})
    action.setdefault("parameters", {})
    return {
        "id": content_id("rule", rule["ref"]),
        "uid": _uid("rule", rule["pack"], rule["name"]),
        "ref": rule["ref"],
        "pack": rule["pack"],
        "name": rule["name"],
        "description": rule.get("description") or "",
        "enabled": rule.get("enabled", True),
        "trigger": trigger,
        "criteria": rule.get("criteria") or {},
        "action": action,
        "tags": rule.get("tags") or [],
        "metadata_file": metadata_file(rule),
        "context": {},
        "type": {"ref": "standard", "parameters": {}},
    }


def trigger_type_api(trigger_type):
    return {
        "id": content_id("trigger_type", trigger_type["ref"]),
        "uid": _uid("trigger_type", trigger_type["pack"], trigger_type["name"]),
        "ref": trigger_type["ref"],
        "pack": trigger_type["pack"],
        "name": trigger_type["name"],
        "description": trigger_type.get("description") or "",
        "payload_schema": trigger_type.get("payload_schema") or {},
        "parameters_schema": trigger_type.get("parameters_schema") or {},
        "tags": trigger_type.get("tags") or [],
    }


def trigger_instance_api(instance):
    return {
        "id": instance["id"],
        "trigger": instance["trigger"],
        "payload": instance["payload"],
        "occurrence_time": instance["occurrence_time"],
        "status": instance["status"],
    }


def rule_enforcement_api(enforcement, rules_by_ref):
    rule = rules_by_ref.get(enforcement["rule"])
    shaped_rule = {"ref": enforcement["rule"]}
    if rule is not None:
        shaped_rule.update(
            id=content_id("rule", rule["ref"]), uid=_uid("rule", rule["pack"], rule["name"])
        )
    shaped = {
        "id": enforcement["id"],
        "rule": shaped_rule,
        "trigger_instance_id": enforcement["trigger_instance"],
        "enforced_at": enforcement["enforced_at"],
        "status": enforcement["status"],
    }
    if enforcement.get("execution"):
        shaped["execution_id"] = enforcement["execution"]
    if enforcement.get("failure_reason"):
        shaped["failure_reason"] = enforcement["failure_reason"]
    return shaped


def pack_api(pack):
    meta = pack.meta
    return {
        "id": content_id("pack", pack.ref),
        "uid": "pack:%s" % pack.ref,
        "ref": pack.ref,
        "name": meta.get("name") or pack.ref,
        "description": meta.get("description") or "",
        "version": str(meta.get("version") or ""),
        "author": meta.get("author") or "",
        "email": meta.get("email") or "",
        "keywords": meta.get("keywords") or [],
        "path": pack.path,
        "files": pack_files(pack.path),
    }


def pack_files(pack_path):
    """The pack's files relative to it, as StackStorm records them (no `.git`, no `*.pyc`):
    st2web counts a pack's actions, rules, sensors... from them."""
    found = []
    for folder, subfolders, names in os.walk(pack_path):
        subfolders[:] = sorted(d for d in subfolders if d not in (".git", "__pycache__"))
        relative = os.path.relpath(folder, pack_path)
        for name in sorted(names):
            if not name.endswith(".pyc"):
                found.append(name if relative == "." else "%s/%s" % (relative, name))
    return found


def execution_api(execution, content, children_ids, trigger_instances=None):
    """ActionExecutionAPI: the action and runner embedded, context with the tree links; for an
    execution a rule started, the rule, trigger, trigger type and trigger instance (one of
    TRIGGER_INSTANCES, {id: instance}) embedded as StackStorm records them."""
    ref, runner = execution["action"], execution["runner"]
    action = content.actions.get(ref)
    action_shape = action_api(action) if action else unknown_action_api(ref, runner)
    runner = runner or action_shape["runner_type"]
    result = execution["result"]
    shaped = {
        "id": execution["id"],
        "action": action_shape,
        "runner": runner_api(runner or "noop"),
        "liveaction": {
            "id": execution["id"],
            "action": ref,
            "parameters": execution["parameters"],
            "action_is_workflow": runner in WORKFLOW_RUNNERS,
            "callback": {},
            "runner_info": {},
        },
        "status": execution["status"],
        "start_timestamp": execution["start_timestamp"],
        "parameters": execution["parameters"],
        "result": result,
        "result_size": len(json.dumps(result, default=str)),
        "context": _context(execution),
        "children": children_ids,
        "log": _log(execution),
    }
    if execution.get("notify"):
        shaped["liveaction"]["notify"] = execution["notify"]
    if execution["end_timestamp"]:
        shaped["end_timestamp"] = execution["end_timestamp"]
        shaped["elapsed_seconds"] = round(
            _epoch(execution["end_timestamp"]) - _epoch(execution["start_timestamp"]), 6
        )
    if execution["parent"]:
        shaped["parent"] = execution["parent"]
    shaped.update(_rule_links(shaped["context"], content, trigger_instances or {}))
    return shaped


def _rule_links(context, content, trigger_instances):
    """rule, trigger, trigger_type and trigger_instance of a rule-started execution: what
    st2web's History shows instead of "Manual"."""
    links = {}
    rule_ref = (context.get("rule") or {}).get("ref")
    rule = next((r for r in content.rules if r["ref"] == rule_ref), None) if rule_ref else None
    if rule_ref:
        links["rule"] = rule_api(rule) if rule else dict(context["rule"])
    instance = trigger_instances.get((context.get("trigger_instance") or {}).get("id"))
    if instance is None:
        return links
    links["trigger_instance"] = trigger_instance_api(instance)
    trigger_ref = instance["trigger"]
    parameters = (rule or {}).get("trigger", {}).get("parameters") or {}
    links["trigger"] = trigger_api(trigger_ref, parameters)
    trigger_type = content.trigger_types.get(trigger_ref)
    if trigger_type:
        links["trigger_type"] = trigger_type_api(trigger_type)
    return links


def trigger_api(trigger_ref, parameters):
    """TriggerAPI of a trigger type's trigger (st2lite keeps no separate trigger records)."""
    pack, _, name = trigger_ref.partition(".")
    return {
        "id": content_id("trigger", trigger_ref),
        "ref": trigger_ref,
        "name": name,
        "pack": pack,
        "type": trigger_ref,
        "parameters": parameters,
        "description": "",
    }


def trigger_instance_ids(executions):
    """The trigger instances the executions were started by, to look up for execution_api."""
    return [((e["context"] or {}).get("trigger_instance") or {}).get("id") for e in executions]


def _context(execution):
    context = dict(execution["context"] or {})
    if execution["parent"]:
        context.setdefault("parent", {"execution_id": execution["parent"]})
        if execution["task"]:
            orquesta = {"task_name": execution["task"]}
            if execution["item"] is not None:
                orquesta["item_id"] = execution["item"]
            context.setdefault("orquesta", orquesta)
    return context


def _log(execution):
    log = [{"timestamp": execution["start_timestamp"], "status": "requested"}]
    if execution["status"] != "requested":
        log.append(
            {
                "timestamp": execution["end_timestamp"] or execution["start_timestamp"],
                "status": execution["status"],
            }
        )
    return log


def iso_time(epoch):
    """Epoch seconds as StackStorm writes times: UTC, microseconds, Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + ".%06dZ" % int(
        (epoch % 1) * 1e6
    )


def _epoch(iso):
    seconds, _, fraction = iso.rstrip("Z").partition(".")
    whole = calendar.timegm(time.strptime(seconds, "%Y-%m-%dT%H:%M:%S"))
    return whole + (float("0." + fraction) if fraction else 0.0)


def output_chunks(execution):
    """(output_type, text) of what an execution wrote, from its result: st2lite records output
    when the action ends, not line by line."""
    result = execution["result"] if isinstance(execution["result"], dict) else {}
    return [
        (kind, result[kind])
        for kind in ("stdout", "stderr")
        if isinstance(result.get(kind), str) and result[kind]
    ]
