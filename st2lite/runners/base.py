"""What every runner shares: the call signature, outcome and process handling."""

import codecs
import os
import selectors
import signal
import subprocess
import time

from st2lite.runners.process_tracking import track

READ_CHUNK = 65536
KILL_GRACE_SECONDS = 5  # after a timeout's kill: how long what is left in the pipes is read
MAX_LINE_CHARS = 65536  # a longer line is handed on in pieces of this size


class RunnerOutcome(object):
    """status: succeeded | failed | timeout | canceled; result: the runner's result shape."""

    def __init__(self, status, result):
        self.status = status
        self.result = result


class ActionRequest(object):
    """Everything a runner needs to run one action once."""

    def __init__(self, runtime, action, parameters, execution_id, context):
        self.runtime = runtime
        self.action = action
        self.parameters = parameters
        self.execution_id = execution_id
        self.context = context


def run_process(argv, timeout, cwd=None, env=None, stdin_text=None, on_output=None):
    """(return_code, stdout, stderr, timed_out); the whole process group is killed on timeout.

    Output is read as it comes: on_output(output_type, line), if given, gets each line of
    "stdout" and "stderr" (with its newline; a last line without one at the end)."""
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    track(proc)  # a cancel of the execution kills its group
    reader = _ProcessPipes(proc, (stdin_text or "").encode(), on_output)
    timed_out = not reader.read_until(time.monotonic() + timeout)
    if timed_out:
        _kill_group(proc)
        reader.read_until(time.monotonic() + KILL_GRACE_SECONDS)
    reader.close()
    proc.wait()
    if timed_out:
        return -9, reader.text("stdout"), reader.text("stderr"), True
    return proc.returncode, reader.text("stdout"), reader.text("stderr"), False


class _ProcessPipes(object):
    """Feeds the child's stdin and reads its stdout and stderr without blocking on either."""

    def __init__(self, proc, stdin_data, on_output):
        self.proc = proc
        self.selector = selectors.DefaultSelector()
        self.lines = {}
        self.received = {}
        for output_type, pipe in (("stdout", proc.stdout), ("stderr", proc.stderr)):
            self.selector.register(pipe, selectors.EVENT_READ, output_type)
            self.lines[output_type] = LineSplitter(output_type, on_output)
            self.received[output_type] = bytearray()
        self.stdin_data = memoryview(stdin_data)
        if stdin_data:
            os.set_blocking(proc.stdin.fileno(), False)
            self.selector.register(proc.stdin, selectors.EVENT_WRITE, None)
        else:
            proc.stdin.close()

    def read_until(self, deadline):
        """True once stdout and stderr reached their end, then the process ended before the
        deadline; False at the deadline."""
        while self.selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            for key, _events in self.selector.select(remaining):
                if key.data is None:
                    self._write_stdin(key.fileobj)
                else:
                    self._read(key.fileobj, key.data)
        try:
            self.proc.wait(max(0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return False
        return True

    def _write_stdin(self, pipe):
        try:
            written = os.write(pipe.fileno(), self.stdin_data[:READ_CHUNK])
        except BrokenPipeError:
            written = len(self.stdin_data)  # the child does not read it: as communicate() does
        self.stdin_data = self.stdin_data[written:]
        if not self.stdin_data:
            self.selector.unregister(pipe)
            pipe.close()

    def _read(self, pipe, output_type):
        data = os.read(pipe.fileno(), READ_CHUNK)
        if data:
            self.received[output_type] += data
            self.lines[output_type].feed(data)
        else:
            self.selector.unregister(pipe)
            self.lines[output_type].end()

    def text(self, output_type):
        return bytes(self.received[output_type]).decode("utf-8", "replace")

    def close(self):
        for key in list(self.selector.get_map().values()):
            self.selector.unregister(key.fileobj)
            if key.data is not None:
                self.lines[key.data].end()
        self.selector.close()
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            pipe.close()


class LineSplitter(object):
    """Bytes of one stream in, on_output(output_type, line) out for each line as it completes
    (text split as utf-8 with replacement, a character cut between reads kept whole)."""

    def __init__(self, output_type, on_output):
        self.output_type = output_type
        self.on_output = on_output
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.partial = ""

    def feed(self, data):
        if self.on_output is None:
            return
        text = self.partial + self.decoder.decode(data)
        lines = text.split("\n")
        self.partial = lines.pop()
        for line in lines:
            self.on_output(self.output_type, line + "\n")
        while len(self.partial) >= MAX_LINE_CHARS:
            piece, self.partial = self.partial[:MAX_LINE_CHARS], self.partial[MAX_LINE_CHARS:]
            self.on_output(self.output_type, piece)

    def end(self):
        if self.on_output is None:
            return
        rest = self.partial + self.decoder.decode(b"", final=True)
        self.partial = ""
        if rest:
            self.on_output(self.output_type, rest)


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


def strip_shell_chars(text):
    """StackStorm drops the trailing newline that shell output ends with."""
    return text[:-1] if text.endswith("\n") else text
