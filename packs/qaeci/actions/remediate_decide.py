from qaeci import remediation
from qaeci.action_support import run_step
from st2common.runners.base_action import Action


class RemediateDecide(Action):
    def run(self, kind, trigger):
        return run_step(self, lambda context: remediation.decide(context, kind, trigger))
