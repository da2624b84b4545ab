"""Jinja expressions (`{{ ... }}` and `{% ... %}` blocks), sandboxed, evaluated as orquesta does."""

import functools
import inspect
import re

import jinja2
from jinja2 import sandbox

from st2lite.orquesta.errors import ExpressionError
from st2lite.orquesta.expressions import functions

STATEMENT = re.compile(r"{{.*?}}", re.DOTALL)
BLOCK = re.compile(r"{%.*?%}", re.DOTALL)
RAW_BLOCK = re.compile(r"{% raw %}.*?{% endraw %}", re.DOTALL)


class JinjaEvaluationException(ExpressionError):
    pass


_ENV = sandbox.SandboxedEnvironment(
    undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
)
for _name, (_func, _needs_scope) in functions.CATALOG.items():
    if not _needs_scope:
        _ENV.filters[_name] = _func


@functools.lru_cache(maxsize=8192)
def _compile(expression):
    return _ENV.compile_expression(expression, undefined_to_none=False)


def _strip(statement):
    return statement[2:-2].strip()


def has_expressions(text):
    return ("{{" in text and STATEMENT.search(text) is not None) or (
        "{%" in text and BLOCK.search(text) is not None
    )


def validate(text):
    errors = []
    try:
        _ENV.parse(text)
    except jinja2.exceptions.TemplateError as e:
        return [{"type": "jinja", "expression": text, "message": str(e)}]
    for statement in STATEMENT.findall(text):
        try:
            _compile(_strip(statement))
        except jinja2.exceptions.TemplateError as e:
            errors.append({"type": "jinja", "expression": statement, "message": str(e)})
    return errors


def _names(scope):
    names = {}
    for name, (func, needs_scope) in functions.CATALOG.items():
        names[name] = functools.partial(func, scope) if needs_scope else func
    return names


def _expand(text, scope):
    statements = STATEMENT.findall(text)
    names = _names(scope)
    statement = text
    try:
        if BLOCK.search(text):
            rendered = _ENV.from_string(text).render(names)
            return _expand(rendered, scope)
        output = text
        for statement in statements:
            result = _compile(_strip(statement))(**names)
            if inspect.isgenerator(result):
                result = list(result)
            if isinstance(result, str):
                result = _expand(result, scope)
            if isinstance(result, jinja2.StrictUndefined):
                continue
            if len(statements) > 1 or len(output) > len(statement):
                output = output.replace(statement, str(result))
            else:
                output = result
        return output
    except JinjaEvaluationException:
        raise
    except Exception as e:
        raise JinjaEvaluationException(
            "Unable to evaluate expression '%s'. %s: %s" % (statement, e.__class__.__name__, str(e))
        ) from e


def evaluate(text, scope):
    raw_blocks = RAW_BLOCK.findall(text)
    for index, block in enumerate(raw_blocks):
        text = text.replace(block, "{%d}" % index)
    output = _expand(text, scope)
    if isinstance(output, str):
        unresolved = [_strip(s) for s in STATEMENT.findall(output)]
        if unresolved:
            raise JinjaEvaluationException(
                "There are unresolved variables: %s" % ", ".join(unresolved)
            )
        if raw_blocks:
            for index, block in enumerate(raw_blocks):
                output = output.replace("{%d}" % index, block)
            output = _ENV.from_string(output).render(_names(scope))
    return output
