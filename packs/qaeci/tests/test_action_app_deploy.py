from app_build import AppBuild
from app_deploy import AppDeploy
from env_plan import EnvPlan
from env_report import EnvReport
from qaeci_pack_testkit import QaeciActionTestCase, commit_of

BOUNDED_WAIT = 30  # seconds; every outcome these tests wait for is already recorded


class AppDeployTestCase(QaeciActionTestCase):
    """What a deploy step records when it cannot start its app (no back end process needed);
    test_action_app_deploy_local.py starts apps on the local back end."""

    action_cls = AppDeploy

    def deploy(self, env, app, run, wait_timeout=BOUNDED_WAIT):
        return self.get_action_instance(config=self.config()).run(
            env_name=env, app=app, run=run, wait_timeout=wait_timeout
        )

    def test_a_failed_build_fails_the_deploy_at_stage_build(self):
        run = self.run_ok(EnvPlan, env_name="qa1", template="demo", branches=["api=broken"])["run"]
        self.run_ok(AppBuild, env_name="qa1", app="api", run=run)
        ok, result = self.deploy("qa1", "api", run)
        self.assertTrue(ok, result)
        self.assertEqual(
            (result["status"], result["stage"], result["reason"]),
            ("failed", "build", "make build exited with 2; see the build log"),
        )
        self.assertEqual(
            (result["built"], result["deployed"], result["commit"]),
            (False, False, commit_of(self.repos, "api", "broken")),
        )
        self.assertIn("server.c:1: error: expected ;", result["log_tail"])
        # ... and env_up's report says so for the app.
        report = self.run_ok(EnvReport, env_name="qa1", run=run)
        self.assertFalse(report["healthy"])
        api = report["output"]["apps"]["api"]
        self.assertEqual(
            (api["status"], api["stage"], api["reason"], api["url"]),
            (
                "failed",
                "build",
                "make build exited with 2; see the build log",
                "http://api.qa1.localhost:8080/",
            ),
        )

    def test_a_build_that_never_ends_fails_the_deploy_once_its_wait_is_over(self):
        run = self.run_ok(EnvPlan, env_name="qa1", template="demo")["run"]
        ok, result = self.deploy("qa1", "web", run, wait_timeout=0)
        self.assertTrue(ok, result)
        self.assertEqual(
            (result["status"], result["stage"], result["reason"]),
            ("failed", "build", "no build outcome within 0s"),
        )

    def test_base_services_that_never_start_fail_the_deploy(self):
        run = self.run_ok(EnvPlan, env_name="qa1", template="demo")["run"]
        self.run_ok(AppBuild, env_name="qa1", app="api", run=run)
        ok, result = self.deploy("qa1", "api", run, wait_timeout=0)
        self.assertTrue(ok, result)
        self.assertEqual(
            (result["status"], result["stage"], result["reason"], result["built"]),
            ("failed", "deploy", "base services failed: not started in time", True),
        )
