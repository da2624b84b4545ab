"""A pause asked again right after the workflow's driver showed it running reaches the driver,
even when the watch never polled while it was running."""

import threading

from st2lite.control_watch import ControlWatch
from st2lite.store.db import Database
from st2lite.store.executions import ExecutionStore

WAIT_SECONDS = 30


def test_a_second_pause_reaches_the_driver_after_it_shows_running_again(tmp_path):
    db = Database(str(tmp_path))
    executions = ExecutionStore(db)
    execution_id = executions.create("cx.steps", "orquesta", {}, {}, status="running")
    watch = ControlWatch(db)
    heard = []
    asked = threading.Event()

    def driver_hears(status):
        heard.append(status)
        asked.set()

    with watch.watching(execution_id), watch.listening(execution_id, driver_hears):
        executions.update(execution_id, status="pausing")
        assert asked.wait(WAIT_SECONDS)
        asked.clear()
        # the driver shows running (news resumed it) and a new pause comes at once: no poll
        # sees `running` in between
        with db.transaction():
            executions.update(execution_id, status="running")
            watch.rearm(execution_id)
            executions.update(execution_id, status="pausing")
        assert asked.wait(WAIT_SECONDS)
    assert heard == ["pausing", "pausing"]
