"""An app's log on the Marathon back end is its task's own stdout and stderr, read from the task's
Mesos sandbox (the cluster's mesos_url); without Mesos, what Marathon knows, after one line
saying why."""

import pytest
from qaeci.backends.mesos_sandbox import TAIL_BYTES, MesosSandboxes

from tests.marathon.marathon_helpers import make_backend

WEB = "/qaeci/e1/web"


@pytest.fixture
def backend(marathon_on_mesos, mesos, store, tmp_path):
    return make_backend(
        marathon_on_mesos,
        store,
        tmp_path / "work",
        sandboxes={"dev": MesosSandboxes("dev", mesos.url, timeout=5)},
    )


def only_task(marathon):
    [(task_id, _, host, port)] = marathon.tasks(WEB)
    return task_id, host, port


def test_env_info_shows_the_tail_of_the_apps_own_output(
    backend, marathon_on_mesos, agents, spec_for
):
    marathon_on_mesos.app_prints(WEB, "loading conf/app.properties", "connected to mysql")
    backend.deploy(spec_for())
    task_id, _, port = only_task(marathon_on_mesos)

    info = backend.app_info("e1", "web", log_lines=10)
    lines = info.log_tail.splitlines()

    assert lines[:4] == [
        "==> stdout <==",
        "loading conf/app.properties",
        "connected to mysql",
        lines[3],
    ]
    assert lines[3].endswith(" INFO  web started on port %d" % port)
    assert lines[4] == "==> stderr <=="
    assert lines[-1].endswith("] Starting task %s" % task_id)
    assert info.ids["sandbox"] == agents.sandbox(task_id).directory  # for a sandbox link


def test_a_failed_apps_log_is_what_its_failed_task_wrote(backend, marathon_on_mesos, spec_for):
    marathon_on_mesos.fail_tasks(WEB, "Container exited with status 1")
    marathon_on_mesos.app_prints(
        WEB, "java.sql.SQLException: Access denied for user 'web'", stream="stderr"
    )
    assert backend.deploy(spec_for()).state == "failed"
    failed_task = marathon_on_mesos.cluster.apps[WEB].last_task_failure["taskId"]

    log = backend.log_tail("e1", "web").splitlines()

    assert log[0] == "==> stderr <=="
    assert log[-2:] == ["java.sql.SQLException: Access denied for user 'web'", log[-1]]
    assert log[-1].endswith("] Container exited with status 1")
    assert any(line.endswith("] Starting task %s" % failed_task) for line in log)
    assert backend.app_info("e1", "web", log_lines=20).log_tail == "\n".join(log)


def test_a_long_log_is_read_from_its_end_and_shows_whole_lines(
    backend, agents, spec_for, marathon_on_mesos
):
    backend.deploy(spec_for())
    task_id, host, _ = only_task(marathon_on_mesos)
    sandbox = agents.sandbox(task_id)
    for number in range(5000):
        sandbox.write("stdout", "request %05d served" % number)
    size = len(sandbox.files["stdout"])
    assert size > 2 * TAIL_BYTES

    log = backend.log_tail("e1", "web", lines=6).splitlines()

    assert log[:5] == [
        "==> stdout <==",
        "request 04996 served",
        "request 04997 served",
        "request 04998 served",
        "request 04999 served",
    ]
    assert log[5] == "==> stderr <==" and len(log) == 8  # the executor's two lines
    reads = [
        query
        for where, _, path, query in agents.requests()
        if where == host and query.get("path") == sandbox.directory + "/stdout"
    ]
    assert [query["offset"] for query in reads] == ["-1", str(size - TAIL_BYTES)]


def test_output_that_is_not_utf8_is_shown_with_replacement_characters(
    backend, agents, spec_for, marathon_on_mesos
):
    backend.deploy(spec_for())
    task_id, _, _ = only_task(marathon_on_mesos)
    agents.sandbox(task_id).write("stdout", b"caf\xe9 au lait")

    log = backend.log_tail("e1", "web", lines=20)

    assert "caf\ufffd au lait" in log.splitlines()


def test_an_unreachable_mesos_gives_marathons_view_after_one_line_why(
    backend, mesos, marathon_on_mesos, spec_for
):
    backend.deploy(spec_for())
    task_id, host, port = only_task(marathon_on_mesos)
    url = mesos.url
    mesos.stop()

    first, *rest = backend.log_tail("e1", "web").splitlines()

    assert first.startswith("no sandbox output: Mesos master %s is unreachable" % url)
    assert "fix: check clusters.dev.mesos_url" in first
    assert rest == ["%s TASK_RUNNING on %s:%s" % (task_id, host, port)]


def test_an_agent_the_master_no_longer_lists_is_named(backend, mesos, marathon_on_mesos, spec_for):
    backend.deploy(spec_for())
    task_id, _, _ = only_task(marathon_on_mesos)
    agent_id = backend.app_info("e1", "web", log_lines=0).ids["agent_id"]
    mesos.remove_agent(agent_id)

    first = backend.log_tail("e1", "web").splitlines()[0]

    assert first.startswith(
        "no sandbox output: agent %s of task %s is no longer registered" % (agent_id, task_id)
    )


def test_without_a_mesos_url_one_line_says_where_to_set_it(
    marathon_on_mesos, store, tmp_path, spec_for
):
    backend = make_backend(marathon_on_mesos, store, tmp_path / "work")
    backend.deploy(spec_for())
    task_id, _, _ = only_task(marathon_on_mesos)

    first, second = backend.log_tail("e1", "web").splitlines()

    assert first == (
        "no sandbox output: clusters.dev has no mesos_url; fix: set it to the Mesos "
        "master (http://HOST:5050) to see the task's own output"
    )
    assert second.startswith(task_id + " TASK_RUNNING")
