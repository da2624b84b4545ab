from qaeci import remediation_history
from qaeci.action_support import run_step
from st2common.runners.base_action import Action


class RemediationHistory(Action):
    def run(self, app="", env_name="", limit=remediation_history.DEFAULT_LIMIT):
        return run_step(
            self, lambda context: remediation_history.history(context, app, env_name, limit)
        )
