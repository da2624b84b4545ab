"""StackStorm's built-in `core` content that packs rely on: actions, runner parameters, triggers."""

# The inquirer runner's default response schema, as StackStorm ships it: `required` is draft 3's,
# on the property, which is how StackStorm validates responses (st2lite.inquiries).
DEFAULT_INQUIRY_SCHEMA = {
    "title": "response_data",
    "type": "object",
    "properties": {
        "continue": {
            "type": "boolean",
            "description": "Would you like to continue the workflow?",
            "required": True,
        },
    },
}
INQUIRY_TRIGGER = "core.st2.generic.inquiry"

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
        "debug": {"type": "boolean", "default": False},
        "env": {"type": "object"},
        "kwarg_op": {"type": "string", "default": "--"},
        "sudo": {"type": "boolean", "default": False},
        "timeout": {"type": "integer", "default": 60},
    },
    "python-script": {
        "env": {"type": "object"},
        "timeout": {"type": "integer", "default": 600},
        "log_level": {
            "type": "string",
            "default": "DEBUG",
            "enum": ["AUDIT", "CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"],
        },
        "debug": {"type": "boolean", "default": False},
    },
    "http-request": {
        "url": {"type": "string", "required": True},
        "method": {
            "type": "string",
            "default": "GET",
            "enum": ["HEAD", "GET", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH", "PURGE"],
        },
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
    "announcement": {
        "experimental": {
            "type": "boolean",
            "required": True,
            "default": False,
            "description": "Flag to indicate acknowledgment of using experimental runner",
        },
        "route": {
            "type": "string",
            "default": "general",
            "minLength": 1,
            "maxLength": 255,
            "description": "The routing_key used to route the message to consumers. Might "
            "be a list of words, delimited by dots.",
        },
    },
    "inquirer": {
        "schema": {
            "type": "object",
            "required": True,
            "default": DEFAULT_INQUIRY_SCHEMA,
            "description": "A JSON schema that will be used to validate the response data",
        },
        "route": {
            "type": "string",
            "required": False,
            "default": "",
            "description": "An arbitrary value for allowing rules to route to proper "
            "notification channel",
        },
        "roles": {
            "type": "array",
            "required": False,
            "default": [],
            "description": "A list of roles that are permitted to respond to the action "
            "(if nothing provided, all are permitted) - REQUIRES RBAC "
            "FEATURES",
        },
        "users": {
            "type": "array",
            "required": False,
            "default": [],
            "description": "A list of usernames that are permitted to respond to the "
            "action (if nothing provided, all are permitted)",
        },
        "ttl": {
            "type": "integer",
            "required": True,
            "default": 1440,
            "description": "Time (in minutes) to wait before timing out the inquiry if no "
            "response is received",
        },
    },
}


def core_actions():
    def action(name, runner, description, parameters=None):
        return {
            "name": name,
            "pack": "core",
            "ref": "core." + name,
            "runner_type": runner,
            "description": description,
            "enabled": True,
            "parameters": parameters or {},
            "entry_point_path": None,
            "pack_path": None,
            "builtin": True,
        }

    return [
        action("noop", "noop", "Action that does nothing"),
        action(
            "echo",
            "local-shell-cmd",
            "Action that executes the Linux echo command on the localhost.",
            {
                "message": {
                    "type": "string",
                    "required": True,
                    "description": "The message that the command will echo.",
                },
                "cmd": {"type": "string", "immutable": True, "default": 'echo "{{message}}"'},
                "sudo": {"type": "boolean", "immutable": True, "default": False},
            },
        ),
        action(
            "local",
            "local-shell-cmd",
            "Action that executes an arbitrary Linux command on the localhost.",
            {"cmd": {"type": "string", "required": True}},
        ),
        action("http", "http-request", "Action that performs an http request."),
        action("ask", "inquirer", "Action for initiating an Inquiry (usually in a workflow)"),
        action(
            "inject_trigger",
            "python-script",
            "Action which injects a new trigger in the system.",
            {
                "trigger": {
                    "type": "string",
                    "required": True,
                    "description": "Reference of the trigger type to inject.",
                },
                "payload": {"type": "object", "default": {}},
                "trace_tag": {"type": "string"},
            },
        ),
    ]


def core_trigger_types():
    def trigger(name, description, payload_schema=None, parameters_schema=None):
        return {
            "name": name,
            "pack": "core",
            "ref": "core." + name,
            "description": description,
            "payload_schema": payload_schema or {"type": "object"},
            "parameters_schema": parameters_schema or {},
        }

    return [
        trigger(
            "st2.generic.actiontrigger",
            "Trigger encapsulating the completion of an action execution.",
        ),
        trigger("st2.generic.notifytrigger", "Notification trigger."),
        trigger(
            "st2.generic.inquiry",
            'Trigger indicating a new "inquiry" has entered "pending" status',
            payload_schema={
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "id": {
                        "type": "string",
                        "description": "ID of the new inquiry.",
                        "required": True,
                    },
                    "route": {
                        "type": "string",
                        "required": True,
                        "description": "An arbitrary value for allowing rules to "
                        "route to proper notification channel.",
                    },
                },
            },
        ),
        trigger(
            "st2.IntervalTimer",
            "Triggers on specified intervals.",
            parameters_schema={
                "type": "object",
                "required": ["unit", "delta"],
                "properties": {
                    "unit": {"enum": ["weeks", "days", "hours", "minutes", "seconds"]},
                    "delta": {"type": "integer"},
                },
            },
        ),
    ]
