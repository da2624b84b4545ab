"""qaeci.deployment_failed_notice (the deployment_failed_notify rule's action) against the
repository's Marathon double: the message with the reason, the last task failure and the
config's links, a shorter one when Marathon does not answer, and no channel as the one-line
failure. Outside the repository there is no double and these tests are skipped."""
import os
import socket
import sys
import tempfile

from st2tests.base import BaseActionTestCase

from deployment_failed_notice import DeploymentFailedNotice
from qaeci.backends.marathon_client import MarathonClient

import qaeci_sensor_doubles  # noqa: F401  (skips these tests without the repository's doubles)
from tests.doubles.marathon import MarathonDouble

CREDENTIALS = "qaeci:secret"
LINKS = {"sandbox": "http://mesos.example:5050/#/agents/{agent_id}/frameworks/{framework_id}"
                    "/executors/{task_id}/browse",
         "logs": "https://kibana.example/app/discover?q=env:{env}+app:{app}"}


class DeploymentFailedNoticeTestCase(BaseActionTestCase):
    action_cls = DeploymentFailedNotice

    def setUp(self):
        super(DeploymentFailedNoticeTestCase, self).setUp()
        self.marathon = MarathonDouble(credentials=CREDENTIALS, start_delay=0.01).start()
        self.addCleanup(self.marathon.stop)

    def config(self, url=None, **values):
        config = {"registry_path": tempfile.gettempdir(), "notify": {"channel": "#qa"},
                  "links": LINKS,
                  "clusters": {"dev": {"marathon_url": url or self.marathon.url,
                                       "marathon_auth": CREDENTIALS}}}
        config.update(values)
        return config

    def notice(self, config, **given):
        given.setdefault("reason", "The upgrade has been cancelled")
        return self.get_action_instance(config=config).run(
            cluster="dev", env_name="e1", app="web", app_id="/qaeci/e1/web",
            deployment_id="d1", **given)

    def test_the_message_names_the_failure_and_links_its_sandbox(self):
        self.marathon.fail_tasks("/qaeci/e1/web", "Container exited with status 2")
        MarathonClient("dev", self.marathon.url, CREDENTIALS).put_app(
            "/qaeci/e1/web", {"id": "/qaeci/e1/web", "cmd": "serve"})
        self.marathon.wait_for(lambda: self.marathon.events("status_update_event")[-1:] and
                               self.marathon.events("status_update_event")[-1]["taskStatus"]
                               == "TASK_FAILED")
        ok, result = self.notice(self.config())
        self.assertTrue(ok, result)
        lines = result["message"].splitlines()
        self.assertEqual(lines[0], "Deployment of web in e1 failed (cluster dev): The upgrade "
                                   "has been cancelled")
        self.assertRegex(lines[1], r"^last task failure: TASK_FAILED on 127\.0\.0\.\d: "
                                   r"Container exited with status 2$")
        self.assertEqual(lines[2], "deployment: d1")
        self.assertEqual(sorted(result["links"]), ["logs", "sandbox"])
        self.assertIn("/executors/qaeci_e1_web.instance-", result["links"]["sandbox"])
        self.assertEqual(result["channel"], "#qa")

    def test_an_unreachable_marathon_makes_it_shorter_not_absent(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            closed = "http://127.0.0.1:%d" % probe.getsockname()[1]
        ok, result = self.notice(self.config(url=closed), reason="")
        self.assertTrue(ok, result)
        lines = result["message"].splitlines()
        self.assertEqual(lines[0], "Deployment of web in e1 failed (cluster dev): Marathon gave "
                                   "no reason")
        self.assertIn("(no details: Marathon dev (%s) is unreachable" % closed, lines[1])
        self.assertEqual(sorted(result["links"]), ["logs"])     # the sandbox needs the task

    def test_without_a_channel_it_fails_in_one_line(self):
        ok, result = self.notice(self.config(notify={}))
        self.assertFalse(ok)
        self.assertEqual(result, {"error": "notify.channel is not set; fix: set notify.channel in "
                                           "the pack config to the chat channel where deployment "
                                           "failures are posted"})
