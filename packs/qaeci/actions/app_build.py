from st2common.runners.base_action import Action

from qaeci.action_support import run_step


class AppBuild(Action):
    def run(self, env_name, app, run):
        return run_step(self, lambda lifecycle: lifecycle.build(env_name, app, run))
