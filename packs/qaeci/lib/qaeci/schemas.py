"""JSON Schemas of the registry files (DESIGN.md section 3)."""

APP_CODE_PATTERN = r"^[a-z][a-z0-9_]{1,39}$"
TEMPLATE_NAME_PATTERN = r"^[a-z][a-z0-9_-]{0,62}$"
# RFC 1123 label: environment names become host names (APP.ENV.DOMAIN).
DNS_LABEL_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"

BUILD_METHODS = ["mvn", "npm", "make", "shell", "none"]
RUNTIME_TYPES = ["command", "tomcat", "java", "python", "static"]
SERVICE_NAMES = ["mysql", "redis", "zookeeper", "memcached"]
DEPLOY_TYPES = ["dev", "beta"]

_STRING_LIST = {"type": "array", "items": {"type": "string", "minLength": 1}}

APP_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["app_code", "scm", "build", "runtime"],
    "properties": {
        "app_code": {"type": "string", "pattern": APP_CODE_PATTERN},
        "scm": {
            "type": "object",
            "additionalProperties": False,
            "required": ["url"],
            "properties": {
                "url": {"type": "string", "minLength": 1},
                "branch": {"type": "string", "minLength": 1},
            },
        },
        "build": {
            "type": "object",
            "additionalProperties": False,
            "required": ["method"],
            "properties": {
                "method": {"enum": BUILD_METHODS},
                "command": {"type": "string", "minLength": 1},
                "artifact": {"type": "string", "minLength": 1},
                "exclude": _STRING_LIST,
                "timeout": {"type": "integer", "minimum": 1},
            },
        },
        "runtime": {
            "type": "object",
            "additionalProperties": False,
            "required": ["type"],
            "properties": {
                "type": {"enum": RUNTIME_TYPES},
                "command": {"type": "string", "minLength": 1},
                "java_opts": {"type": "string"},
                "cpus": {"type": "number", "exclusiveMinimum": 0},
                "mem": {"type": "number", "exclusiveMinimum": 0},
                "instances": {"type": "integer", "minimum": 1},
                "config_templates": _STRING_LIST,
            },
        },
        "check": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "urls": {"type": "array", "items": {"type": "string", "pattern": "^/"}},
                "timeout": {"type": "number", "exclusiveMinimum": 0},
            },
        },
        "depends_on": {"type": "array", "items": {"type": "string"}},
        "services": {"type": "array", "items": {"enum": SERVICE_NAMES}},
    },
}

TEMPLATE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "apps"],
    "properties": {
        "name": {"type": "string", "pattern": TEMPLATE_NAME_PATTERN},
        "deploy_type": {"enum": DEPLOY_TYPES},
        "managers": _STRING_LIST,
        "services": {
            "type": "object",
            "propertyNames": {"enum": SERVICE_NAMES},
            "additionalProperties": {"type": ["object", "null"]},
        },
        "apps": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": APP_CODE_PATTERN},
            "additionalProperties": {
                "type": ["object", "null"],
                "additionalProperties": False,
                "properties": {"branch": {"type": "string", "minLength": 1}},
            },
        },
    },
}
