"""remediate_memory: the OOM-killed app alone is redeployed with the memory decided, and checked;
the line to post says before and after. An app never deployed here is reported, not crashed on."""

from env_plan import EnvPlan
from qaeci import automation, triggers
from qaeci.remediation_records import raised_memory
from qaeci_remediation_kit import RemediationSiteTestCase
from remediate_memory import RemediateMemory


class RemediateMemoryTestCase(RemediationSiteTestCase):
    action_cls = RemediateMemory

    def test_the_app_alone_is_redeployed_with_more_memory_and_checked(self):
        self.env_up()
        docs_pid = self.backend().supervisor.info("qa1.docs")["pid"]
        killed = self.kill("qa1", "hello")
        decision = self.decision(
            "oom", self.local_event(triggers.container_oom, "qa1", "hello", killed)
        )
        ok, result = self.get_action_instance(config=self.config()).run(decision=decision)
        self.assertTrue(ok, result)
        self.assertEqual(
            (result["fixed"], result["before"], result["after"]["mem"], result["after"]["status"]),
            (True, {"mem": 256}, 384, "healthy"),
        )
        self.assertEqual(
            result["message"],
            "qa1/hello was killed for running out of memory: "
            "memory 256 -> 384 MB, redeployed: healthy, its "
            "checks pass",
        )
        self.assertEqual(self.through_router("hello", "qa1")[0], 200)
        self.assertEqual(self.backend().supervisor.info("qa1.docs")["pid"], docs_pid)
        self.assertEqual(raised_memory(self.action_service, "qa1", "hello"), 384)
        [logged] = automation.history(self.action_service, app="hello")
        self.assertEqual(
            (logged["result"], logged["announcement"]), ("succeeded", result["message"])
        )

    def test_an_app_never_deployed_here_is_reported_as_not_fixed(self):
        self.run_ok(EnvPlan, env_name="qa1", template="lite", requested_by="alice")
        decision = self.decision("oom", self.local_event(triggers.container_oom, "qa1", "docs", 1))
        ok, result = self.get_action_instance(config=self.config()).run(decision=decision)
        self.assertTrue(ok, result)
        self.assertFalse(result["fixed"])
        self.assertTrue(
            result["message"].endswith(
                "redeployed: still failing: qa1/docs has no "
                "release to redeploy; fix: env up qa1 "
                "apps=docs"
            )
        )
