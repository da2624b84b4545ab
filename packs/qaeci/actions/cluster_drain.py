from qaeci.action_support import run_step
from qaeci.scaling import Scaler
from st2common.runners.base_action import Action


class ClusterDrain(Action):
    def run(self, trigger=None):
        return run_step(
            self, lambda context: Scaler.from_context(context).scale_in(trigger or None)
        )
