from qaeci import deploy_step
from qaeci.action_support import run_step
from st2common.runners.base_action import Action


class AppDeploy(Action):
    def run(self, env_name, app, run, wait_timeout=3600):
        return run_step(
            self, lambda context: deploy_step.deploy(context, env_name, app, run, wait_timeout)
        )
