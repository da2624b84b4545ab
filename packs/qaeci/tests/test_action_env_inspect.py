from app_build import AppBuild
from app_deploy import AppDeploy
from env_inspect import EnvInspect
from env_plan import EnvPlan
from qaeci_pack_testkit import QaeciActionTestCase


class EnvInspectTestCase(QaeciActionTestCase):
    action_cls = EnvInspect

    def inspect(self, env):
        return self.get_action_instance(config=self.config()).run(env_name=env)

    def test_each_app_as_it_is_now_failed_or_not_running(self):
        plan = self.run_ok(
            EnvPlan, env_name="qa1", template="demo", branches=["api=broken"], requested_by="alice"
        )
        self.run_ok(AppBuild, env_name="qa1", app="api", run=plan["run"])
        self.run_ok(AppDeploy, env_name="qa1", app="api", run=plan["run"], wait_timeout=30)
        ok, result = self.inspect("qa1")
        self.assertTrue(ok, result)
        self.assertEqual(
            (result["env"], result["template"], result["creator"], result["services"]),
            ("qa1", "demo", "alice", {}),
        )
        apps = result["apps"]
        self.assertEqual(
            {code: (app["status"], app["reason"]) for code, app in apps.items()},
            {
                "api": ("failed", "make build exited with 2; see the build log"),
                "web": ("stopped", "not running (missing)"),
                "admin": ("stopped", "not running (missing)"),
            },
        )
        self.assertEqual(apps["web"]["url"], "http://web.qa1.localhost:8080/")

    def test_an_unknown_environment_is_refused(self):
        ok, result = self.inspect("ghost")
        self.assertFalse(ok)
        self.assertEqual(
            result,
            {"error": "environment ghost does not exist; fix: bring it up with env up ghost"},
        )
