"""StackStorm's built-in `core` content that packs rely on: actions, runner parameters, triggers."""

RUNNER_PARAMETERS = {
    "local-shell-cmd": {
        "cmd": {"type": "string", "description": "Command to run with bash."},
        "cwd": {"type": "string"},
        "env": {"type": "object"},
        "kwarg_op": {"type": "string", "default": "--"},
        "sudo": {"type": "boolean", "default": False},
        "timeout": {"type": "integer", "default": 60},
    },
    "local-shell-script": {
        "cwd": {"type": "string"},
        "env": {"type": "object"},
        "kwarg_op": {"type": "string", "default": "--"},
        "sudo": {"type": "boolean", "default": False},
        "timeout": {"type": "integer", "default": 60},
    },
    "python-script": {
        "env": {"type": "object"},
        "timeout": {"type": "integer", "default": 600},
        "log_level": {"type": "string", "default": "DEBUG"},
        "debug": {"type": "boolean", "default": False},
    },
    "http-request": {
        "url": {"type": "string", "required": True},
        "method": {"type": "string", "default": "GET",
                   "enum": ["HEAD", "GET", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH",
                            "PURGE"]},
        "headers": {"type": "object"},
        "body": {"type": "string"},
        "params": {"type": "object"},
        "timeout": {"type": "number", "default": 60},
        "allow_redirects": {"type": "boolean", "default": False},
        "verify_ssl_cert": {"type": "boolean", "default": True},
        "username": {"type": "string"},
        "password": {"type": "string", "secret": True},
    },
    "noop": {},
    "orquesta": {},
    "inquirer": {},
}

def core_actions():
    def action(name, runner, description, parameters=None):
        return {"name": name, "pack": "core", "ref": "core." + name, "runner_type": runner,
                "description": description, "enabled": True, "parameters": parameters or {},
                "entry_point_path": None, "pack_path": None, "builtin": True}

    return [
        action("noop", "noop", "Action that does nothing"),
        action("echo", "local-shell-cmd", "Action that executes the Linux echo command on the "
               "localhost.", {
                   "message": {"type": "string", "required": True,
                               "description": "The message that the command will echo."},
                   "cmd": {"type": "string", "immutable": True, "default": 'echo "{{message}}"'},
                   "sudo": {"type": "boolean", "immutable": True, "default": False}}),
        action("local", "local-shell-cmd", "Action that executes an arbitrary Linux command on the "
               "localhost.", {"cmd": {"type": "string", "required": True}}),
        action("http", "http-request", "Action that performs an http request."),
        action("inject_trigger", "python-script", "Action which injects a new trigger in the "
               "system.", {
                   "trigger": {"type": "string", "required": True,
                               "description": "Reference of the trigger type to inject."},
                   "payload": {"type": "object", "default": {}},
                   "trace_tag": {"type": "string"}}),
    ]


def core_trigger_types():
    def trigger(name, description, payload_schema=None, parameters_schema=None):
        return {"name": name, "pack": "core", "ref": "core." + name, "description": description,
                "payload_schema": payload_schema or {"type": "object"},
                "parameters_schema": parameters_schema or {}}

    return [
        trigger("st2.generic.actiontrigger", "Trigger encapsulating the completion of an action "
                "execution."),
        trigger("st2.generic.notifytrigger", "Notification trigger."),
        trigger("st2.IntervalTimer", "Triggers on specified intervals.", parameters_schema={
            "type": "object", "required": ["unit", "delta"],
            "properties": {"unit": {"enum": ["weeks", "days", "hours", "minutes", "seconds"]},
                           "delta": {"type": "integer"}}}),
    ]
