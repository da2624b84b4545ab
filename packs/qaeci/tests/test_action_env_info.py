import os
import re
import signal
import time
import urllib.request

from app_build import AppBuild
from app_deploy import AppDeploy
from env_destroy import EnvDestroy
from env_info import EnvInfo
from env_plan import EnvPlan
from env_services import EnvServices
from qaeci.backends.local import LocalBackend
from qaeci_local_site import LocalSiteTestCase
from qaeci_pack_testkit import QaeciActionTestCase, commit_of

BOUNDED_WAIT = 60  # seconds a deploy may wait for its build and dependencies
STOP_SEEN_WITHIN = 15  # seconds supervisord may take to see a killed app gone
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
LINKS = {
    "logs": "https://kibana.example/app/logs?q=env:{env}+app:{app}",
    "console": "http://{host}:{port}/",
    "source": "https://git.example/{app}/tree/{branch}",
    "sandbox": "https://mesos.example/#/agents/{agent_id}/browse",
}


class EnvInfoOnTheLocalBackEndTestCase(LocalSiteTestCase):
    """env info on apps that supervisord runs and nginx routes (the lite template: hello
    depends on docs, a static site whose server logs every request)."""

    action_cls = EnvInfo

    def config(self, **overrides):
        return super(EnvInfoOnTheLocalBackEndTestCase, self).config(
            **dict({"links": LINKS}, **overrides)
        )

    def info(self, env, app, **parameters):
        return self.get_action_instance(config=self.config()).run(
            env_name=env, app=app, **parameters
        )

    def info_ok(self, env, app, **parameters):
        ok, result = self.info(env, app, **parameters)
        self.assertTrue(ok, result)
        return result

    def env_up(self, env, requested_by, **parameters):
        """env_up's steps for ENV as the workflow runs them: {app: deploy record}."""
        plan = self.run_ok(
            EnvPlan, env_name=env, template="lite", requested_by=requested_by, **parameters
        )
        self.run_ok(EnvServices, env_name=env, run=plan["run"])
        for app in plan["build"]:
            self.run_ok(AppBuild, env_name=env, app=app, run=plan["run"])
        return {
            app: self.run_action(
                AppDeploy, env_name=env, app=app, run=plan["run"], wait_timeout=BOUNDED_WAIT
            )[1]
            for app in plan["deploy"]
        }

    def test_a_running_app_is_shown_as_a_person_opens_and_debugs_it(self):
        deployed = self.env_up("qa1", "alice")
        info = self.info_ok("qa1", "docs")
        port = deployed["docs"]["port"]
        self.assertEqual(
            {
                key: info[key]
                for key in (
                    "env",
                    "app",
                    "template",
                    "status",
                    "reason",
                    "url",
                    "commit",
                    "branch",
                    "host",
                    "port",
                    "deployed_by",
                    "ids",
                    "log_of",
                )
            },
            {
                "env": "qa1",
                "app": "docs",
                "template": "lite",
                "status": "healthy",
                "reason": "",
                "url": "http://docs.qa1.localhost:%d/" % self.router_port,
                "commit": commit_of(self.repos, "docs", "master"),
                "branch": "master",
                "host": "127.0.0.1",
                "port": port,
                "deployed_by": "alice",
                "ids": {"app_id": "qa1.docs"},
                "log_of": "app",
            },
        )
        self.assertEqual(self.through_router("docs", "qa1"), (200, "<h1>docs</h1>\n"))
        with urllib.request.urlopen("http://%s:%d/" % (info["host"], port), timeout=10) as page:
            self.assertEqual(page.status, 200)
        self.assertRegex(info["deployed_at"], ISO_UTC)
        self.assertRegex(info["started_at"], ISO_UTC)
        self.assertGreaterEqual(info["started_at"], info["deployed_at"])  # launched, then ran
        # Its checks asked for /: the static server logged each request.
        self.assertIn('"GET / HTTP/1.1" 200', info["log_tail"])
        self.assertEqual(
            info["links"],
            {
                "logs": "https://kibana.example/app/logs?q=env:qa1+app:docs",
                "console": "http://127.0.0.1:%d/" % port,
                "source": "https://git.example/docs/tree/master",
            },
        )  # no Mesos agent locally
        self.assertEqual(len(self.info_ok("qa1", "docs", log_lines=1)["log_tail"].splitlines()), 1)

    def test_who_deployed_an_app_stays_with_the_release_that_runs(self):
        self.env_up("qa1", "alice")
        first = self.info_ok("qa1", "docs")
        self.assertEqual(self.env_up("qa1", "bob"), {})  # nothing changed: nothing redeployed
        again = self.info_ok("qa1", "docs")
        self.assertEqual(
            (again["deployed_by"], again["deployed_at"]), ("alice", first["deployed_at"])
        )
        self.run_ok(EnvDestroy, env_name="qa1", apps=["hello"], requested_by="alice")
        self.assertEqual(sorted(self.env_up("qa1", "bob", apps=["hello"])), ["hello"])
        self.assertEqual(
            (
                self.info_ok("qa1", "hello")["deployed_by"],
                self.info_ok("qa1", "docs")["deployed_by"],
            ),
            ("bob", "alice"),
        )

    def test_an_app_that_died_is_shown_stopped_with_its_last_log(self):
        self.env_up("qa1", "alice")
        backend = LocalBackend(self.work_dir, router_port=self.router_port)
        os.kill(backend.supervisor.info("qa1.docs")["pid"], signal.SIGKILL)
        deadline = time.monotonic() + STOP_SEEN_WITHIN
        info = self.info_ok("qa1", "docs")
        # Until supervisord reaps it, the app is still "running" and its check fails.
        while info["status"] in ("healthy", "unhealthy") and time.monotonic() < deadline:
            time.sleep(0.1)
            info = self.info_ok("qa1", "docs")
        self.assertEqual(
            (info["status"], info["reason"], info["deployed_by"]),
            ("stopped", "not running (failed)", "alice"),
        )
        self.assertIn('"GET / HTTP/1.1" 200', info["log_tail"])

    def test_an_app_whose_build_failed_shows_the_build_log(self):
        self.env_up("qa1", "alice", branches=["docs=empty"])
        info = self.info_ok("qa1", "docs")
        self.assertEqual(
            (info["status"], info["stage"], info["branch"], info["deployed_at"], info["log_of"]),
            ("failed", "build", "empty", None, "build"),
        )
        self.assertIn(commit_of(self.repos, "docs", "empty"), info["log_tail"])
        skipped = self.info_ok("qa1", "hello")
        self.assertEqual(
            (skipped["status"], skipped["reason"]), ("skipped", "depends on docs, which failed")
        )


class EnvInfoRefusalsTestCase(QaeciActionTestCase):
    """What env info refuses, in one line naming what is wrong and the fix, before it asks the
    back end anything."""

    action_cls = EnvInfo

    def info(self, env, app, **config):
        return self.get_action_instance(config=self.config(**config)).run(env_name=env, app=app)

    def test_an_unknown_environment_or_app_is_named_with_the_fix(self):
        self.assertRefused(
            self.info("ghost", "docs"),
            "environment ghost does not exist; fix: bring it up with env up ghost",
        )
        self.run_ok(EnvPlan, env_name="qa1", template="lite", requested_by="alice")
        self.assertRefused(
            self.info("qa1", "nope"),
            "app 'nope' is not in environment qa1; fix: ask about one of its apps (docs, hello)",
        )

    def test_a_link_template_with_an_unknown_placeholder_is_a_config_error_naming_it(self):
        self.run_ok(EnvPlan, env_name="qa1", template="lite", requested_by="alice")
        ok, result = self.info(
            "qa1",
            "docs",
            links={
                "logs": "https://kibana.example/?q=app:{app}",
                "metrics": "https://grafana.example/d/x?var-cluster={cluster}",
            },
        )
        self.assertFalse(ok, result)
        self.assertTrue(
            result["error"].startswith(
                "links.metrics 'https://grafana.example/d/x?var-cluster={cluster}' has an unknown "
                "placeholder {cluster}; fix: use only {env} {app} "
            ),
            result,
        )
        self.assertTrue(result["error"].endswith(" in configs/qaeci.yaml"), result)
