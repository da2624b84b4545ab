from st2common.runners.base_action import Action

from qaeci.action_support import run_step
from qaeci.deployment_notice import notice


class DeploymentFailedNotice(Action):
    def run(self, cluster, env_name, app, app_id=None, deployment_id=None, reason=None):
        return run_step(self, lambda context: notice(context.config, self.config, cluster,
                                                     env_name, app, app_id, deployment_id,
                                                     reason))
