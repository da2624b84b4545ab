from st2common.runners.base_action import Action

from qaeci import status
from qaeci.action_support import run_step


class EnvList(Action):
    def run(self):
        return run_step(self, status.list_environments)
