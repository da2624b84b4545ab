import os

from st2common.runners.base_action import Action


class DebugFlag(Action):
    def run(self):
        return os.environ["ST2_ACTION_DEBUG"]
