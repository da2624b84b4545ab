"""`st2lite execution tail ID`: an execution's task lines and the output of it and of its
descendants as they come, read from the state directory (whichever st2lite process runs it),
until it ends."""

import sys
import time

from st2lite.cli import live
from st2lite.store.execution_search import children_ids
from st2lite.store.executions import FINAL_STATES

POLL_SECONDS = 0.2


def follow(runtime, execution_id, timeout):
    """Prints until the execution ends or timeout seconds pass; returns it as last read."""
    deadline = time.time() + timeout
    execution_id = runtime.executions.get(execution_id, with_children=False)["id"]  # a prefix
    seen_tasks = set()
    output = _TreeOutput(runtime, execution_id)
    while True:
        execution = runtime.executions.get(execution_id)
        live.print_new_task_lines(execution, seen_tasks)
        output.print_new()  # read after the status: all output of an ended execution is stored
        if execution["status"] in FINAL_STATES or time.time() > deadline:
            output.end_line()
            return execution
        time.sleep(POLL_SECONDS)


class _TreeOutput(object):
    """Output chunks of an execution and its descendants, each printed once, in order."""

    def __init__(self, runtime, execution_id):
        self.runtime = runtime
        self.root = execution_id
        self.position = 0
        self.last = "\n"

    def print_new(self):
        # Chunks up to the newest stored before the tree is read: each one's execution is in
        # the tree by then, if it belongs there.
        newest = self.runtime.output.latest_id()
        for chunk in self.runtime.output.of_executions(self._tree(), self.position, newest):
            self._write(chunk["data"])
        self.position = newest
        sys.stdout.flush()

    def end_line(self):
        """A last line printed without its newline gets one before what follows."""
        if not self.last.endswith("\n"):
            self._write("\n")
            sys.stdout.flush()

    def _write(self, data):
        sys.stdout.write(data)
        self.last = data

    def _tree(self):
        found, level = {self.root}, [self.root]
        while level:
            level = [c for ids in children_ids(self.runtime.db, level).values() for c in ids]
            found.update(level)
        return found
