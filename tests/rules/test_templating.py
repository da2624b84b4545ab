"""st2lite renders simple templates without Jinja for speed: the text and the errors must be
exactly Jinja's."""

import jinja2
import pytest

from st2lite.rules.templating import KeyValueLookup, _compile, render, simple_parts

CONTEXT = {
    "trigger": {
        "env": "qa1",
        "count": 5,
        "none": None,
        "flag": True,
        "tags": ["a", "b"],
        "labels": {"team": "flight"},
        "ratio": 0.5,
    },
    "st2kv": {"system": KeyValueLookup(lambda key, decrypt: {"region": "eu"}.get(key))},
}

TEMPLATES = [
    "{{ trigger.env }}",
    "{{trigger.count}}",
    "env={{ trigger.env }}, n={{ trigger.count }}!",
    "{{ trigger.none }}",
    "{{ trigger.flag }}",
    "{{ trigger.tags }}",
    "{{ trigger.labels }}",
    "{{ trigger.ratio }}",
    "{{ trigger.labels.team }}",
    "{{ trigger.items }}",
    "{{ trigger.env.upper }}",
    "{{ st2kv.system.region }}",
    "{{ st2kv.system.absent }}",
    "line\n",
    "{{ trigger.env }}\n",
    "{{ trigger.env }}\n\n",
    "  {{ trigger.env }}  ",
    "{{ trigger.nothere }}",
    "{{ nothere }}",
    "{{ trigger.nothere.deeper }}",
    "{{ trigger.env.nothere }}",
    "{{ trigger.none.x }}",
    "{{ trigger.tags.0 }}",
]


def outcome(function, text):
    try:
        return "ok", function(text)
    except jinja2.TemplateError as error:
        return type(error).__name__, str(error)


@pytest.mark.parametrize("text", TEMPLATES)
def test_fast_rendering_equals_jinja(text):
    assert outcome(lambda t: render(t, CONTEXT), text) == outcome(
        lambda t: _compile(t).render(CONTEXT), text
    )


@pytest.mark.parametrize(
    "text",
    [
        "{{ trigger.count + 1 }}",
        "{{ trigger.env | upper }}",
        "{% if trigger.flag %}y{% endif %}",
        "{{ true }}",
        "{# c #}x",
        "{{ trigger['env'] }}",
        "a\r\n{{ trigger.env }}",
    ],
)
def test_anything_else_goes_to_jinja(text):
    assert simple_parts(text) is None
    assert outcome(lambda t: render(t, CONTEXT), text) == outcome(
        lambda t: _compile(t).render(CONTEXT), text
    )
