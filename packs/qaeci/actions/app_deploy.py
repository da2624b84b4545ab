from st2common.runners.base_action import Action

from qaeci.action_support import run_step


class AppDeploy(Action):
    def run(self, env_name, app, run, wait_timeout=3600):
        return run_step(self, lambda lifecycle: lifecycle.deploy(env_name, app, run, wait_timeout))
