"""Jinja as StackStorm renders action parameters (st2common.util.jinja): a sandbox where an
undefined name is an error, trimmed blocks, StackStorm's filters, and `st2kv.system.KEY` /
`st2kv.user.KEY` read from the datastore.

Jinja itself is imported on the first template: most actions are run without one."""

import functools
import json
import os
import re

__all__ = ["DatastoreLookup", "datastore_scopes", "is_template", "template_names", "render"]

# What StackStorm's `use_none` filter renders None as; a cast turns it back into None.
NONE_MAGIC_VALUE = "%*****__%NONE%__*****%"


def is_template(value):
    """StackStorm's is_jinja_expression: text holding `{{` or `{%`."""
    return isinstance(value, str) and ("{{" in value or "{%" in value)


class DatastoreLookup(object):
    """`st2kv.system.a.b`: each attribute extends the key ("a.b"); used as text, the key's value
    ("" when absent), as StackStorm's KeyValueLookup. `user` keys are st2lite's one user's."""

    def __init__(self, kv_lookup, scope, key=""):
        self._kv_lookup, self._scope, self._key = kv_lookup, scope, key

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return DatastoreLookup(
            self._kv_lookup, self._scope, "%s.%s" % (self._key, name) if self._key else name
        )

    def __getitem__(self, name):
        return self.__getattr__(str(name))

    def __str__(self):
        value = self._kv_lookup(self._key, self._scope)
        return "" if value is None else str(value)

    def __int__(self):
        return int(float(self))

    def __float__(self):
        return float(str(self))

    def _decrypted(self):  # a leading underscore: no template can reach it as a key name
        value = self._kv_lookup(self._key, self._scope, True)
        if value in (None, ""):
            raise ValueError(
                'Referenced datastore item "%s" doesn\'t exist or it contains an '
                "empty string" % self._key
            )
        return value


def datastore_scopes(kv_lookup):
    """`st2kv` for templates: kv_lookup(name, scope, decrypt=False) -> value or None."""
    return {
        "system": DatastoreLookup(kv_lookup, "system"),
        "user": DatastoreLookup(kv_lookup, "user"),
    }


def _decrypt_kv(value):
    if not isinstance(value, DatastoreLookup):
        raise ValueError("decrypt_kv decrypts a datastore key: write st2kv.system.KEY | decrypt_kv")
    return value._decrypted()


def _text(value):
    return value if isinstance(value, str) else str(value)


def _regex_flags(ignorecase):
    return re.I if ignorecase else 0


def _to_json_string(value, indent=None, sort_keys=False, separators=(",", ": ")):
    return json.dumps(value, indent=indent, sort_keys=sort_keys, separators=separators)


def _to_yaml_string(value, indent=None, allow_unicode=True):
    import yaml

    return yaml.safe_dump(
        value, indent=indent, allow_unicode=allow_unicode, default_flow_style=False
    )


def _from_yaml_string(value):
    import yaml

    return yaml.safe_load(_text(value))


def _human_time(seconds):
    from st2lite.aliases.jinja_env import human_time  # rarely used: its package loads on demand

    return human_time(seconds)


# StackStorm's parameter filters (st2common.util.jinja.get_filters), but jsonpath_query and the
# version_* ones.
FILTERS = {
    "decrypt_kv": _decrypt_kv,
    "from_json_string": lambda value: json.loads(_text(value)),
    "from_yaml_string": _from_yaml_string,
    "json_escape": lambda value: json.dumps(value).strip('"'),
    "to_complex": json.dumps,
    "to_json_string": _to_json_string,
    "to_yaml_string": _to_yaml_string,
    "regex_match": lambda value, pattern, ignorecase=False: bool(
        re.match(pattern, _text(value), _regex_flags(ignorecase))
    ),
    "regex_search": lambda value, pattern, ignorecase=False: bool(
        re.search(pattern, _text(value), _regex_flags(ignorecase))
    ),
    "regex_replace": lambda value, pattern, replacement, ignorecase=False: re.compile(
        pattern, _regex_flags(ignorecase)
    ).sub(replacement, _text(value)),
    "regex_substring": lambda value, pattern, result_index=0, ignorecase=False: re.findall(
        pattern, _text(value), _regex_flags(ignorecase)
    )[result_index],
    "to_human_time_from_seconds": _human_time,
    "use_none": lambda value: NONE_MAGIC_VALUE if value is None else value,
    "basename": os.path.basename,
    "dirname": os.path.dirname,
}


@functools.lru_cache(maxsize=1)
def _environment():
    import jinja2
    import jinja2.sandbox

    environment = jinja2.sandbox.SandboxedEnvironment(
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    environment.filters.update(FILTERS)
    environment.tests["in"] = lambda item, container: item in container
    return environment


@functools.lru_cache(maxsize=2048)
def template_names(text):
    """The names TEXT reads from its context (a frozenset), or None when it is not valid Jinja:
    StackStorm then keeps it as plain text."""
    import jinja2
    from jinja2 import meta

    try:
        return frozenset(meta.find_undeclared_variables(_environment().parse(text)))
    except jinja2.TemplateSyntaxError:
        return None


@functools.lru_cache(maxsize=2048)
def _compiled(text):
    return _environment().from_string(text)


def render(text, context):
    """TEXT rendered with CONTEXT; Jinja's errors (undefined names, unknown filters) propagate."""
    return _compiled(text).render(context)
