import time

from st2common.runners.base_action import Action


class Crash(Action):
    def run(self, mode):
        if mode == "tuple":
            return (False, {"why": "refused"})
        if mode == "sleep":
            time.sleep(30)
        raise ValueError("boom from the action")
