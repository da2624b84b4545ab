from qaeci import build_step
from qaeci.action_support import run_step
from st2common.runners.base_action import Action


class AppBuild(Action):
    def run(self, env_name, app, run):
        return run_step(self, lambda context: build_step.build(context, env_name, app, run))
