from app_build import AppBuild
from app_deploy import AppDeploy
from env_plan import EnvPlan
from env_select_failed import EnvSelectFailed
from qaeci_pack_testkit import QaeciActionTestCase


class EnvSelectFailedTestCase(QaeciActionTestCase):
    action_cls = EnvSelectFailed

    def select(self, env, user):
        return self.get_action_instance(config=self.config()).run(env_name=env, requested_by=user)

    def bring_up_with_a_broken_api(self):
        plan = self.run_ok(
            EnvPlan, env_name="qa1", template="demo", branches=["api=broken"], requested_by="alice"
        )
        self.run_ok(AppBuild, env_name="qa1", app="api", run=plan["run"])
        self.run_ok(AppDeploy, env_name="qa1", app="api", run=plan["run"], wait_timeout=30)

    def test_the_failed_app_and_everything_depending_on_it(self):
        self.bring_up_with_a_broken_api()
        for user in ("alice", "mia"):  # the creator, a manager of the template
            ok, result = self.select("qa1", user)
            self.assertTrue(ok, result)
            self.assertEqual(
                result, {"env": "qa1", "template": "demo", "apps": ["admin", "api", "web"]}
            )

    def test_only_managers_and_the_creator_may_rebuild(self):
        self.bring_up_with_a_broken_api()
        ok, result = self.select("qa1", "mallory")
        self.assertFalse(ok)
        self.assertEqual(
            result["error"],
            "mallory may not rebuild environment qa1: only its "
            "managers (mia) and its creator (alice) may; fix: ask "
            "one of them",
        )

    def test_an_unknown_environment_is_refused(self):
        ok, result = self.select("ghost", "mia")
        self.assertFalse(ok)
        self.assertEqual(
            result["error"], "environment ghost does not exist; fix: check the name with env list"
        )
