import os
import sys
import time

from st2common.runners.base_action import Action

MAX_HOLD_SECONDS = 100  # a bound, should the test that holds it never release it


class Chatty(Action):
    def run(self, release=None, token=None):
        print("first line")
        self.logger.info("logged with %s", token)
        sys.stderr.write("to stderr\n")
        deadline = time.time() + MAX_HOLD_SECONDS
        while release and not os.path.exists(release) and time.time() < deadline:
            time.sleep(0.05)
        print("second line")
        return "done"
