from qaeci.action_support import run_step
from qaeci.scaling import Scaler
from st2common.runners.base_action import Action


class ClusterCapacity(Action):
    def run(self):
        return run_step(self, lambda context: Scaler.from_context(context).capacity())
