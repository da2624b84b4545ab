"""remediate_diagnose: a flapping app's report, with the last lines of its log and its links,
secrets masked; recorded as the decision's announcement. A failed deployment's report (rule
deployment_failed_notify) is never lost to a Marathon that does not answer: only shorter."""

import socket

from qaeci import automation, triggers
from qaeci_remediation_kit import RemediationSiteTestCase
from remediate_diagnose import RemediateDiagnose

LINKS = {
    "logs": "https://kibana.example/app/logs?q=env:{env}+app:{app}",
    "sandbox": "https://mesos.example/#/agents/{agent_id}/browse",
}


class RemediateDiagnoseTestCase(RemediationSiteTestCase):
    action_cls = RemediateDiagnose

    def test_a_flapping_apps_report_has_its_log_tail_and_links(self):
        self.env_up()
        for attempt in range(2):
            killed = self.kill("qa1", "docs")
            decision = self.decision(
                "exit",
                self.local_event(triggers.container_exit, "qa1", "docs", killed, exit_code=137),
                flapping_failures=2,
                log_lines=3,
            )
            if attempt == 0:
                self.backend().supervisor.start("qa1.docs")  # as a person would
        self.assertTrue(decision["report"], decision)
        config = self.config(links=LINKS, remediation={"log_lines": 3})
        ok, result = self.get_action_instance(config=config).run(decision=decision)
        self.assertTrue(ok, result)
        lines = result["message"].splitlines()
        self.assertEqual(
            lines[0],
            "qa1/docs is flapping: 2 failures within 600 s "
            "(remediation.flapping_failures/_window); left alone",
        )
        self.assertEqual(lines[1], "logs: https://kibana.example/app/logs?q=env:qa1+app:docs")
        self.assertEqual(lines[2:4], ["app log, last lines:", "```"])
        self.assertEqual(len(result["log_tail"].splitlines()), 3)
        self.assertIn('"GET / HTTP/1.1" 200', result["log_tail"])  # its checks, logged
        [logged] = [
            entry
            for entry in automation.history(self.action_service, app="docs")
            if entry.get("announcement")
        ]
        self.assertEqual(logged["announcement"], result["message"])

    def test_a_failed_deployment_is_reported_when_marathon_does_not_answer(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            closed = "http://127.0.0.1:%d" % probe.getsockname()[1]
        decision = self.decision(
            "deployment_failed", triggers.deployment("dev", "/qaeci/e1/web", "d1", "failed")
        )
        self.assertTrue(decision["report"], decision)
        config = self.config(links=LINKS, clusters={"dev": {"marathon_url": closed}})
        ok, result = self.get_action_instance(config=config).run(decision=decision)
        self.assertTrue(ok, result)
        lines = result["message"].splitlines()
        self.assertEqual(
            lines[0], "Deployment of web in e1 failed (cluster dev): Marathon gave no reason"
        )
        self.assertIn("(no details: Marathon dev (%s) is unreachable" % closed, lines[1])
        self.assertEqual(lines[2], "deployment: d1")
        self.assertEqual(sorted(result["links"]), ["logs"])  # the sandbox needs the task
        self.assertEqual(lines[-1], "no log to show")

    def test_a_decision_without_its_app_fails_in_one_line(self):
        ok, result = self.get_action_instance(config=self.config()).run(decision={})
        self.assertFalse(ok)
        self.assertTrue(result["error"].startswith("internal error (KeyError)"), result)
