"""YAQL expressions (`<% ... %>`), evaluated with the `yaql` package as orquesta does."""

import collections
import collections.abc  # noqa: F401  (yaql 3.2 needs it imported first on Python 3.11)
import functools
import inspect
import re
import threading

import yaql
import yaql.language.exceptions as yaql_exc
from yaql.language import utils as yaql_utils

from st2lite.orquesta.errors import ExpressionError
from st2lite.orquesta.expressions import functions
from st2lite.orquesta.expressions.yaql_tables import cached_tables

STATEMENT = re.compile(r"<%.*?%>", re.DOTALL)


class YaqlEvaluationException(ExpressionError):
    pass


with cached_tables():
    _ENGINE = yaql.language.factory.YaqlFactory().create()


_converted = threading.local()


def _convert(value):
    """yaql's view of a value; the last few conversions are remembered (per thread) because every
    ctx() call in a task's expressions asks for the same, possibly large, variables."""
    if not isinstance(value, (dict, list)):
        return yaql_utils.convert_input_data(value)
    memo = getattr(_converted, "memo", None)
    if memo is None:
        memo = _converted.memo = collections.OrderedDict()
    hit = memo.get(id(value))
    if hit is not None and hit[0] is value:
        return hit[1]
    converted = yaql_utils.convert_input_data(value)
    memo[id(value)] = (value, converted)
    if len(memo) > 16:
        memo.popitem(last=False)
    return converted


def _wrap(func, needs_scope):
    if needs_scope:

        def call(context, *args, **kwargs):
            return _convert(func(context["__scope"], *args, **kwargs))
    else:

        def call(*args, **kwargs):
            return yaql_utils.convert_input_data(func(*args, **kwargs))

    return call


def _root_context():
    root = yaql.create_context()
    for name, (func, needs_scope) in functions.CATALOG.items():
        root.register_function(_wrap(func, needs_scope), name=name)
    return root


_ROOT = _root_context()


_PARSE_LOCK = threading.Lock()


@functools.lru_cache(maxsize=8192)
def _parse(expression):
    with _PARSE_LOCK:  # the yaql (ply) parser keeps its parsing state on the shared instance
        return _ENGINE(expression)


def _strip(statement):
    return statement[2:-2].strip()


def has_expressions(text):
    return "<%" in text and STATEMENT.search(text) is not None


def validate(text):
    """Return a list of error dicts for the statements in `text` that do not parse."""
    errors = []
    for statement in STATEMENT.findall(text):
        try:
            _parse(_strip(statement))
        except (yaql_exc.YaqlException, ValueError, TypeError) as e:
            errors.append({"type": "yaql", "expression": statement, "message": str(e)})
    return errors


def _context(scope):
    context = _ROOT.create_child_context()
    context["__scope"] = scope
    return context


def evaluate(text, scope):
    statements = STATEMENT.findall(text)
    context = _context(scope)
    output = text
    statement = text
    try:
        for statement in statements:
            result = _parse(_strip(statement)).evaluate(context=context)
            if inspect.isgenerator(result):
                result = list(result)
            if len(statements) > 1 or len(output) > len(statement):
                output = output.replace(statement, str(result))
            else:
                output = result
    except KeyError as e:
        key = str(e).strip("'")
        raise YaqlEvaluationException(
            "Unable to resolve key '%s' in expression '%s' from context." % (key, statement)
        ) from e
    except Exception as e:
        raise YaqlEvaluationException(
            "Unable to evaluate expression '%s'. %s: %s"
            % (statement, e.__class__.__name__, str(e).strip("'"))
        ) from e
    return output
