"""An alias's `extra` rendered as StackStorm's render_values renders it."""

import jinja2
import pytest

from st2lite.aliases.extra import render_extra

EXECUTION = {"status": "failed", "id": "e1", "result": {"stdout": "42"}}


def test_each_value_is_a_template_and_untemplated_values_keep_their_type():
    extra = {
        "color": "{% if execution.status == 'failed' %}danger{% else %}good{% endif %}",
        "count": 3,
        "flag": True,
        "slack": {"thread_response": True, "footer": "run {{ execution.id }}"},
        "fields": ["{{ execution.result.stdout }}", "fixed"],
        "plain": {"a": 1},
    }
    assert render_extra(extra, {"execution": EXECUTION}) == {
        "color": "danger",
        "count": 3,
        "flag": True,
        "slack": {"thread_response": True, "footer": "run e1"},
        "fields": ["42", "fixed"],
        "plain": {"a": 1},
    }


def test_the_whole_context_is_reachable_as___context():
    assert render_extra({"who": "{{ __context.execution.id }}"}, {"execution": EXECUTION}) == {
        "who": "e1"
    }


def test_an_undefined_name_is_an_error():
    with pytest.raises(jinja2.UndefinedError):
        render_extra({"color": "{{ nothing.here }}"}, {"execution": EXECUTION})
