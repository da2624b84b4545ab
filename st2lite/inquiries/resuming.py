"""Where a paused workflow goes on once an inquiry of it is answered or times out.

A command that answers and ends (`st2lite inquiry respond`) starts a detached st2lite process
for it, as `run --async` does: the answer is given at once, as `st2 inquiry respond` gives it,
and the workflow goes on however long it takes. A long-running process (`serve`, the API) goes
on with it on a thread of its own. Either way the workflow is claimed first, so that only one
process resumes it."""

import subprocess
import sys


def in_own_process(runtime):
    def resume(execution_id):
        argv = [sys.executable, "-m", "st2lite.cli.main", "--state", runtime.state_dir]
        for path in runtime.pack_paths:
            argv += ["--packs", path]
        subprocess.Popen(
            argv + ["_resume", execution_id],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    return resume


def in_background(runtime):
    def resume(execution_id):
        runtime.start_background(runtime.resume, execution_id)

    return resume
