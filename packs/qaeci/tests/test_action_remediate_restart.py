"""remediate_restart: an app that died on the local back end is started once from its current
release and checked; its dependency is left running."""

from qaeci import triggers
from qaeci_remediation_kit import RemediationSiteTestCase
from remediate_restart import RemediateRestart


class RemediateRestartTestCase(RemediationSiteTestCase):
    action_cls = RemediateRestart

    def test_a_dead_app_is_started_once_and_checked(self):
        self.env_up()
        killed = self.kill("qa1", "hello")
        decision = self.decision(
            "exit", self.local_event(triggers.container_exit, "qa1", "hello", killed, exit_code=137)
        )
        self.assertTrue(decision["acts"], decision)
        ok, result = self.get_action_instance(config=self.config()).run(decision=decision)
        self.assertTrue(ok, result)
        self.assertEqual(
            (result["fixed"], result["message"]),
            (True, "qa1/hello stopped (exit code 137): restarted once: healthy, its checks pass"),
        )
        info = self.backend().supervisor.info("qa1.hello")
        self.assertNotEqual(info["pid"], killed)
        self.assertEqual(self.through_router("hello", "qa1")[0], 200)
