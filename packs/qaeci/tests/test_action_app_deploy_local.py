from app_build import AppBuild
from app_deploy import AppDeploy
from env_destroy import EnvDestroy
from env_inspect import EnvInspect
from env_plan import EnvPlan
from env_report import EnvReport
from env_select_failed import EnvSelectFailed
from env_services import EnvServices
from qaeci_local_site import LocalSiteTestCase

BOUNDED_WAIT = 60  # seconds a deploy may wait for its build, services and dependencies


class AppDeployOnTheLocalBackEndTestCase(LocalSiteTestCase):
    """env_up's steps as its workflow runs them (plan, services, builds, deploys, report), one
    after the other, on the lite template: hello depends on docs."""

    action_cls = AppDeploy

    def deploy(self, env, app, run):
        return self.get_action_instance(config=self.config()).run(
            env_name=env, app=app, run=run, wait_timeout=BOUNDED_WAIT
        )

    def env_up(self, env, **parameters):
        plan = self.run_ok(
            EnvPlan, env_name=env, template="lite", requested_by="alice", **parameters
        )
        self.run_ok(EnvServices, env_name=env, run=plan["run"])
        for app in plan["build"]:
            self.run_ok(AppBuild, env_name=env, app=app, run=plan["run"])
        deployed = {}
        for app in plan["deploy"]:
            ok, deployed[app] = self.deploy(env, app, plan["run"])
            self.assertTrue(ok, deployed[app])
        return plan, deployed

    def test_every_app_starts_healthy_and_answers_through_the_router(self):
        plan, deployed = self.env_up("qa1")
        self.assertEqual(
            {
                app: (record["status"], record["built"], record["deployed"])
                for app, record in deployed.items()
            },
            {"docs": ("healthy", True, True), "hello": ("healthy", True, True)},
        )
        # hello's config names docs' address, rendered at deploy time.
        status, body = self.through_router("hello", "qa1")
        self.assertEqual(
            (status, body),
            (200, "hello from qa1, docs at http://127.0.0.1:%d\n" % deployed["docs"]["port"]),
        )
        self.assertEqual(self.through_router("docs", "qa1"), (200, "<h1>docs</h1>\n"))
        report = self.run_ok(EnvReport, env_name="qa1", run=plan["run"])
        self.assertTrue(report["healthy"], report)
        self.assertEqual(
            report["output"]["apps"]["hello"]["url"],
            "http://hello.qa1.localhost:%d/" % self.router_port,
        )
        inspected = self.run_ok(EnvInspect, env_name="qa1")
        self.assertEqual(
            {app: entry["status"] for app, entry in inspected["apps"].items()},
            {"docs": "healthy", "hello": "healthy"},
        )
        self.assertEqual(
            self.run_ok(EnvSelectFailed, env_name="qa1", requested_by="alice")["apps"], []
        )

    def test_a_second_env_up_changes_nothing(self):
        self.env_up("qa1")
        again = self.run_ok(EnvPlan, env_name="qa1", template="lite")
        self.assertEqual(
            (again["build"], again["deploy"], again["unchanged"]), ([], [], ["docs", "hello"])
        )
        report = self.run_ok(EnvReport, env_name="qa1", run=again["run"])
        self.assertTrue(report["healthy"], report)
        self.assertEqual(
            {
                app: (entry["built"], entry["deployed"])
                for app, entry in report["output"]["apps"].items()
            },
            {"docs": (False, False), "hello": (False, False)},
        )

    def test_an_app_whose_dependency_failed_is_skipped(self):
        plan, deployed = self.env_up("qa1", branches=["docs=empty"])
        self.assertEqual(
            (deployed["docs"]["status"], deployed["docs"]["stage"]), ("failed", "build")
        )
        self.assertEqual(
            (deployed["hello"]["status"], deployed["hello"]["reason"]),
            ("skipped", "depends on docs, which failed"),
        )
        self.assertEqual(
            self.run_ok(EnvSelectFailed, env_name="qa1", requested_by="mia"),
            {"env": "qa1", "template": "lite", "apps": ["docs", "hello"]},
        )

    def test_taking_the_last_environment_down_stops_its_apps_and_the_daemons(self):
        self.env_up("qa1")
        self.assertIsNotNone(self.supervisord_pid())
        result = self.run_ok(EnvDestroy, env_name="qa1", requested_by="alice")
        self.assertEqual(result["removed"], ["docs", "hello"])
        self.assertIsNone(self.supervisord_pid())
