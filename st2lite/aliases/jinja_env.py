"""Jinja environments for alias messages, set up as StackStorm sets up its own.

StackStorm renders ``ack`` formats with undefined names as errors and ``result`` formats
with undefined names as empty text, in a sandbox, with trimmed blocks and its own filters.
"""

import json
import re
import types

import jinja2
import jinja2.sandbox
import yaml


def human_time(seconds):
    """StackStorm's to_human_time_from_seconds: 0s, 42s, 3m5s, 1h0m2s, 2d1h0m0s."""
    if seconds is None:
        return None
    if seconds == 0:
        return "0s"
    if seconds < 1:
        return "%s\u03bcs" % seconds
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = list(zip((days, hours, minutes, secs), "dhms"))
    while len(parts) > 1 and parts[0][0] == 0:
        parts.pop(0)
    return "".join("%d%s" % part for part in parts)


def _to_json_string(value, indent=None, sort_keys=False, separators=(",", ": ")):
    return json.dumps(value, indent=indent, sort_keys=sort_keys, separators=separators)


def _to_yaml_string(value, indent=None, allow_unicode=True):
    return yaml.safe_dump(
        value, indent=indent, allow_unicode=allow_unicode, default_flow_style=False
    )


def _json_escape(value):
    return json.dumps(value)[1:-1]


def _regex_match(value, pattern, ignorecase=False):
    return re.match(pattern, value, re.IGNORECASE if ignorecase else 0) is not None


def _regex_search(value, pattern, ignorecase=False):
    return re.search(pattern, value, re.IGNORECASE if ignorecase else 0) is not None


def _regex_replace(value, pattern, replacement, ignorecase=False):
    return re.sub(pattern, replacement, value, flags=re.IGNORECASE if ignorecase else 0)


def _regex_substring(value, pattern, result_index=0, ignorecase=False):
    return re.findall(pattern, value, re.IGNORECASE if ignorecase else 0)[result_index]


FILTERS = {
    "to_json_string": _to_json_string,
    "to_yaml_string": _to_yaml_string,
    "to_complex": _to_json_string,
    "json_escape": _json_escape,
    "regex_match": _regex_match,
    "regex_search": _regex_search,
    "regex_replace": _regex_replace,
    "regex_substring": _regex_substring,
    "to_human_time_from_seconds": human_time,
}

# Old alias templates iterate with six.iteritems(...); offer the few helpers they use.
SIX = types.SimpleNamespace(
    iteritems=lambda mapping: mapping.items(),
    itervalues=lambda mapping: mapping.values(),
    text_type=str,
    string_types=(str,),
)


def make_environment(strict_undefined):
    environment = jinja2.sandbox.SandboxedEnvironment(
        undefined=jinja2.StrictUndefined if strict_undefined else jinja2.Undefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.do"],
    )
    environment.filters.update(FILTERS)
    environment.tests["in"] = lambda item, container: item in container
    return environment
