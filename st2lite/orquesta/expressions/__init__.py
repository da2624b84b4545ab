"""Workflow expressions: YAQL (`<% %>`) and Jinja (`{{ }}`), over any nesting of dicts and lists."""

import re

from st2lite.orquesta.expressions import jinja_engine, yaql_engine
from st2lite.orquesta.expressions.scope import Scope

__all__ = ["Scope", "evaluate", "validate", "has_expressions", "referenced_variables"]

_ENGINES = (yaql_engine, jinja_engine)

# ctx().x, ctx(x), ctx('x'), ctx("x")
_CTX_REFERENCES = re.compile(
    r"\bctx\(\)\.([A-Za-z0-9_-]+)\b(?!\()|\bctx\(\s*['\"]?([A-Za-z0-9_-]+)['\"]?\s*\)"
)


def has_expressions(text):
    return isinstance(text, str) and any(e.has_expressions(text) for e in _ENGINES)


def evaluate(statement, scope):
    """Render `statement` (a string, or dicts and lists holding strings) against `scope`."""
    if isinstance(statement, str):
        for engine in _ENGINES:
            if engine.has_expressions(statement):
                return engine.evaluate(statement, scope)
        return statement
    if isinstance(statement, dict):
        return {evaluate(k, scope): evaluate(v, scope) for k, v in statement.items()}
    if isinstance(statement, list):
        return [evaluate(item, scope) for item in statement]
    return statement


def validate(statement):
    """Return error dicts for every expression in `statement` that does not parse."""
    errors = []
    if isinstance(statement, dict):
        for key, value in statement.items():
            errors.extend(validate(key))
            errors.extend(validate(value))
    elif isinstance(statement, list):
        for item in statement:
            errors.extend(validate(item))
    elif isinstance(statement, str):
        engines = [e for e in _ENGINES if e.has_expressions(statement)]
        if len(engines) > 1:
            errors.append(
                {
                    "type": None,
                    "expression": statement,
                    "message": "Expression with multiple types is not supported.",
                }
            )
        elif engines:
            errors.extend(engines[0].validate(statement))
    return errors


def referenced_variables(statement):
    """The workflow variables `statement` reads through ctx(), as (expression, name) pairs."""
    found = []
    if isinstance(statement, dict):
        for key, value in statement.items():
            found.extend(referenced_variables(key))
            found.extend(referenced_variables(value))
    elif isinstance(statement, list):
        for item in statement:
            found.extend(referenced_variables(item))
    elif isinstance(statement, str):
        for engine in _ENGINES:
            for expression in engine.STATEMENT.findall(statement):
                for match in _CTX_REFERENCES.finditer(expression):
                    found.append((statement, match.group(1) or match.group(2)))
    return found
