"""StackStorm's metadata rules for actions, sensors, trigger types and policies.

These mirror what `st2 pack install` / st2-register-content refuses (the API models' JSON schemas):
unknown top-level keys, a missing name or runner, a parameter `type` that is not one JSON type
(a list of types is refused), entry points that leave the pack.
"""

import os

PARAMETER_TYPES = ("array", "boolean", "integer", "number", "null", "object", "string")
RUNNER_TYPES = (
    "python-script",
    "local-shell-cmd",
    "local-shell-script",
    "noop",
    "orquesta",
    "http-request",
    "inquirer",
    "announcement",
)
RUNNERS_NEEDING_ENTRY_POINT = ("python-script", "local-shell-script", "orquesta")
ACTION_KEYS = {
    "name",
    "description",
    "enabled",
    "entry_point",
    "pack",
    "runner_type",
    "parameters",
    "output_schema",
    "notify",
    "tags",
    "ref",
    "uid",
    "id",
    "metadata_file",
    "output_key",
}
PARAMETER_KEYS = {
    "type",
    "description",
    "default",
    "required",
    "immutable",
    "secret",
    "enum",
    "position",
    "items",
    "properties",
    "additionalProperties",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minItems",
    "maxItems",
    "uniqueItems",
    "title",
    "anyOf",
    "oneOf",
    "allOf",
    "not",
    "patternProperties",
    "dependencies",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "$ref",
}
SENSOR_KEYS = {
    "class_name",
    "entry_point",
    "description",
    "trigger_types",
    "poll_interval",
    "enabled",
    "pack",
    "name",
    "ref",
    "uid",
    "id",
    "artifact_uri",
    "metadata_file",
}
TRIGGER_KEYS = {
    "name",
    "pack",
    "description",
    "payload_schema",
    "parameters_schema",
    "tags",
    "metadata_file",
    "ref",
    "uid",
    "id",
}
POLICY_KEYS = {
    "name",
    "pack",
    "description",
    "enabled",
    "resource_ref",
    "policy_type",
    "parameters",
    "ref",
    "uid",
    "id",
    "metadata_file",
}


def action_problems(meta):
    """[(field, reason)] for an action's metadata dict."""
    problems = _unknown_keys(meta, ACTION_KEYS)
    if not isinstance(meta.get("name"), str) or not meta.get("name"):
        problems.append(("name", "is required: give the action a name"))
    runner = meta.get("runner_type")
    if runner not in RUNNER_TYPES:
        problems.append(
            (
                "runner_type",
                "%r is not a runner type; use one of %s" % (runner, ", ".join(RUNNER_TYPES)),
            )
        )
    elif runner in RUNNERS_NEEDING_ENTRY_POINT and not meta.get("entry_point"):
        problems.append(("entry_point", "is required for the %s runner" % runner))
    problems.extend(parameter_problems(meta.get("parameters")))
    return problems


def parameter_problems(parameters, prefix="parameters"):
    if parameters is None:
        return []
    if not isinstance(parameters, dict):
        return [(prefix, "must be a mapping of parameter name to schema")]
    problems = []
    for name, schema in parameters.items():
        field = "%s.%s" % (prefix, name)
        if not isinstance(schema, dict):
            problems.append((field, "must be a mapping (type, default, required, ...)"))
            continue
        kind = schema.get("type")
        if kind is not None and (not isinstance(kind, str) or kind not in PARAMETER_TYPES):
            problems.append(
                (
                    field + ".type",
                    "%r is not one JSON type; use one of %s" % (kind, ", ".join(PARAMETER_TYPES)),
                )
            )
        for key in ("required", "immutable", "secret"):
            if key in schema and not isinstance(schema[key], bool):
                problems.append((field + "." + key, "must be true or false"))
        for key in sorted(set(schema) - PARAMETER_KEYS):
            problems.append((field + "." + key, "is not a parameter attribute StackStorm knows"))
    return problems


def sensor_problems(meta):
    problems = _unknown_keys(meta, SENSOR_KEYS)
    for key in ("class_name", "entry_point"):
        if not meta.get(key):
            problems.append((key, "is required for a sensor"))
    for index, trigger in enumerate(meta.get("trigger_types") or []):
        if not isinstance(trigger, dict) or not trigger.get("name"):
            problems.append(("trigger_types[%d]" % index, "needs a name"))
    return problems


def trigger_problems(meta):
    problems = _unknown_keys(meta, TRIGGER_KEYS)
    if not meta.get("name"):
        problems.append(("name", "is required for a trigger type"))
    return problems


POLICY_TYPES = ("action.concurrency", "action.concurrency.attr", "action.retry")


def policy_problems(meta):
    problems = _unknown_keys(meta, POLICY_KEYS)
    for key in ("name", "resource_ref", "policy_type"):
        if not meta.get(key):
            problems.append((key, "is required for a policy"))
    if meta.get("policy_type") and meta["policy_type"] not in POLICY_TYPES:
        problems.append(
            (
                "policy_type",
                "%r is not a policy type st2lite enforces; use one of %s"
                % (meta["policy_type"], ", ".join(POLICY_TYPES)),
            )
        )
    params = meta.get("parameters") or {}
    if meta.get("policy_type") == "action.retry" and params.get("retry_on", "failure") not in (
        "failure",
        "timeout",
    ):
        problems.append(("parameters.retry_on", "must be failure or timeout"))
    if meta.get("policy_type", "").startswith("action.concurrency") and params.get(
        "action", "delay"
    ) not in ("delay", "cancel"):
        problems.append(("parameters.action", "must be delay or cancel"))
    return problems


def resolve_entry_point(base_dir, pack_dir, entry_point):
    """The absolute path of an entry point, or raise ValueError when it leaves the pack."""
    if os.path.isabs(entry_point) or ".." in entry_point.replace("\\", "/").split("/"):
        raise ValueError(
            "%r must be a path inside the pack, relative to %s/ (no '..')"
            % (entry_point, os.path.basename(base_dir))
        )
    path = os.path.join(base_dir, entry_point)
    real = os.path.realpath(path)
    if not (real + os.sep).startswith(os.path.realpath(pack_dir) + os.sep):
        raise ValueError("%r resolves outside the pack" % entry_point)
    if not os.path.isfile(real):
        raise ValueError("%r does not exist (looked in %s)" % (entry_point, base_dir))
    return path


def _unknown_keys(meta, allowed):
    return [
        (key, "is not an attribute StackStorm accepts here") for key in sorted(set(meta) - allowed)
    ]
