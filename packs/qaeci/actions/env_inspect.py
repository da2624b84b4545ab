from qaeci import status
from qaeci.action_support import run_step
from st2common.runners.base_action import Action


class EnvInspect(Action):
    def run(self, env_name):
        return run_step(self, lambda context: status.status(context, env_name))
