"""An action's output recorded line by line while it runs (StackStorm's
`actionrunner.stream_output`): a runner hands `OutputRecorder.line` to base.run_process as its
on_output and closes the recorder before it returns.

Lines are written in batches: a line waits up to FLUSH_SECONDS for others (of its execution or
of any other running in this process), then one background thread writes them all in one
transaction; `close` writes what is left at once, so all of an execution's output is stored
before its end is recorded.

Unlike StackStorm, the output kept is bounded: MAX_CHARS_PER_EXECUTION characters per execution,
then one truncation line (the result still holds the whole stdout and stderr). Secret parameter
values are masked in each line, as they are in the result.
"""

import logging
import os
import threading
import time

from st2lite import params as parameters_mod
from st2lite.store.ids import utc_now_iso

FLUSH_SECONDS = 0.05
MAX_PENDING_LINES = 500  # a recorder this far ahead of the background writer writes itself
MAX_CHARS_PER_EXECUTION = 1024 * 1024
TRUNCATED = (
    "[st2lite: output truncated after %d characters; the execution's result holds all of "
    "stdout and stderr]\n"
)
LOG = logging.getLogger(__name__)


def recorder_for(request):
    """The recorder of the output of the execution this runner request runs."""
    action = request.action
    return OutputRecorder(
        request.runtime.output,
        request.execution_id,
        action["ref"],
        action["runner_type"],
        secrets=_secret_values(action, request.parameters),
    )


def _secret_values(action, parameters):
    schema = parameters_mod.action_schema(action)
    return [
        str(parameters[name])
        for name in parameters_mod.secret_names(schema)
        if parameters.get(name) not in (None, "")
    ]


class OutputRecorder(object):
    def __init__(self, store, execution_id, action_ref, runner_ref, secrets=()):
        self.store = store
        self.origin = {
            "execution_id": execution_id,
            "action_ref": action_ref,
            "runner_ref": runner_ref,
        }
        self.secrets = [secret for secret in secrets if secret]
        self.pending = []
        self.chars = 0
        self.truncated = False
        self._lock = threading.Lock()

    def line(self, output_type, data):
        """One line of stdout or stderr (run_process's on_output)."""
        for secret in self.secrets:
            data = data.replace(secret, parameters_mod.MASK)
        with self._lock:
            if self.truncated:
                return
            if self.chars + len(data) > MAX_CHARS_PER_EXECUTION:
                self.truncated = True
                data = TRUNCATED % MAX_CHARS_PER_EXECUTION
            self.chars += len(data)
            self.pending.append(
                dict(self.origin, timestamp=utc_now_iso(), output_type=output_type, data=data)
            )
            backlog = len(self.pending)
        if backlog >= MAX_PENDING_LINES:
            _WRITER.write([self])
        elif backlog == 1:
            _WRITER.schedule(self)

    def take(self):
        with self._lock:
            taken, self.pending = self.pending, []
        return taken

    def close(self):
        """Writes what is not stored yet; returns once it is."""
        _WRITER.write([self])


class _BatchWriter(object):
    """The one thread of this process that writes the recorders' lines every FLUSH_SECONDS."""

    def __init__(self):
        self.reset()

    def reset(self):
        # taking lines and writing them under one lock keeps each execution's lines in order
        self._write_lock = threading.Lock()
        self._wake = threading.Condition()
        self._scheduled = []
        self._thread = None

    def schedule(self, recorder):
        with self._wake:
            self._scheduled.append(recorder)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True, name="output-writer")
                self._thread.start()
            self._wake.notify()

    def _run(self):
        while True:
            with self._wake:
                while not self._scheduled:
                    self._wake.wait()
            time.sleep(FLUSH_SECONDS)  # the batch: lines printed meanwhile join this write
            with self._wake:
                recorders, self._scheduled = self._scheduled, []
            self.write(recorders)

    def write(self, recorders):
        with self._write_lock:
            by_store = {}
            for recorder in recorders:
                by_store.setdefault(recorder.store, []).extend(recorder.take())
            for store, chunks in by_store.items():
                try:
                    store.add(chunks)
                except Exception as e:  # output is a view: the result still holds it all
                    LOG.warning("cannot store %d lines of execution output: %s", len(chunks), e)


_WRITER = _BatchWriter()
os.register_at_fork(after_in_child=_WRITER.reset)
