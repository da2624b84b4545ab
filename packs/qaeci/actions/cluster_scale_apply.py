from qaeci.action_support import run_step
from qaeci.scaling import Scaler
from st2common.runners.base_action import Action


class ClusterScaleApply(Action):
    def run(self, plan, trigger=None, approved=True, responder=None):
        def step(context):
            scaler = Scaler.from_context(context)
            if not approved:
                return scaler.deny(plan, responder)
            return scaler.scale_out(int(plan["count"]), trigger or None)

        return run_step(self, step)
