from cluster_drain import ClusterDrain
from cluster_scale_apply import ClusterScaleApply
from qaeci_scaling_doubles import ScalingActionTestCase


class ClusterDrainTestCase(ScalingActionTestCase):
    action_cls = ClusterDrain

    def test_an_empty_agent_of_ours_is_taken_out(self):
        config = self.config(cooldown=0)
        self.run_action(ClusterScaleApply, config=config, plan={"count": 1, "reason": "add"})
        ok, report = self.run_action(ClusterDrain, config=config)
        self.assertTrue(ok, report)
        self.assertEqual(len(report["removed"]), 1)
        self.assertEqual(self.openstack.live_ids(), [])
        self.assertIn("maintenance scheduled, machine down", report["message"])

    def test_nothing_of_ours_means_nothing_removed(self):
        agents = len(self.mesos.agents)
        report = self.run_ok(ClusterDrain)
        self.assertEqual(report["removed"], [])
        self.assertEqual(len(self.mesos.agents), agents)
        self.assertIn("at the minimum", report["message"])
