from qaeci import deploy_dispatch
from qaeci.action_support import run_step
from st2common.runners.base_action import Action


class EnvNextDeploys(Action):
    def run(self, env_name, run, apps, wait_timeout=3600):
        return run_step(
            self,
            lambda context: deploy_dispatch.next_deploys(
                context, env_name, run, apps, wait_timeout
            ),
        )
