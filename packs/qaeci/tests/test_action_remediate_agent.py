"""remediate_agent: after an agent left, each affected environment's apps are waited for, every
app is checked, and what still fails is said; an environment that is gone fails in one line."""

from env_plan import EnvPlan
from qaeci import automation
from qaeci_pack_testkit import QaeciActionTestCase
from remediate_agent import RemediateAgent


class RemediateAgentTestCase(QaeciActionTestCase):
    action_cls = RemediateAgent

    def decision(self, affected):
        guard = automation.Guard(self.action_service, automation.Settings())
        logged = guard.decide("dev/agent/10.0.0.9", "wait for the relaunch", kind="agent_lost")
        return {
            "key": logged.record["key"],
            "id": logged.id,
            "env": None,
            "app": None,
            "kind": "agent_lost",
            "acts": True,
            "plan": {
                "affected": affected,
                "cluster": "dev",
                "agent_id": "a-S9",
                "hostname": "10.0.0.9",
                "what": "agent 10.0.0.9 of dev left (tasks of qa1: hello)",
            },
        }

    def test_apps_not_back_in_time_are_reported_as_still_failing(self):
        self.run_ok(EnvPlan, env_name="qa1", template="lite", requested_by="alice")
        config = self.config(remediation={"relaunch_timeout": 0})
        ok, result = self.get_action_instance(config=config).run(
            decision=self.decision({"qa1": ["hello"]})
        )
        self.assertTrue(ok, result)
        self.assertFalse(result["fixed"])
        self.assertEqual(
            result["message"],
            "agent 10.0.0.9 of dev left (tasks of qa1: hello): qa1: hello not "
            "relaunched in time (missing); checks failing: docs (not running "
            "(missing)), hello (not running (missing))",
        )
        [logged] = automation.history(self.action_service)
        self.assertEqual((logged["result"], logged["announcement"]), ("failed", result["message"]))

    def test_an_environment_that_is_gone_fails_in_one_line(self):
        ok, result = self.get_action_instance(config=self.config()).run(
            decision=self.decision({"ghost": ["hello"]})
        )
        self.assertRefused(
            (ok, result), "environment ghost does not exist; fix: bring it up with env up ghost"
        )
