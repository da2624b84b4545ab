from cluster_scale_plan import ClusterScalePlan
from qaeci_scaling_doubles import ScalingActionTestCase


class ClusterScalePlanTestCase(ScalingActionTestCase):
    action_cls = ClusterScalePlan

    def test_a_trigger_is_sized_from_the_launch_queue(self):
        self.queue(12, cpus=1.0)  # 12 cpus + the default 20% headroom: four 4-cpu agents
        plan = self.run_ok(ClusterScalePlan, trigger={"cluster": "dev", "level": "high"})
        self.assertEqual(
            (plan["count"], plan["needs_approval"], plan["refused"]), (4, False, False)
        )

    def test_above_the_threshold_it_needs_approval(self):
        self.queue(12, cpus=1.0)
        plan = self.run_action(
            ClusterScalePlan, config=self.config(approval_above=2), trigger={"cluster": "dev"}
        )[1]
        self.assertTrue(plan["needs_approval"])
        self.assertIn("needs approval in chat", plan["message"])

    def test_a_count_from_chat_is_capped_by_max_per_step(self):
        plan = self.run_action(ClusterScalePlan, config=self.config(max_per_step=2), count=4)[1]
        self.assertEqual(plan["count"], 2)
        self.assertIn("capped by scaling.max_per_step 2", plan["reason"])

    def test_a_bad_setting_is_one_line_naming_the_key(self):
        outcome = self.run_action(ClusterScalePlan, config=self.config(max_nodes=-1), count=1)
        self.assertRefused(outcome, "scaling.max_nodes is -1; fix: set it to a whole number >= 0")
