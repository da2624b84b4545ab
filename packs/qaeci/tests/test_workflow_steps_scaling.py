"""The scaling workflows' python steps, run against the cluster doubles as they succeed and as
they fail: each result has every key cluster_scale_out and cluster_scale_in read from it (the
same check test_workflows makes for the environment steps, which need no doubles)."""

from cluster_drain import ClusterDrain
from cluster_scale_apply import ClusterScaleApply
from cluster_scale_plan import ClusterScalePlan
from qaeci_scaling_doubles import ScalingActionTestCase
from test_workflows import SCENARIOS_ELSEWHERE, keys_read_from_results

PLAN = {"count": 1, "reason": "add 1 agent"}


class ScalingStepResultsTestCase(ScalingActionTestCase):
    action_cls = ClusterScalePlan

    def scenarios(self):
        broken = self.config(max_nodes="many")  # every step refuses a bad setting
        return {
            "qaeci.cluster_scale_plan": (ClusterScalePlan, {"count": 1}, broken),
            "qaeci.cluster_scale_apply": (ClusterScaleApply, {"plan": PLAN}, broken),
            "qaeci.cluster_drain": (ClusterDrain, {}, broken),
        }

    def test_each_scaling_step_returns_what_its_workflows_read(self):
        reads = keys_read_from_results()
        scenarios = self.scenarios()
        self.assertEqual(sorted(scenarios), sorted(SCENARIOS_ELSEWHERE))
        for ref, (action_cls, parameters, broken) in sorted(scenarios.items()):
            succeeded, failed = reads[ref]
            ok, result = self.run_action(action_cls, **parameters)
            self.assertTrue(ok, result)
            self.assertEqual(sorted(succeeded - set(result)), [], ref)
            ok, result = self.run_action(action_cls, config=broken, **parameters)
            self.assertFalse(ok, result)
            self.assertEqual(sorted((failed | {"error"}) - set(result)), [], ref)
