from st2common.runners.base_action import Action

from qaeci.action_support import failure_report, run_step


class EnvReport(Action):
    def run(self, env_name, run=None):
        return run_step(self, lambda lifecycle: lifecycle.report(env_name, run),
                        {"healthy": False, "output": failure_report(env_name, None)})
