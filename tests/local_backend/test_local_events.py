"""The local back end's process state changes become the pack's back-end-neutral triggers: a real
supervisord runs the event listener, which spools every change; the local events sensor reads the
spool and dispatches qaeci.task_status and qaeci.container_exit / container_oom with env and app."""

import json
import os
import subprocess
import sys

import jsonschema
import pytest
from local_backend_helpers import wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PAYLOADS = os.path.join(os.path.dirname(REPO), "shared", "payloads", "supervisor")
for path in (os.path.join(REPO, "packs", "qaeci", "sensors"),):
    if path not in sys.path:
        sys.path.insert(0, path)
if os.path.join(REPO, "st2lite", "compat") not in sys.path:
    sys.path.append(os.path.join(REPO, "st2lite", "compat"))

from local_events_sensor import LocalEventsSensor  # noqa: E402
from qaeci import triggers  # noqa: E402
from qaeci.backends import local_events  # noqa: E402
from qaeci.backends.local_event_spool import events_dir  # noqa: E402
from qaeci.backends.local_locks import file_lock  # noqa: E402
from qaeci.backends.local_supervisor import ProgramSpec  # noqa: E402
from st2tests.mocks.sensor import MockSensorService, MockSensorWrapper  # noqa: E402

LIB = os.path.join(REPO, "packs", "qaeci", "lib")


class Watcher(object):
    """The pack's sensor over a work_dir, with a mock sensor service recording its dispatches."""

    def __init__(self, work_dir):
        wrapper = MockSensorWrapper(pack="qaeci", class_name="LocalEventsSensor")
        self.service = MockSensorService(sensor_wrapper=wrapper)
        self.sensor = LocalEventsSensor(
            self.service, {"registry_path": work_dir, "work_dir": work_dir}
        )
        self.sensor.setup()

    def triggers(self, app=None):
        return [
            (item["trigger"].split(".", 1)[1], item["payload"])
            for item in self.service.dispatched_triggers
            if app is None or item["payload"].get("app") == app
        ]

    def wait_for(self, predicate, timeout=15.0):
        """Poll the sensor until predicate(dispatched triggers) holds; the triggers."""

        def check():
            self.sensor.poll()
            return predicate(self.triggers())

        assert wait_for(check, timeout=timeout), "triggers so far: %s" % self.triggers()
        return self.triggers()

    def states(self, app):
        return [payload["state"] for name, payload in self.triggers(app) if name == "task_status"]

    def exits(self, app, kind="container_exit"):
        return [payload for name, payload in self.triggers(app) if name == kind]

    def stop(self):
        self.sensor.cleanup()


def run_program(supervisor, work_dir, name, script):
    spec = ProgramSpec(
        name,
        [sys.executable, "-c", script],
        work_dir,
        {},
        os.path.join(work_dir, "logs", name + ".log"),
    )
    return supervisor.run(spec)


def assert_valid(found):
    for name, payload in found:
        jsonschema.validate(payload, triggers.trigger_type_metadata(name)["payload_schema"])


@pytest.fixture(scope="module")
def supervisor(backend):
    backend.supervisor.ensure_running()
    return backend.supervisor


@pytest.fixture
def watcher(supervisor, work_dir):
    watcher = Watcher(work_dir)
    watcher.sensor.poll()  # start after what earlier tests left in the spool
    del watcher.service.dispatched_triggers[:]
    yield watcher
    watcher.stop()


def test_an_app_exiting_with_3_at_start_fails_with_its_exit_code(supervisor, work_dir, watcher):
    run_program(supervisor, work_dir, "ev1.quick", "import sys; sys.exit(3)")
    found = watcher.wait_for(
        lambda found: (
            "TASK_FAILED" in [payload["state"] for name, payload in found if name == "task_status"]
        )
    )
    assert watcher.states("quick") == ["TASK_STARTING", "TASK_STAGING", "TASK_FAILED"]
    failed = [payload for name, payload in found if name == "task_status"][-1]
    assert (failed["env"], failed["app"], failed["cluster"]) == ("ev1", "quick", "local")
    assert "exit status 3" in failed["message"]
    [exited] = watcher.exits("quick")
    assert (exited["exit_code"], exited["env"], exited["app"]) == (3, "ev1", "quick")
    assert_valid(found)
    supervisor.remove("ev1.quick")


@pytest.mark.parametrize("code, state", [(3, "TASK_FAILED"), (0, "TASK_FINISHED")])
def test_an_app_exiting_after_it_ran_ends_by_its_exit_code(
    supervisor, work_dir, watcher, code, state
):
    name = "ev2.ran%d" % code
    run_program(
        supervisor, work_dir, name, "import sys, time; time.sleep(1.3); sys.exit(%d)" % code
    )
    app = name.split(".")[1]
    watcher.wait_for(lambda found: watcher.exits(app))
    assert watcher.states(app) == ["TASK_STARTING", "TASK_RUNNING", state]
    [exited] = watcher.exits(app)
    assert exited["exit_code"] == code
    assert exited["container_id"].startswith(name + ":")
    assert_valid(watcher.triggers())
    supervisor.remove(name)


def test_a_sigkill_is_exit_137_and_not_called_oom_without_the_kernels_word(
    supervisor, work_dir, watcher
):
    run_program(
        supervisor,
        work_dir,
        "ev3.killed",
        "import os, signal, time; time.sleep(1.3); os.kill(os.getpid(), signal.SIGKILL)",
    )
    watcher.wait_for(lambda found: watcher.exits("killed"))
    [exited] = watcher.exits("killed")
    assert exited["exit_code"] == 137
    assert watcher.exits("killed", "container_oom") == []
    assert (
        "terminated by SIGKILL"
        in [p for n, p in watcher.triggers("killed") if n == "task_status"][-1]["message"]
    )
    supervisor.remove("ev3.killed")


def test_events_while_the_sensor_is_down_are_replayed_in_order(supervisor, work_dir, watcher):
    watcher.stop()  # the sensor is down from here
    run_program(supervisor, work_dir, "ev5.web", "import time; time.sleep(300)")
    supervisor.remove("ev5.web")
    later = Watcher(work_dir)
    try:
        later.wait_for(lambda found: later.exits("web"))
        assert later.states("web") == [
            "TASK_STARTING",
            "TASK_RUNNING",
            "TASK_KILLING",
            "TASK_KILLED",
        ]
        assert [payload["env"] for _name, payload in later.triggers()] == ["ev5"] * 5
        assert later.sensor.poll() == 0  # nothing dispatched twice
    finally:
        later.stop()
    assert watcher.triggers() == []


def test_malformed_spool_lines_are_skipped_and_counted(supervisor, work_dir, watcher):
    run_program(supervisor, work_dir, "ev6.before", "import time; time.sleep(300)")
    watcher.wait_for(lambda found: "TASK_RUNNING" in watcher.states("before"))
    spool = os.path.join(events_dir(work_dir), "spool")
    with file_lock(os.path.join(events_dir(work_dir), "writer.lock")):
        newest = os.path.join(spool, sorted(os.listdir(spool))[-1])
        with open(newest, "a") as handle:
            handle.write('{"torn": \n[1, 2]\n{"v": 99, "time": 1, "event": "X", "process": "a"}\n')
    run_program(supervisor, work_dir, "ev6.after", "import time; time.sleep(300)")
    watcher.wait_for(lambda found: "TASK_RUNNING" in watcher.states("after"))
    counts = watcher.sensor.feed.malformed.counts
    assert counts == {"not JSON": 1, "not a JSON object": 1, "unknown record version": 1}
    supervisor.remove("ev6.before")
    supervisor.remove("ev6.after")


def test_the_sensor_carries_on_across_a_supervisord_restart(supervisor, work_dir, watcher):
    run_program(supervisor, work_dir, "ev7.before", "import time; time.sleep(300)")
    watcher.wait_for(lambda found: "TASK_RUNNING" in watcher.states("before"))
    supervisor.shutdown()
    supervisor.ensure_running()
    run_program(supervisor, work_dir, "ev7.after", "import time; time.sleep(300)")
    watcher.wait_for(lambda found: "TASK_RUNNING" in watcher.states("after"))
    # the first supervisord stopped ev7.before on its way out, and those events were not
    # lost; the second one started it again, as it starts every configured program
    assert watcher.states("before")[:4] == [
        "TASK_STARTING",
        "TASK_RUNNING",
        "TASK_KILLING",
        "TASK_KILLED",
    ]
    supervisor.remove("ev7.before")
    supervisor.remove("ev7.after")


def test_an_app_stopped_by_env_down_is_killed(backend, supervisor, work_dir, watcher):
    """The last environment's env down also shuts supervisord down: the events of its stop
    still reach the spool."""
    assert backend.environments() == []
    run_program(supervisor, work_dir, "ev9.web", "import time; time.sleep(300)")
    backend.destroy("ev9")
    assert not supervisor.is_running()
    watcher.wait_for(lambda found: watcher.exits("web"))
    assert watcher.states("web") == ["TASK_STARTING", "TASK_RUNNING", "TASK_KILLING", "TASK_KILLED"]
    [exited] = watcher.exits("web")
    assert (exited["exit_code"], exited["env"], exited["app"]) == (143, "ev9", "web")


# -- the listener alone, fed supervisord's recorded protocol bytes --------------------------------


def listen(work_dir, stdin_bytes, timeout=30):
    return subprocess.run(
        local_events.listener_argv(work_dir, os.path.join(work_dir, "supervisord.log")),
        input=stdin_bytes,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        timeout=timeout,
        env=dict(os.environ, PYTHONPATH=LIB),
    )


def spooled(work_dir):
    spool = os.path.join(events_dir(work_dir), "spool")
    return [
        json.loads(line)
        for name in sorted(os.listdir(spool))
        for line in open(os.path.join(spool, name))
    ]


def test_the_listener_speaks_supervisords_protocol(tmp_path):
    with open(os.path.join(PAYLOADS, "eventlistener_stdin_stream.txt"), "rb") as handle:
        stdin_bytes = handle.read()
    with open(os.path.join(PAYLOADS, "eventlistener_stdout_stream.txt"), "rb") as handle:
        expected_stdout = handle.read()
    with open(os.path.join(PAYLOADS, "eventlistener_events.json")) as handle:
        recorded = json.load(handle)["events"]
    result = listen(str(tmp_path), stdin_bytes)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected_stdout
    records = spooled(str(tmp_path))
    assert [(r["event"], r["process"], r["from_state"]) for r in records] == [
        (e["eventname"], e["payload_parsed"]["processname"], e["payload_parsed"]["from_state"])
        for e in recorded
    ]
    assert [r["serial"] for r in records] == [int(e["headers_parsed"]["serial"]) for e in recorded]
    exited = records[2]
    assert (exited["pid"], exited["expected"]) == (2791, False)


def test_a_listener_that_cannot_spool_answers_fail_so_supervisord_keeps_the_event(tmp_path):
    with open(os.path.join(str(tmp_path), "events"), "w") as handle:
        handle.write("a file where the spool directory should be")
    with open(os.path.join(PAYLOADS, "eventlistener_events.json")) as handle:
        event = json.load(handle)["events"][1]
    result = listen(str(tmp_path), (event["header_line"] + "\n" + event["payload"]).encode())
    assert result.stdout == b"READY\nRESULT 4\nFAILREADY\n"
    assert b"could not spool PROCESS_STATE_RUNNING of mariadb" in result.stderr


def test_a_listener_out_of_step_exits_for_supervisord_to_restart_it(tmp_path):
    result = listen(str(tmp_path), b"this is no header\n")
    assert result.returncode == 2
    assert b"not an event header" in result.stderr
