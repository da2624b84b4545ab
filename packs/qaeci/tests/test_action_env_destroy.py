import os

from env_destroy import EnvDestroy
from env_list import EnvList
from env_plan import EnvPlan
from qaeci_pack_testkit import QaeciActionTestCase


class EnvDestroyTestCase(QaeciActionTestCase):
    """Taking down environments that run nothing (test_action_app_deploy_local.py takes down
    running ones)."""

    action_cls = EnvDestroy

    def destroy(self, env, user, apps=None):
        return self.get_action_instance(config=self.config()).run(
            env_name=env, apps=apps, requested_by=user
        )

    def listed(self):
        return {env["env"]: env["apps"] for env in self.run_ok(EnvList)["environments"]}

    def setUp(self):
        super(EnvDestroyTestCase, self).setUp()
        self.run_ok(EnvPlan, env_name="qa1", template="demo", requested_by="alice")

    def test_the_creator_takes_the_whole_environment_down(self):
        ok, result = self.destroy("qa1", "alice")
        self.assertTrue(ok, result)
        self.assertEqual(
            result, {"env": "qa1", "removed": ["admin", "api", "web"], "remaining": []}
        )
        self.assertEqual(self.listed(), {})
        self.assertFalse(os.path.exists(os.path.join(self.work_dir, "envs", "qa1")))

    def test_a_manager_takes_some_apps_down(self):
        ok, result = self.destroy("qa1", "mia", apps=["admin"])
        self.assertTrue(ok, result)
        self.assertEqual(result, {"env": "qa1", "removed": ["admin"], "remaining": ["api", "web"]})
        self.assertEqual(self.listed(), {"qa1": 2})

    def test_refuses_users_who_are_neither_managers_nor_the_creator(self):
        ok, result = self.destroy("qa1", "mallory")
        self.assertFalse(ok)
        self.assertEqual(
            result["error"],
            "mallory may not take down environment qa1: only its "
            "managers (mia) and its creator (alice) may; fix: ask "
            "one of them",
        )
        self.assertEqual(self.listed(), {"qa1": 3})

    def test_an_app_the_environment_does_not_have_is_refused(self):
        ok, result = self.destroy("qa1", "mia", apps=["ghost"])
        self.assertFalse(ok)
        self.assertEqual(
            result["error"], "ghost not in environment qa1; fix: pick from admin, api, web"
        )
        self.assertEqual(self.listed(), {"qa1": 3})

    def test_an_unknown_environment_is_refused(self):
        ok, result = self.destroy("ghost", "mia")
        self.assertFalse(ok)
        self.assertEqual(
            result, {"error": "environment ghost does not exist; fix: check the name with env list"}
        )
