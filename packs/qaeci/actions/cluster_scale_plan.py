from qaeci.action_support import run_step
from qaeci.scaling import Scaler
from st2common.runners.base_action import Action


class ClusterScalePlan(Action):
    def run(self, trigger=None, count=None):
        return run_step(
            self,
            lambda context: Scaler.from_context(context).plan_out(trigger or None, count or None),
        )
