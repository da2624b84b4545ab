from qaeci import services_step
from qaeci.action_support import run_step
from st2common.runners.base_action import Action


class EnvServices(Action):
    def run(self, env_name, run):
        return run_step(self, lambda context: services_step.start_services(context, env_name, run))
