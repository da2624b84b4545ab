import yaml
from greet import GreetAction
from st2tests.base import BaseActionTestCase


class GreetActionTestCase(BaseActionTestCase):
    action_cls = GreetAction

    def setUp(self):
        super(GreetActionTestCase, self).setUp()
        self.config = yaml.safe_load(self.get_fixture_content("config.yaml"))

    def test_greets_with_the_configured_greeting(self):
        action = self.get_action_instance(config=self.config)
        result = action.run(name="bob", count=2)
        self.assertEqual(result["message"], "Howdy bob, Howdy bob")
        self.assertIsNone(result["previous"])

    def test_remembers_who_was_greeted_last_in_the_local_datastore(self):
        action = self.get_action_instance(config=self.config)
        action.run(name="bob")
        self.assertEqual(action.run(name="eve")["previous"], "bob")
        self.assertEqual(self.action_service.get_value("last_greeted"), "eve")
        names = [pair.name for pair in self.action_service.list_values()]
        self.assertEqual(names, ["tests.GreetAction:last_greeted"])
        self.assertEqual(
            self.action_service.get_value("tests.GreetAction:last_greeted", local=False), "eve"
        )

    def test_each_test_starts_with_an_empty_datastore(self):
        self.assertEqual(list(self.action_service.list_values()), [])

    def test_refuses_a_count_below_one(self):
        action = self.get_action_instance(config=self.config)
        self.assertEqual(
            action.run(name="bob", count=0), (False, "count must be at least 1, got 0")
        )

    def test_config_is_passed_as_given(self):
        self.assertEqual(self.get_action_instance().config, {})
        self.assertIs(self.get_action_instance().action_service, self.action_service)
