from qaeci.action_support import run_step
from st2common.runners.base_action import Action


class RegistryValidate(Action):
    def run(self):
        return run_step(self, lambda context: context.registry.validate_all())
