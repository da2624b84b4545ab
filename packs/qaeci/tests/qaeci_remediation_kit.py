"""What the remediation steps' tests share: the lite environment brought up for real on the
local back end (supervisord and nginx) as env_up's steps do, and remediate_decide's answer to
an event, which each fix step takes as its `decision`."""

import os
import signal
import time

from app_build import AppBuild
from app_deploy import AppDeploy
from env_plan import EnvPlan
from env_services import EnvServices
from qaeci import triggers
from qaeci.backends.local import LocalBackend
from qaeci_local_site import LocalSiteTestCase
from remediate_decide import RemediateDecide

BOUNDED_WAIT = 60  # seconds a deploy may wait for its build and dependencies
DEATH_SEEN_WITHIN = 15  # seconds supervisord may take to see a killed app gone


class RemediationSiteTestCase(LocalSiteTestCase):
    def env_up(self, env="qa1"):
        plan = self.run_ok(EnvPlan, env_name=env, template="lite", requested_by="alice")
        self.run_ok(EnvServices, env_name=env, run=plan["run"])
        for app in plan["build"]:
            self.run_ok(AppBuild, env_name=env, app=app, run=plan["run"])
        for app in plan["deploy"]:
            self.run_ok(
                AppDeploy, env_name=env, app=app, run=plan["run"], wait_timeout=BOUNDED_WAIT
            )

    def backend(self):
        return LocalBackend(self.work_dir, router_port=self.router_port)

    def kill(self, env, app):
        """SIGKILL the app's process; returns its pid once supervisord has it failed."""
        backend = self.backend()
        pid = backend.supervisor.info("%s.%s" % (env, app))["pid"]
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + DEATH_SEEN_WITHIN
        while backend.app_status(env, app).state != "failed":
            self.assertLess(time.monotonic(), deadline, "supervisord did not see it die")
            time.sleep(0.05)
        return pid

    def decision(self, kind, trigger, **remediation):
        ok, answer = self.run_action(
            RemediateDecide, config=self.config(remediation=remediation), kind=kind, trigger=trigger
        )
        self.assertTrue(ok, answer)
        return answer

    @staticmethod
    def local_event(builder, env, app, pid, **fields):
        program = "%s.%s" % (env, app)
        return builder(
            "local",
            program,
            program,
            "127.0.0.1",
            "%s:%s" % (program, pid),
            labels={triggers.ENV_LABEL: env, triggers.APP_LABEL: app},
            **fields,
        )
