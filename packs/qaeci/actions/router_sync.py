from qaeci.action_support import run_step
from qaeci.cluster_router import sync_routes
from st2common.runners.base_action import Action


class RouterSync(Action):
    def run(self, cluster, env_name):
        return run_step(self, lambda context: sync_routes(context.config, cluster, env_name))
