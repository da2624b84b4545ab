from qaeci import remediation_fixes
from qaeci.action_support import run_step
from st2common.runners.base_action import Action


class RemediateAgent(Action):
    def run(self, decision):
        return run_step(self, lambda context: remediation_fixes.recover_agent(context, decision))
