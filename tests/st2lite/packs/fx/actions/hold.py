import os
import time

from st2common.runners.base_action import Action

MAX_HOLD_SECONDS = 100  # a bound, should the test that holds it never release it


class Hold(Action):
    def run(self, env_name, started, release=None):
        open(started, "w").close()
        deadline = time.time() + MAX_HOLD_SECONDS
        while release and not os.path.exists(release) and time.time() < deadline:
            time.sleep(0.05)
        return "released %s" % env_name
