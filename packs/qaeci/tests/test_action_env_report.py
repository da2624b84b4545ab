from app_build import AppBuild
from app_deploy import AppDeploy
from env_plan import EnvPlan
from env_report import EnvReport
from qaeci_pack_testkit import QaeciActionTestCase

OUTPUT_KEYS = ["apps", "creator", "deploy_type", "env", "services", "template"]


class EnvReportTestCase(QaeciActionTestCase):
    action_cls = EnvReport

    def report(self, env, run=None):
        return self.get_action_instance(config=self.config()).run(env_name=env, run=run)

    def test_a_run_whose_steps_never_reported_is_unhealthy_app_by_app(self):
        run = self.run_ok(EnvPlan, env_name="qa1", template="demo", requested_by="alice")["run"]
        ok, result = self.report("qa1", run)
        self.assertTrue(ok, result)
        self.assertFalse(result["healthy"])
        output = result["output"]
        self.assertEqual(sorted(output), OUTPUT_KEYS)
        self.assertEqual(
            (output["env"], output["template"], output["deploy_type"], output["creator"]),
            ("qa1", "demo", "dev", "alice"),
        )
        self.assertEqual(
            {code: (app["status"], app["reason"]) for code, app in output["apps"].items()},
            {
                code: ("failed", "no outcome recorded for this run (interrupted?)")
                for code in ("admin", "api", "web")
            },
        )
        self.assertEqual(
            output["services"], {"mysql": {"status": "failed", "reason": "not started"}}
        )

    def test_the_latest_run_is_reported_by_default(self):
        plan = self.run_ok(EnvPlan, env_name="qa1", template="demo", branches=["api=broken"])
        self.run_ok(AppBuild, env_name="qa1", app="api", run=plan["run"])
        self.run_ok(AppDeploy, env_name="qa1", app="api", run=plan["run"], wait_timeout=30)
        result = self.run_ok(EnvReport, env_name="qa1")
        self.assertEqual(result["output"]["apps"]["api"]["stage"], "build")

    def test_an_unknown_environment_is_refused(self):
        ok, result = self.report("ghost")
        self.assertFalse(ok)
        self.assertEqual(
            result,
            {"error": "environment ghost does not exist; fix: bring it up with env up ghost"},
        )
