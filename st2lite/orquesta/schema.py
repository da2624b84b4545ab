"""The JSON schema of an Orquesta (native v1.0) workflow definition, checked before anything else."""

_NONEMPTY_STRING = {"type": "string", "minLength": 1}
_POSITIVE_INTEGER = {"type": "integer", "minimum": 0}
_STRING_OR_POSITIVE_INTEGER = {"oneOf": [_NONEMPTY_STRING, _POSITIVE_INTEGER]}
_ONE_KEY_DICT = {"type": "object", "minProperties": 1, "maxProperties": 1}
_ONE_KEY_DICT_LIST = {"type": "array", "items": _ONE_KEY_DICT, "uniqueItems": True}

TRANSITION = {
    "type": "object",
    "properties": {
        "when": _NONEMPTY_STRING,
        "publish": {"oneOf": [_NONEMPTY_STRING, _ONE_KEY_DICT_LIST]},
        "do": {
            "oneOf": [
                _NONEMPTY_STRING,
                {"type": "array", "items": _NONEMPTY_STRING, "uniqueItems": True},
            ]
        },
    },
    "additionalProperties": False,
}

ITEMS = {
    "type": "object",
    "properties": {"items": _NONEMPTY_STRING, "concurrency": _STRING_OR_POSITIVE_INTEGER},
    "required": ["items"],
    "additionalProperties": False,
}

RETRY = {
    "type": "object",
    "properties": {
        "when": _NONEMPTY_STRING,
        "count": _STRING_OR_POSITIVE_INTEGER,
        "delay": _STRING_OR_POSITIVE_INTEGER,
    },
    "required": ["count"],
    "additionalProperties": False,
}

TASK = {
    "type": "object",
    "properties": {
        "delay": _STRING_OR_POSITIVE_INTEGER,
        "join": {"oneOf": [{"enum": ["all"]}, {"type": "integer", "minimum": 1}]},
        "with": {"oneOf": [_NONEMPTY_STRING, ITEMS]},
        "action": _NONEMPTY_STRING,
        "input": {"oneOf": [_NONEMPTY_STRING, {"type": "object", "minProperties": 1}]},
        "retry": RETRY,
        "next": {"type": "array", "items": TRANSITION},
    },
    "additionalProperties": False,
}

WORKFLOW = {
    "type": "object",
    "properties": {
        "version": {"enum": ["1.0", 1.0]},
        "name": _NONEMPTY_STRING,
        "description": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "input": {
            "type": "array",
            "uniqueItems": True,
            "items": {"oneOf": [_NONEMPTY_STRING, _ONE_KEY_DICT]},
        },
        "vars": _ONE_KEY_DICT_LIST,
        "output": _ONE_KEY_DICT_LIST,
        "tasks": {
            "type": "object",
            "minProperties": 1,
            "patternProperties": {r"^\w+$": TASK},
            "additionalProperties": False,
        },
    },
    "required": ["version", "tasks"],
    "additionalProperties": False,
}
