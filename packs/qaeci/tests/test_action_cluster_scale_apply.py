from cluster_scale_apply import ClusterScaleApply
from qaeci_scaling_doubles import ScalingActionTestCase


class ClusterScaleApplyTestCase(ScalingActionTestCase):
    action_cls = ClusterScaleApply

    def test_an_approved_plan_adds_agents_that_register(self):
        report = self.run_ok(ClusterScaleApply, plan={"count": 2, "reason": "add 2 agents"})
        self.assertEqual(len(report["added"]), 2)
        hosts = {agent["hostname"] for agent in self.mesos.agents}
        self.assertTrue({node["hostname"] for node in report["added"]} <= hosts)
        self.assertIn("dev: added 2 of 2 agents", report["message"])

    def test_a_denied_plan_changes_nothing_and_says_so(self):
        report = self.run_ok(
            ClusterScaleApply,
            plan={"count": 3, "reason": "add 3 agents; x"},
            approved=False,
            responder="alice",
        )
        self.assertEqual(report["added"], [])
        self.assertEqual(self.openstack.created, 0)
        self.assertEqual(report["message"], "dev: not done: add 3 agents; denied in chat by alice")

    def test_openstack_refusing_the_credentials_is_one_line(self):
        config = self.config()
        config["scaling"]["openstack"]["password"] = "wrong"
        report = self.run_action(
            ClusterScaleApply, config=config, plan={"count": 1, "reason": "add 1 agent"}
        )[1]
        self.assertIn("Keystone refused the credentials (HTTP 401", report["message"])
        self.assertEqual(self.openstack.live_ids(), [])
