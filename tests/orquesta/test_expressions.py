"""Expressions and inline parameters behave as in orquesta and StackStorm."""

import pytest

from st2lite.orquesta.errors import ExpressionError
from st2lite.orquesta.expressions import Scope, evaluate
from st2lite.orquesta.inline import parse_inline_params


class _States(object):
    def __init__(self, statuses):
        self.statuses = statuses

    def task_status(self, task_id, route):
        return self.statuses.get(task_id, "null")


def _scope(**variables):
    return Scope(
        variables,
        current_task={"id": "t", "route": 0, "result": {"n": [1, 2]}},
        state=_States({"t": "failed", "u": "succeeded"}),
    )


def test_inline_parameters_types():
    text = (
        "pack.act s=\"two words\" q='x' i=42 f=2.5 neg=-3 b=TRUE n=null "
        'e=<% ctx().x %> j="{{ ctx().y }}" zero="0"'
    )
    assert parse_inline_params(text, preserve_order=False) == {
        "s": "two words",
        "q": "x",
        "i": 42,
        "f": 2.5,
        "neg": -3,
        "b": True,
        "n": None,
        "e": "<% ctx().x %>",
        "j": "{{ ctx().y }}",
        "zero": "0",
    }
    assert parse_inline_params("a=1 b=2") == [{"a": 1}, {"b": 2}]
    # as in orquesta: a list is read up to the last "]", and one holding quotes stays text
    assert parse_inline_params("l=[1, 2]", preserve_order=False) == {"l": [1, 2]}
    assert parse_inline_params('l=["a"]', preserve_order=False) == {"l": '["a"]'}


@pytest.mark.parametrize(
    "text,expected",
    [
        ("<% ctx().xs.where($ > 1) %>", [3, 2]),
        ("<% ctx(xs).len() %> items", "3 items"),
        ("<% failed() and not succeeded() and completed() %>", True),
        ("<% task_status(u) %>/<% task_status(nope) %>", "succeeded/null"),
        ("<% result().n.sum() %>", 3),
        ("<% json('{\"a\": 1}').a %>", 1),
        ("<% zip(list(1, 2), list(a)) %>", [[1, "a"], [2, None]]),
        ("{{ ctx().xs | sort | list }}", [1, 2, 3]),
        ("{{ ctx('xs') | length }} and {{ result().n[0] }}", "3 and 1"),
        ("{% for x in ctx().xs %}{{ x }}{% endfor %}", "132"),
        ("{{ to_json_string(ctx().m) }}", '{"k":"v"}'),
        ("<% to_human_time_from_seconds(3723) %>", "1h2m3s"),
        ("{{ json_escape(ctx().quote) }}", 'say \\"hi\\"'),
        ("<% regex_replace('a-b', '-', '+') %>", "a+b"),
        ("no expression", "no expression"),
    ],
)
def test_yaql_and_jinja_evaluate(text, expected):
    assert evaluate(text, _scope(xs=[1, 3, 2], m={"k": "v"}, quote='say "hi"')) == expected


def test_nested_statements_in_dicts_and_lists():
    assert evaluate({"<% ctx().k %>": ["<% ctx().v %>", 1]}, _scope(k="key", v=True)) == {
        "key": [True, 1]
    }


def test_items_by_name():
    scope = _scope().with_item({"host": "h1"})
    assert evaluate("<% item(host) %>-<% item() %>", scope) == "h1-{'host': 'h1'}"
    assert evaluate("{{ item('host') }}", scope) == "h1"
    with pytest.raises(ExpressionError, match='Item does not have key "port"'):
        evaluate("<% item(port) %>", scope)


def test_undefined_variables_are_errors_in_both_languages():
    with pytest.raises(ExpressionError, match="Unable to resolve key 'x'"):
        evaluate("<% ctx().x %>", _scope())
    with pytest.raises(ExpressionError, match='The variable "x" is referenced before assigned'):
        evaluate("{{ ctx('x') }}", _scope())
    with pytest.raises(ExpressionError, match="unresolved variables"):
        evaluate("{{ ctx().x }}", _scope())


def test_jinja_is_sandboxed():
    with pytest.raises(ExpressionError):
        evaluate("{{ ctx().__class__.__mro__ }}", _scope())
