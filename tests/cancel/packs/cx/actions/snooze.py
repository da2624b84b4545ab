import os
import time

from st2common.runners.base_action import Action


class Snooze(Action):
    def run(self, seconds, pid_file):
        with open(pid_file, "w") as f:
            f.write(str(os.getpid()))
        time.sleep(seconds)
        return "woke up"
