"""Jinja as StackStorm's rules engine uses it: strict undefined names, trim/lstrip blocks,
StackStorm's data filters, and `st2kv.system.<key>` read through a `kv_get(key, decrypt)`
callable. Templates are compiled once and cached."""

import json
import re
from functools import lru_cache

import jinja2

__all__ = ["render", "KeyValueLookup", "system_context", "is_template", "MissingDatastoreKey"]


class MissingDatastoreKey(LookupError):
    """kv_get raised KeyError: the template names a key the datastore does not hold."""


class KeyValueLookup(object):
    """`st2kv.system.a.b` -> the value of key "a.b"; renders as the stored text, or "" when the
    key is absent (StackStorm's KeyValueLookup does the same)."""

    def __init__(self, kv_get, key=""):
        self._kv_get = kv_get
        self._key = key

    def _child(self, name):
        return KeyValueLookup(self._kv_get, "%s.%s" % (self._key, name) if self._key else name)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._child(name)

    def __getitem__(self, name):
        return self._child(name)

    def value(self, decrypt=False):
        if not self._key or self._kv_get is None:
            return ""
        try:
            found = self._kv_get(self._key, decrypt)
        except KeyError as error:
            raise MissingDatastoreKey(
                "st2kv.system.%s: no such key in the datastore; set it with "
                "st2 key set %s VALUE" % (self._key, self._key)
            ) from error
        return "" if found is None else found

    def __str__(self):
        return str(self.value())

    def __eq__(self, other):
        return self.value() == (other.value() if isinstance(other, KeyValueLookup) else other)

    def __hash__(self):
        return hash(self._key)


def system_context(kv_get):
    return {"st2kv": {"system": KeyValueLookup(kv_get)}}


def _plain(value):
    return value.value() if isinstance(value, KeyValueLookup) else value


def _json_default(value):
    if isinstance(value, KeyValueLookup):
        return value.value()
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()  # says which name is undefined
    raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)


def to_complex(value):
    return json.dumps(value, default=_json_default)


def to_json_string(value, indent=None, sort_keys=False, separators=(",", ": ")):
    return json.dumps(
        value, indent=indent, sort_keys=sort_keys, separators=separators, default=_json_default
    )


def from_json_string(value):
    return json.loads(str(_plain(value)))


def json_escape(value):
    return json.dumps(str(_plain(value)))[1:-1]


def decrypt_kv(value):
    if isinstance(value, KeyValueLookup):
        return value.value(decrypt=True)
    raise ValueError("decrypt_kv needs a datastore reference such as st2kv.system.KEY")


def regex_match(value, pattern):
    return re.match(pattern, str(_plain(value))) is not None


def regex_search(value, pattern):
    return re.search(pattern, str(_plain(value))) is not None


def regex_replace(value, pattern, replacement):
    return re.sub(pattern, replacement, str(_plain(value)))


def regex_substring(value, pattern, result_index=0):
    return re.findall(pattern, str(_plain(value)))[result_index]


def use_none(value):
    return "%*****__%NONE%__*****%" if value is None else value


def _environment():
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, autoescape=False
    )
    env.filters.update(
        {
            "to_complex": to_complex,
            "to_json_string": to_json_string,
            "from_json_string": from_json_string,
            "json_escape": json_escape,
            "decrypt_kv": decrypt_kv,
            "regex_match": regex_match,
            "regex_search": regex_search,
            "regex_replace": regex_replace,
            "regex_substring": regex_substring,
            "use_none": use_none,
        }
    )
    env.tests["in"] = lambda item, container: item in container
    return env


_ENV = _environment()


@lru_cache(maxsize=4096)
def _compile(text):
    return _ENV.from_string(text)


def is_template(text):
    return "{{" in text or "{%" in text or "{#" in text


# Templates made only of text and `{{ name.attr.attr }}` expressions are by far the most common
# in rules; they are rendered here with Jinja's own attribute lookup and undefined handling,
# which is several times faster than a Jinja render and gives the same text or error.
_SIMPLE_EXPRESSION = re.compile(r"\{\{\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*\}\}")
_JINJA_WORDS = frozenset(
    (
        "true",
        "false",
        "none",
        "True",
        "False",
        "None",
        "and",
        "or",
        "not",
        "in",
        "is",
        "if",
        "else",
        "recursive",
    )
)


@lru_cache(maxsize=4096)
def simple_parts(text):
    """[literal, path, literal, path, ..., literal] (paths are tuples of names), or None when
    the template needs Jinja itself."""
    if "\r" in text:
        return None
    parts, position = [], 0
    for match in _SIMPLE_EXPRESSION.finditer(text):
        path = tuple(match.group(1).split("."))
        literal = text[position : match.start()]
        if is_template(literal) or _JINJA_WORDS.intersection(path):
            return None
        parts.extend((literal, path))
        position = match.end()
    tail = text[position:]
    if is_template(tail):
        return None
    parts.append(tail[:-1] if tail.endswith("\n") else tail)  # Jinja drops one final newline
    return parts


def resolve(path, context):
    """The value of a dotted name as Jinja computes it (an Undefined when absent)."""
    if path[0] not in context:
        return _ENV.undefined(name=path[0])
    value = context[path[0]]
    for name in path[1:]:
        if isinstance(value, jinja2.Undefined):
            value._fail_with_undefined_error()
        value = _ENV.getattr(value, name)
    return value


def render(text, context):
    """Render text; raises jinja2 errors (undefined names, syntax) to the caller."""
    if not is_template(text) and not text.endswith("\n"):
        return text  # Jinja would return it unchanged; skipping keeps evaluation fast.
    parts = simple_parts(text)
    if parts is None:
        return _compile(text).render(context)
    pieces = []
    for index, part in enumerate(parts):
        pieces.append(part if index % 2 == 0 else str(resolve(part, context)))
    return "".join(pieces)
