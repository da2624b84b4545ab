"""Action parameters of a matched rule, rendered with the trigger payload and the datastore."""

from helpers import make_rule

from st2lite.rules import evaluate_rules

PAYLOAD = {"env": "qa1", "count": 5, "tags": ["a", "b"], "labels": {"team": "flight"}}


def decide(parameters, payload=PAYLOAD, kv=None, trigger_instance_id="ti-1"):
    kv = kv or {}
    calls = []

    def kv_get(key, decrypt):
        calls.append((key, decrypt))
        return kv.get(("enc:" if decrypt else "") + key)

    [decision] = evaluate_rules(
        [make_rule({}, parameters=parameters)],
        "test.event",
        payload,
        kv_get=kv_get,
        trigger_instance_id=trigger_instance_id,
    )
    return decision, calls


def test_trigger_fields_render_as_text():
    decision, _ = decide(
        {"msg": "env {{ trigger.env }} has {{ trigger.count }}", "count": "{{ trigger.count }}"}
    )
    assert decision.failure_reason is None
    assert decision.status == "succeeded"
    assert decision.parameters == {"msg": "env qa1 has 5", "count": "5"}
    assert decision.action_ref == "core.echo"
    assert decision.rule_ref == "test.r"


def test_values_without_templates_keep_their_type():
    decision, _ = decide({"n": 3, "flag": True, "list": [1, 2], "text": "plain"})
    assert decision.parameters == {"n": 3, "flag": True, "list": [1, 2], "text": "plain"}


def test_templates_inside_lists_and_mappings_render():
    decision, _ = decide(
        {"items": ["{{ trigger.env }}", "x"], "meta": {"team": "{{ trigger.labels.team }}"}}
    )
    assert decision.parameters == {"items": ["qa1", "x"], "meta": {"team": "flight"}}


def test_trigger_instance_and_filters():
    decision, _ = decide(
        {
            "id": "{{ trigger_instance.id }}",
            "tags": "{{ trigger.tags | join(',') }}",
            "json": "{{ trigger.labels | to_json_string }}",
        }
    )
    assert decision.parameters == {"id": "ti-1", "tags": "a,b", "json": '{"team": "flight"}'}


def test_datastore_values_and_decryption():
    decision, calls = decide(
        {"plain": "{{ st2kv.system.region }}", "secret": "{{ st2kv.system.token | decrypt_kv }}"},
        kv={"region": "eu", "enc:token": "s3cret"},
    )
    assert decision.parameters == {"plain": "eu", "secret": "s3cret"}
    assert ("region", False) in calls and ("token", True) in calls


def test_undefined_name_fails_the_rule_with_the_parameter_named():
    decision, _ = decide({"ok": "x", "msg": "{{ trigger.nothere }}"})
    assert decision.status == "failed"
    assert decision.parameters is None
    assert decision.failure_reason.startswith('Failed to render parameter "msg"')
    assert "nothere" in decision.failure_reason
    assert "\n" not in decision.failure_reason


def test_parameter_failure_still_counts_as_matched_for_backstop():
    rules = [
        make_rule({}, name="broken", parameters={"m": "{{ trigger.nope }}"}),
        make_rule({}, name="fallback", rule_type="backstop"),
    ]
    decisions = evaluate_rules(rules, "test.event", {"a": 1})
    assert [(d.rule_ref, d.status) for d in decisions] == [("test.broken", "failed")]


def test_criteria_failure_does_not_block_backstop():
    rules = [
        make_rule({"trigger.a": {"type": "gt", "pattern": 1}}, name="cmp"),
        make_rule({}, name="fallback", rule_type="backstop"),
    ]
    decisions = evaluate_rules(rules, "test.event", {"a": "text"})
    assert [(d.rule_ref, d.status) for d in decisions] == [
        ("test.cmp", "failed"),
        ("test.fallback", "succeeded"),
    ]
