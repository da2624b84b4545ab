from qaeci import teardown
from qaeci.action_support import run_step
from st2common.runners.base_action import Action


class EnvDestroy(Action):
    def run(self, env_name, apps=None, requested_by=None):
        return run_step(
            self, lambda context: teardown.down(context, env_name, apps=apps, user=requested_by)
        )
