from st2common.runners.base_action import Action

from qaeci.action_support import run_step


class EnvServices(Action):
    def run(self, env_name, run):
        return run_step(self, lambda lifecycle: lifecycle.services(env_name, run))
