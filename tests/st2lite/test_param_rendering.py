"""Action parameters rendered as StackStorm renders them: once, in dependency order; cycles and
undefined names refused; every declared parameter present and cast to its type."""

import pytest

from st2lite.params import ParameterError, finalize, render_values

API = {"user": "alice"}  # `st2 run` / a workflow task: the values given are rendered
RULE = {"user": "stanley", "rule": {"ref": "p.r"}}  # the rules engine rendered them already
ALIAS = {"user": "alice", "action_alias_ref": "p.a"}  # chat text is never rendered


def action(**parameters):
    return {"ref": "p.act", "pack": "p", "runner_type": "noop", "parameters": parameters}


def kv_lookup(store):
    def lookup(name, scope="system", decrypt=False):
        return store.get((scope, name))

    return lookup


def run(act, given=None, context=API, store=None, config=None):
    return finalize(act, given or {}, context, kv_lookup(store or {}), config or {})


def test_defaults_render_after_what_they_read_whatever_the_declaration_order():
    act = action(
        c={"type": "string", "default": "{{ b }}-c"},
        b={"type": "string", "default": "{{ a }}-b"},
        a={"type": "string", "default": "x"},
    )
    assert run(act) == {"a": "x", "b": "x-b", "c": "x-b-c"}
    assert run(act, {"b": "B"}) == {"a": "x", "b": "B", "c": "B-c"}


def test_a_rendered_value_is_not_rendered_again():
    store = {("system", "motd"): "{{ nosuch }} and {{ a }}"}
    act = action(
        a={"type": "string", "default": "A"},
        shown={"type": "string", "default": "{{ st2kv.system.motd }}"},
        echoed={"type": "string"},
    )
    values = run(act, {"echoed": "{{ shown }}!"}, store=store)
    assert values["shown"] == "{{ nosuch }} and {{ a }}"
    assert values["echoed"] == "{{ nosuch }} and {{ a }}!"


@pytest.mark.parametrize(
    "parameters,names",
    [
        ({"a": {"default": "{{ b }}"}, "b": {"default": "{{ a }}"}}, "a"),
        ({"a": {"default": "{{ a }}"}}, "a"),
        (
            {
                "x": {"default": "{{ y }}"},
                "y": {"default": "{{ z }}"},
                "z": {"default": "{{ y }}"},
                "ok": {"default": "{{ x }}"},
            },
            "y",
        ),
    ],
)
def test_a_cycle_fails_naming_a_variable_of_each_circle(parameters, names):
    with pytest.raises(ParameterError) as caught:
        run(action(**parameters))
    assert str(caught.value) == (
        "Cyclic dependency found in the following variables: %s. Likely "
        "the variable is referencing itself" % names
    )


def test_a_name_that_is_not_defined_fails_before_anything_renders():
    act = action(
        x={"type": "string", "default": "{{ nosuch }}"},
        y={"type": "array", "default": "{{ range(3) | list }}"},
    )  # Jinja's own names
    with pytest.raises(ParameterError, match='^Dependency unsatisfied in variable "nosuch"$'):
        run(act)
    assert run(act, {"x": "given"}) == {"x": "given", "y": [0, 1, 2]}


def test_an_attribute_that_is_missing_fails_naming_the_parameter():
    act = action(url={"type": "string", "default": "{{ config_context.endpoint }}/v1"})
    assert run(act, config={"endpoint": "https://e"})["url"] == "https://e/v1"
    with pytest.raises(ParameterError, match='^Failed to render parameter "url": .*endpoint'):
        run(act)


def test_every_declared_parameter_is_present_and_cast_to_its_type():
    act = action(
        ratio={"type": "number", "default": 1},
        count={"type": "integer"},
        note={"type": "string"},
        num={"type": "integer", "default": "{{ 6 * 7 }}"},
        flag={"type": "boolean", "default": "{{ 1 > 0 }}"},
        items={"type": "array", "default": "{{ ['a', 'b'] }}"},
        text={"type": "string", "default": "{{ 5 }}"},
        free={"default": "{{ 5 }}"},
    )
    values = run(act, {"count": 3})
    assert values == {
        "ratio": 1.0,
        "count": 3,
        "note": None,
        "num": 42,
        "flag": True,
        "items": ["a", "b"],
        "text": "5",
        "free": "5",
    }
    assert isinstance(values["ratio"], float)
    assert run(act, {"ratio": 2})["ratio"] == 2.0


def test_a_whole_name_inside_a_structure_keeps_its_type():
    act = action(
        n={"type": "integer", "default": 4},
        name={"type": "string", "default": "svc"},
        spec={
            "type": "object",
            "default": {"size": "{{n}}", "label": "{{ n }}", "hosts": ["{{ name }}-1", "{{name}}"]},
        },
    )
    assert run(act, {"n": 10})["spec"] == {"size": 10, "label": "10", "hosts": ["svc-1", "svc"]}


def test_raw_blocks_keep_jinja_markers_as_text():
    act = action(
        literal={"type": "string", "default": "{% raw %}{{ not_a_var }}{% endraw %}"},
        msg={"type": "string"},
    )
    values = run(act, {"msg": "{% raw %}{{ x }}{% endraw %}"})
    assert values == {"literal": "{{ not_a_var }}", "msg": "{{ x }}"}


def test_templates_read_the_context_the_datastore_and_the_pack_config():
    act = action(
        pack={"type": "string", "default": "{{ action_context.pack }}"},
        caller={
            "type": "string",
            "default": "{{ action_context.api_user | default(action_context.user, true) }}",
        },
        limit={"type": "integer", "default": "{{ st2kv.system.limit }}"},
        token={"type": "string", "default": "{{ st2kv.user.token }}"},
        app={"type": "string", "default": "{{ st2kv.system.app.name }}"},
        missing={"type": "string", "default": "{{ st2kv.system.no_such_key }}"},
        retries={"type": "integer", "default": "{{ config_context.retries }}"},
    )
    store = {("system", "limit"): "25", ("user", "token"): "t0k", ("system", "app.name"): "shop"}
    assert run(act, store=store, config={"retries": 2}) == {
        "pack": "p",
        "caller": "alice",
        "limit": 25,
        "token": "t0k",
        "app": "shop",
        "missing": "",
        "retries": 2,
    }


def test_use_none_gives_none():
    act = action(
        maybe={
            "type": "string",
            "default": "{{ action_context.nothing | default(None) | use_none }}",
        }
    )
    assert run(act)["maybe"] is None


def test_rule_and_alias_values_arrive_rendered_and_stay_as_they_are():
    act = action(
        who={"type": "string"},
        times={"type": "integer"},
        greeting={"type": "string", "default": "hi {{ who }}"},
    )
    chat = {"who": "{{ st2kv.system.secret }}", "times": 2}
    store = {("system", "secret"): "s3cret"}
    for context in (RULE, ALIAS):
        values = run(act, chat, context, store)
        assert values == {
            "who": "{{ st2kv.system.secret }}",
            "times": 2,
            "greeting": "hi {{ st2kv.system.secret }}",
        }
    assert run(act, chat, API, store)["who"] == "s3cret"


def test_an_immutable_parameter_is_refused_even_at_its_default_and_its_default_applies():
    act = action(mode={"type": "string", "immutable": True, "default": "{{ action_context.user }}"})
    assert run(act) == {"mode": "alice"}
    for given in ("{{ action_context.user }}", "bob"):
        with pytest.raises(ParameterError, match="immutable"):
            run(act, {"mode": given})


def test_a_given_template_gives_way_to_a_template_default_as_on_stackstorm():
    # StackStorm adds a default over any parameter without a value, and a given template is no
    # value: a template default then replaces it (a plain default does not).
    act = action(
        a={"type": "string", "default": "x"},
        b={"type": "string", "default": "{{ a }}-b"},
        c={"type": "string", "default": "plain"},
    )
    assert run(act, {"b": "{{ a }}!", "c": "{{ a }}!"}) == {"a": "x", "b": "x-b", "c": "x!"}


def test_a_value_that_cannot_be_cast_is_one_clear_line():
    act = action(count={"type": "integer", "default": "{{ 'many' }}"})
    with pytest.raises(ParameterError, match="^parameter 'count': 'many' is not a valid integer$"):
        run(act)


def test_config_values_render_once():
    store = {("system", "token"): "{{ nosuch }}"}
    rendered = render_values(
        {"token": "{{ st2kv.system.token }}", "hosts": ["{{ 1 + 1 }}"], "plain": 3},
        {},
        kv_lookup(store),
        {},
    )
    assert rendered == {"token": "{{ nosuch }}", "hosts": ["2"], "plain": 3}


def test_decrypt_kv_reads_the_secret_and_key_names_are_never_methods():
    def lookup(name, scope="system", decrypt=False):
        return {"token": "plain" if decrypt else "cipher", "decrypted": "key", "n": "41"}.get(name)

    act = action(
        token={"type": "string", "default": "{{ st2kv.system.token | decrypt_kv }}"},
        raw={"type": "string", "default": "{{ st2kv.system.token }}"},
        odd={"type": "string", "default": "{{ st2kv.system.decrypted }}"},
        limit={"type": "integer", "default": "{{ st2kv.system.n | int + 1 }}"},
    )
    assert finalize(act, {}, API, lookup, {}) == {
        "token": "plain",
        "raw": "cipher",
        "odd": "key",
        "limit": 42,
    }
    act = action(gone={"type": "string", "default": "{{ st2kv.system.gone | decrypt_kv }}"})
    with pytest.raises(
        ParameterError, match='^Failed to render parameter "gone": .*"gone" doesn\'t exist'
    ):
        finalize(act, {}, API, lookup, {})
