"""The pack's policies: each loads as StackStorm's policy registrar reads it, applies to an
action of the pack, and has the parameters its policy type accepts."""

import os
import unittest

import jsonschema
from qaeci_pack_testkit import FIXTURES, PACK_REF, actions, pack_resources, read_yaml

# The fields StackStorm's policy API model accepts in a policy file.
POLICY_FIELDS = {
    "name",
    "pack",
    "ref",
    "description",
    "enabled",
    "resource_ref",
    "policy_type",
    "parameters",
    "metadata_file",
    "id",
    "uid",
}


def parameters_schema(policy_type_parameters):
    """StackStorm's schema for a policy's parameters: the type's parameters as properties
    (`required: true` on a property makes it required), nothing else allowed."""
    properties, required = {}, []
    for name, spec in policy_type_parameters.items():
        spec = dict(spec)
        if spec.pop("required", False):
            required.append(name)
        properties[name] = spec
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


class PolicyTestCase(unittest.TestCase):
    def setUp(self):
        self.policies = pack_resources("policies")
        self.actions = actions()
        self.policy_types = read_yaml(os.path.join(FIXTURES, "policy_types.yaml"))

    def test_the_pack_serialises_env_up_rebuild_failed_and_remediation_decisions(self):
        self.assertEqual(
            sorted(
                (policy["resource_ref"], policy["policy_type"]) for policy in self.policies.values()
            ),
            [
                ("qaeci.cluster_drain", "action.concurrency"),
                ("qaeci.cluster_scale_apply", "action.concurrency"),
                ("qaeci.cluster_scale_plan", "action.concurrency"),
                ("qaeci.env_rebuild_failed", "action.concurrency.attr"),
                ("qaeci.env_up", "action.concurrency.attr"),
                ("qaeci.remediate_decide", "action.concurrency"),
                ("qaeci.remediate_memory", "action.concurrency"),
                ("qaeci.remediate_restart", "action.concurrency"),
            ],
        )

    def test_every_policy_has_only_the_fields_stackstorm_accepts(self):
        for policy in self.policies.values():
            path = policy["metadata_file"]
            self.assertEqual(sorted(set(policy) - POLICY_FIELDS), [], path)
            self.assertTrue(policy.get("enabled", True), path)
            self.assertTrue(policy.get("description"), path)

    def test_every_policy_applies_to_an_action_of_the_pack(self):
        for name, policy in self.policies.items():
            pack, _, action = policy["resource_ref"].partition(".")
            self.assertEqual((pack, action in self.actions), (PACK_REF, True), name)

    def test_every_policy_has_the_parameters_its_type_accepts(self):
        for name, policy in self.policies.items():
            self.assertIn(policy["policy_type"], self.policy_types, name)
            schema = parameters_schema(self.policy_types[policy["policy_type"]])
            jsonschema.Draft4Validator(schema).validate(policy.get("parameters") or {})

    def test_executions_are_grouped_by_parameters_the_action_has(self):
        for name, policy in self.policies.items():
            if policy["policy_type"] != "action.concurrency.attr":
                continue
            action = self.actions[policy["resource_ref"].partition(".")[2]]
            attributes = policy["parameters"]["attributes"]
            self.assertEqual(
                sorted(set(attributes) - set(action.get("parameters") or {})), [], name
            )
            self.assertEqual(
                (policy["parameters"]["threshold"], policy["parameters"]["action"]),
                (1, "delay"),
                name,
            )
