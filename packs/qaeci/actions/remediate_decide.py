from st2common.runners.base_action import Action

from qaeci import remediation
from qaeci.action_support import run_step


class RemediateDecide(Action):
    def run(self, kind, trigger):
        return run_step(self, lambda context: remediation.decide(context, kind, trigger))
