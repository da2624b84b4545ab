import json
import os

import yaml
from st2tests.base import BaseActionTestCase

from env_destroy import EnvDestroy
from env_list import EnvList
from registry_validate import RegistryValidate


class QaeciActionTestCase(BaseActionTestCase):
    def config(self):
        config = yaml.safe_load(self.get_fixture_content("config.yaml"))
        config["registry_path"] = os.path.join(self._get_base_pack_path(), "tests", "fixtures",
                                               "registry")
        return config


class RegistryValidateTestCase(QaeciActionTestCase):
    action_cls = RegistryValidate

    def test_the_fixture_registry_is_valid(self):
        ok, result = self.get_action_instance(config=self.config()).run()
        self.assertTrue(ok)
        self.assertEqual(result, {"apps": 2, "templates": 1})

    def test_a_missing_registry_is_a_one_line_error(self):
        config = dict(self.config(), registry_path="/nonexistent/registry")
        ok, result = self.get_action_instance(config=config).run()
        self.assertFalse(ok)
        self.assertIn("registry_path /nonexistent/registry is not a directory", result["error"])


class EnvListTestCase(QaeciActionTestCase):
    action_cls = EnvList

    def test_lists_recorded_environments(self):
        self.action_service.set_value("qaeci.env.qa1", json.dumps(
            {"env": "qa1", "template": "demo", "creator": "alice", "apps": ["web"]}), local=False)
        self.action_service.set_value("qaeci.env.qa1.app.web", json.dumps(
            {"status": "healthy"}), local=False)
        ok, result = self.get_action_instance(config=self.config()).run()
        self.assertTrue(ok)
        self.assertEqual([(e["env"], e["creator"], e["apps"], e["healthy"])
                          for e in result["environments"]], [("qa1", "alice", 1, 1)])


class EnvDestroyTestCase(QaeciActionTestCase):
    action_cls = EnvDestroy

    def test_refuses_users_who_are_neither_managers_nor_the_creator(self):
        self.action_service.set_value("qaeci.env.qa1", json.dumps(
            {"env": "qa1", "template": "demo", "creator": "alice", "managers": ["mia"],
             "apps": ["web"]}), local=False)
        ok, result = self.get_action_instance(config=self.config()).run(
            env_name="qa1", requested_by="mallory")
        self.assertFalse(ok)
        self.assertIn("mallory may not take down environment qa1", result["error"])
        self.assertIn("managers (mia)", result["error"])
        self.assertIsNotNone(self.action_service.get_value("qaeci.env.qa1", local=False))

    def test_unknown_environment(self):
        ok, result = self.get_action_instance(config=self.config()).run(
            env_name="ghost", requested_by="mia")
        self.assertFalse(ok)
        self.assertIn("environment ghost does not exist", result["error"])
