from qaeci import status
from qaeci.action_support import run_step
from st2common.runners.base_action import Action


class EnvSelectFailed(Action):
    def run(self, env_name, requested_by=None):
        return run_step(
            self, lambda context: status.failed_apps(context, env_name, user=requested_by)
        )
