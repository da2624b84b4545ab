from qaeci import app_info
from qaeci.action_support import run_step
from st2common.runners.base_action import Action


class EnvInfo(Action):
    def run(self, env_name, app, log_lines=app_info.DEFAULT_LOG_LINES):
        return run_step(self, lambda context: app_info.app_info(context, env_name, app, log_lines))
