from st2common.runners.base_action import Action

from qaeci.action_support import failure_report, run_step


class EnvSelectFailed(Action):
    def run(self, env_name, requested_by=None):
        return run_step(self, lambda lifecycle: lifecycle.failed_apps(env_name, user=requested_by),
                        {"report": failure_report(env_name, None)})
