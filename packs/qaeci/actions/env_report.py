from qaeci import status
from qaeci.action_support import run_step
from st2common.runners.base_action import Action


class EnvReport(Action):
    def run(self, env_name, run=None):
        return run_step(self, lambda context: status.run_report(context, env_name, run))
