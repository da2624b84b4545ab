"""Small executors for engine tests: they record calls and answer like StackStorm's runners."""

import threading
import time


def local_result(stdout=""):
    return {"stdout": stdout, "stderr": "", "return_code": 0, "succeeded": True, "failed": False}


class RecordingExecutor(object):
    """Answers core.noop/core.echo like the local runner and `test.*` actions through `handlers`
    (name -> function(parameters) -> (status, result)); records every call and the peak number
    of calls running at the same time."""

    def __init__(self, handlers=None, pause=0.0):
        self.handlers = handlers or {}
        self.pause = pause
        self.calls = []
        self.running = 0
        self.peak = 0
        self.lock = threading.Lock()

    def __call__(self, task, item, action, parameters):
        with self.lock:
            self.calls.append((task, item, action, parameters))
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            if self.pause:
                time.sleep(self.pause)
            if action == "core.noop":
                return "succeeded", local_result()
            if action == "core.echo":
                return "succeeded", local_result(str(parameters.get("message", "")))
            handler = self.handlers.get(action)
            if handler is None:
                return "failed", {"error": 'Action "%s" is not found.' % action}
            return handler(parameters)
        finally:
            with self.lock:
                self.running -= 1

    def tasks(self):
        return [c[0] for c in self.calls]
