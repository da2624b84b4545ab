"""The Mesos agents double answers /state and /files/read as a Mesos agent does (files.cpp,
slave/http.cpp), for the sandboxes the Marathon double's tasks write into."""

import json
import urllib.error
import urllib.parse
import urllib.request

from tests.doubles.mesos_agents import READ_CAP
from tests.doubles.payloads import load_json

APP_ID = "/qaeci/env1/web"
APP = {"id": APP_ID, "args": ["./serve"], "container": {"type": "DOCKER"}, "instances": 1}


def get(url):
    """(status, body bytes) of GET url."""
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def read(agent, **query):
    return get("%s/files/read?%s" % (agent.url, urllib.parse.urlencode(query)))


def running_task(marathon):
    marathon.cluster.create_app(dict(APP))
    marathon.wait_for(
        lambda: [task for task in marathon.tasks(APP_ID) if task[1] == "TASK_RUNNING"]
    )
    return marathon.tasks(APP_ID)[0]


def agent_of(agents, host):
    return next(agent for agent in agents.agents if agent.host == host)


def test_the_master_lists_the_agents_where_they_serve(agents, mesos):
    status, body = get(mesos.url + "/master/slaves")
    listed = json.loads(body)["slaves"]
    assert status == 200
    assert [(entry["id"], entry["hostname"], entry["pid"]) for entry in listed] == [
        (agent.agent_id, agent.host, "slave(1)@%s:%d" % (agent.host, agent.port))
        for agent in agents.agents
    ]
    assert all(entry["hostname"].startswith("127.") for entry in listed)


def test_a_task_has_a_sandbox_on_its_agent_with_what_it_printed(agents, marathon_on_mesos):
    marathon_on_mesos.app_prints(APP_ID, "loading conf/app.properties")
    task_id, _, host, port = running_task(marathon_on_mesos)
    agent = agent_of(agents, host)

    state = json.loads(get(agent.url + "/slave(1)/state")[1])

    [framework] = state["frameworks"]
    assert framework["id"] == load_json("marathon", "rest", "info_get.json")["frameworkId"]
    [executor] = framework["executors"]
    assert executor["id"] == task_id and executor["tasks"][0]["state"] == "TASK_RUNNING"
    directory = executor["directory"]
    assert directory.startswith(
        "/var/lib/mesos/slaves/%s/frameworks/%s/executors/%s/runs/"
        % (agent.agent_id, framework["id"], task_id)
    )
    stdout = json.loads(read(agent, path=directory + "/stdout", offset=0)[1])["data"]
    assert stdout.splitlines()[0] == "loading conf/app.properties"  # as it printed it
    assert stdout.splitlines()[1].endswith("INFO  web started on port %d" % port)
    stderr = json.loads(read(agent, path=directory + "/stderr", offset=0)[1])["data"]
    assert stderr.splitlines()[-1].endswith("executor.cpp:186] Starting task %s" % task_id)


def test_files_read_answers_as_mesos_does(agents, marathon_on_mesos):
    task_id, _, host, _ = running_task(marathon_on_mesos)
    agent = agent_of(agents, host)
    sandbox = agents.sandbox(task_id)
    sandbox.write("stdout", "x" * (2 * READ_CAP))
    stdout = sandbox.directory + "/stdout"
    size = len(sandbox.files["stdout"])

    probe = json.loads(read(agent, path=stdout, offset=-1)[1])
    assert set(probe) == set(load_json("mesos", "files_read_length_probe.json"))
    assert probe == {"data": "", "offset": size}
    assert json.loads(read(agent, path=stdout)[1]) == probe  # no offset: a probe too
    part = json.loads(read(agent, path=stdout, offset=size - 10, length=4)[1])
    assert set(part) == set(load_json("mesos", "files_read_response.json"))
    assert part == {"data": "xxxx", "offset": size - 10}
    assert len(json.loads(read(agent, path=stdout, offset=0)[1])["data"]) == READ_CAP
    assert json.loads(read(agent, path=stdout, offset=size + 5)[1]) == {
        "data": "",
        "offset": size + 5,
    }
    assert read(agent, path=sandbox.directory + "/nothing", offset=0) == (404, b"")
    assert read(agent, path=sandbox.directory, offset=0) == (400, b"Cannot read a directory.\n")
    assert read(agent, offset=0) == (400, b"Expecting 'path=value' in query.\n")
    assert read(agent, path=stdout, offset=-2) == (400, b"Negative offset provided: -2.\n")


def test_a_file_is_served_byte_for_byte_even_where_a_read_cuts_a_character(
    agents, marathon_on_mesos
):
    task_id, _, host, _ = running_task(marathon_on_mesos)
    sandbox = agents.sandbox(task_id)
    sandbox.write("stdout", "caf\u00e9")
    e_acute = len(sandbox.files["stdout"]) - 3  # its two bytes, then the newline

    status, raw = read(
        agent_of(agents, host), path=sandbox.directory + "/stdout", offset=e_acute, length=1
    )

    assert status == 200 and raw == b'{"data": "\xc3", "offset": %d}' % e_acute


def test_an_ended_task_keeps_its_sandbox_among_the_completed_executors(agents, marathon_on_mesos):
    task_id, _, host, _ = running_task(marathon_on_mesos)
    marathon_on_mesos.kill_task(task_id, relaunch=False)

    [framework] = json.loads(get(agent_of(agents, host).url + "/state")[1])["frameworks"]

    assert framework["executors"] == []
    [executor] = framework["completed_executors"]
    assert executor["id"] == task_id
    assert executor["completed_tasks"][0]["state"] == "TASK_KILLED"
    stderr = agents.sandbox(task_id).files["stderr"].decode()
    assert stderr.splitlines()[-1].endswith("] Container exited with status 143")
