from cluster_capacity import ClusterCapacity
from cluster_scale_apply import ClusterScaleApply
from qaeci_scaling_doubles import ScalingActionTestCase


class ClusterCapacityTestCase(ScalingActionTestCase):
    action_cls = ClusterCapacity

    def test_allocation_per_resource_and_agents_by_source(self):
        self.mesos.set_allocation(cpus=0.5, mem=0.25)
        before = len(self.mesos.agents)
        self.run_ok(ClusterScaleApply, plan={"count": 1, "reason": "add 1 agent"})
        capacity = self.run_ok(ClusterCapacity)
        self.assertEqual(capacity["cluster"], "dev")
        self.assertAlmostEqual(capacity["resources"]["cpus"]["ratio"], 0.5)
        self.assertAlmostEqual(capacity["resources"]["mem"]["ratio"], 0.25)
        self.assertEqual(capacity["agents"], {"cluster": before, "pool": 0, "openstack": 1})

    def test_an_unknown_cluster_is_one_line_naming_the_fix(self):
        outcome = self.run_action(ClusterCapacity, config=self.config(cluster="prod"))
        self.assertRefused(
            outcome,
            "scaling.cluster is 'prod', not one of the clusters (dev); "
            "fix: set it to the deploy type to scale",
        )
