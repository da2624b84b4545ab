from st2common.runners.base_action import Action

from qaeci.action_support import failure_report, run_step


class EnvInspect(Action):
    def run(self, env_name):
        return run_step(self, lambda lifecycle: lifecycle.status(env_name),
                        {"report": failure_report(env_name, None)})
