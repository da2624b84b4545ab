from qaeci import status
from qaeci.action_support import run_step
from st2common.runners.base_action import Action


class EnvList(Action):
    def run(self):
        return run_step(self, status.list_environments)
