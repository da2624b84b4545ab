"""supervisord per work_dir over its unix socket: programs come and go one by one, values reach
the program exactly, failed programs stay failed."""

import os
import sys

import pytest
from local_backend_helpers import process_exists, wait_for


@pytest.fixture(scope="module")
def supervisor(backend):
    backend.supervisor.ensure_running()
    return backend.supervisor


def sleeper(supervisor, work_dir, name, environment=None, argv=None):
    from qaeci.backends.local_supervisor import ProgramSpec

    script = "import os, time; print(repr(dict(os.environ)), flush=True); time.sleep(300)"
    spec = ProgramSpec(
        name,
        argv or [sys.executable, "-c", script],
        work_dir,
        environment or {},
        os.path.join(work_dir, "logs", name + ".log"),
    )
    return supervisor.run(spec), spec


def test_socket_and_config_live_in_work_dir(supervisor, work_dir):
    assert supervisor.socket_path == os.path.join(work_dir, "supervisor", "supervisor.sock")
    assert supervisor.is_running()


def test_dotted_program_names_and_tricky_values_reach_the_program(supervisor, work_dir):
    tricky = 'a "quoted", %(not)s expanded $HOME \\ value'
    info, spec = sleeper(supervisor, work_dir, "sv1.app", {"TRICKY": tricky, "PORT0": "1"})
    assert info["statename"] == "RUNNING"
    assert info["name"] == "sv1.app"
    log = wait_for(lambda: open(spec.log_path).read())
    assert repr(tricky) in log
    supervisor.remove("sv1.app")


def test_adding_and_removing_one_program_leaves_others_alone(supervisor, work_dir):
    first, _ = sleeper(supervisor, work_dir, "sv2.one")
    second, _ = sleeper(supervisor, work_dir, "sv2.two")
    supervisor.remove("sv2.two")
    assert not process_exists(second["pid"])
    assert supervisor.info("sv2.two") is None
    assert "sv2.two" not in supervisor.configured_programs()
    assert supervisor.info("sv2.one")["pid"] == first["pid"]
    supervisor.remove("sv2.one")
    assert not process_exists(first["pid"])


def test_a_program_that_exits_is_not_restarted(supervisor, work_dir):
    info, _ = sleeper(
        supervisor, work_dir, "sv3.quits", argv=[sys.executable, "-c", "import sys; sys.exit(5)"]
    )
    assert info["statename"] in ("FATAL", "EXITED")
    assert wait_for(lambda: False, timeout=1.5) is False
    assert supervisor.info("sv3.quits")["statename"] == info["statename"]
    supervisor.remove("sv3.quits")


def test_a_stop_kills_the_whole_process_group(supervisor, work_dir):
    script = (
        "import subprocess, sys, time; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)']); "
        "print(p.pid, flush=True); time.sleep(300)"
    )
    info, spec = sleeper(supervisor, work_dir, "sv4.parent", argv=[sys.executable, "-c", script])
    child = int(wait_for(lambda: open(spec.log_path).read().strip()))
    assert process_exists(child)
    supervisor.remove("sv4.parent")
    assert wait_for(lambda: not process_exists(child), timeout=5)
    assert not process_exists(info["pid"])


def test_bad_environment_names_and_line_breaks_are_refused(supervisor, work_dir):
    from qaeci.backends.local_supervisor import SupervisorError

    with pytest.raises(SupervisorError, match="environment variable name 'BAD-NAME'"):
        sleeper(supervisor, work_dir, "sv5.bad", {"BAD-NAME": "x"})
    with pytest.raises(SupervisorError, match="contains a line break"):
        sleeper(supervisor, work_dir, "sv5.bad", {"OK": "two\nlines"})


@pytest.fixture
def reloads(monkeypatch):
    """The reloadConfig calls made to any supervisord while the test runs."""
    from qaeci.backends import local_supervisor

    calls = []
    real_rpc = local_supervisor.Supervisor._rpc

    class CountingProxy(object):
        def __init__(self, proxy):
            self.proxy = proxy

        def __getattr__(self, name):
            if name == "reloadConfig":
                calls.append(name)
            return getattr(self.proxy, name)

    monkeypatch.setattr(
        local_supervisor.Supervisor,
        "_rpc",
        lambda self, timeout=180: CountingProxy(real_rpc(self, timeout)),
    )
    return calls


def test_programs_started_at_once_all_run_and_share_config_reloads(supervisor, work_dir, reloads):
    import threading

    names = ["burst.app%d" % index for index in range(8)]
    start = threading.Barrier(len(names))
    infos = {}

    def run(name):
        start.wait(timeout=10)
        infos[name] = sleeper(supervisor, work_dir, name)[0]

    threads = [threading.Thread(target=run, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert sorted(infos) == names
        assert all(info["statename"] == "RUNNING" for info in infos.values())
        assert len(reloads) < len(names)
    finally:
        for name in names:
            supervisor.remove(name)


def test_programs_staged_together_take_one_reload_and_none_again_when_they_start(
    supervisor, work_dir, reloads
):
    from qaeci.backends.local_supervisor import ProgramSpec, Supervisor

    specs = [
        ProgramSpec(
            "staged.app%d" % index,
            [sys.executable, "-c", "import time; time.sleep(300)"],
            work_dir,
            {},
            os.path.join(work_dir, "logs", "staged%d.log" % index),
        )
        for index in range(5)
    ]
    try:
        supervisor.stage_all(specs)
        assert len(reloads) == 1
        assert supervisor.info("staged.app0") is None  # read, but not a process yet
        another_process = Supervisor(work_dir)  # knows only what is on disk
        assert another_process.run(specs[0], settle=False)["statename"] in ("STARTING", "RUNNING")
        assert len(reloads) == 1
    finally:
        for spec in specs:
            supervisor.remove(spec.name)
