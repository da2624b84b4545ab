"""Parse inline `key=value` parameters (`action: pack.name k=v ...`, `publish: k=v ...`) as orquesta does.

Quoted values stay strings; unquoted ones are read as JSON when they can be (numbers, booleans,
null, lists, dicts); expressions are kept as text for later evaluation.
"""

import json
import re

_VALUE_PATTERNS = [
    r"\[.*\]\s*",  # a JSON list
    r"\"[^\"]*\"\s*",  # "double quoted"
    r"'[^']*'\s*",  # 'single quoted'
    r"[-]?\d*\.\d+",  # a float (before integers)
    r"[-]?\d+",
    r"[Tt][Rr][Uu][Ee]",
    r"[Ff][Aa][Ll][Ss][Ee]",
    r"null",
    r"<%.*?%>",  # a YAQL expression
    r"{{.*?}}",  # a Jinja expression
]
_PARAM = re.compile(r"([\w]+)=(%s)" % "|".join(_VALUE_PATTERNS))
_QUOTED = re.compile(r"\"[^\"]*\"\s*|'[^']*'\s*")


def _convert(raw):
    value = raw.strip()
    was_quoted = bool(_QUOTED.search(value))
    value = re.sub('^"', "", value)
    value = re.sub('"$', "", value)
    value = re.sub("^'", "", value)
    value = re.sub("'$", "", value)
    keep_as_string = False
    if value != "":
        looks_like_json_object = value[0] == "{" and value[-1] == "}"
        keep_as_string = was_quoted and not looks_like_json_object
    if keep_as_string:
        return value
    if value.lower() in ("true", "false"):
        value = value.lower()
    try:
        return json.loads(value)
    except ValueError:
        return value


def parse_inline_params(text, preserve_order=True):
    """Return [{key: value}, ...] (preserve_order) or {key: value} parsed from `text`."""
    params = [] if preserve_order else {}
    if not isinstance(text, str) or not text:
        return params
    for key, raw in _PARAM.findall(text):
        value = _convert(raw)
        if preserve_order:
            params.append({key: value})
        else:
            params[key] = value
    return params
