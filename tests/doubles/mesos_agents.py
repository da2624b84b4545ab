"""Mesos agents for the Marathon double's tasks: each agent a real HTTP server at its loopback
address (127.0.0.2, ...) serving what a Mesos agent serves about a task's sandbox, its state
(`/state`, `/slave(1)/state`) and `/files/read`. A task writes into its sandbox as a Docker task on
Mesos does, so the tail of its stdout and stderr can be read as the Mesos web UI reads it.

Share one MesosAgents between the Marathon double (its tasks run on these agents and write into
their sandboxes) and the Mesos master double (its /master/slaves lists these agents); start the
agents first, since the master reports their ports:

    with MesosAgents() as agents, MarathonDouble(mesos=agents) as marathon, \\
            MesosMasterDouble(agents=agents) as mesos:
        ...

Shapes, as apache/mesos c1b42f79d has them:
- /files/read follows src/files/files.cpp (`__read`, `_read`): `offset=-1` (or no offset) answers
  {"data": "", "offset": SIZE} (files_read_length_probe.json); a read answers {"data", "offset"}
  (files_read_response.json) with at most 16 pages (64 KiB), the file's bytes as they are (a read
  may cut a UTF-8 character in two); a path in no sandbox is 404 with an empty body; no path, a
  directory, a bad offset or length is 400 with Mesos's message.
- /state is composed field by field from src/slave/http.cpp (`FrameworkWriter`, `ExecutorWriter`):
  each executor's `directory` is its sandbox, and an executor that ended moves to
  `completed_executors` with its sandbox kept (until garbage collection, which the double never
  does). The framework's and the tasks' own fields come from the recorded master_state.json, which
  the same protobuf writers wrote. Keys nothing here reads are left out.
- The sandbox path is the agent work_dir layout that container_inspect_running.json mounts:
  /var/lib/mesos/slaves/AGENT/frameworks/FRAMEWORK/executors/TASK/runs/CONTAINER. Marathon's
  Docker tasks run under the command executor, whose id is the task's (src/slave/slave.cpp
  `getExecutorInfo`, which names it "Command Executor (Task: ID) (Command: NO EXECUTABLE)" for a
  task given `args`).
- What a task writes: the Docker executor's glog lines to stderr (src/docker/executor.cpp:
  "Registered docker executor on HOST", "Starting task ID", and the container's exit status when
  it ends), and the app's own lines to stdout, as files_read_response.json shows them.
"""

import json
import os
import threading
import time
import uuid

from tests.doubles.loopback_http import LoopbackHttpDouble, json_response
from tests.doubles.payloads import load_json

FRAMEWORK_PREFIX = "7e3a1c0f-2b1d-4c8e-9f3a-5d6b7c8d9e0f"
# (host, agent id) of the agents tasks run on: loopback addresses, the recorded agent ids.
AGENTS = (
    ("127.0.0.2", FRAMEWORK_PREFIX + "-S3"),
    ("127.0.0.3", FRAMEWORK_PREFIX + "-S4"),
    ("127.0.0.4", FRAMEWORK_PREFIX + "-S5"),
)
WORK_DIR = "/var/lib/mesos"
READ_CAP = 16 * 4096  # files.cpp caps one read at 16 pages
SANDBOX_FILES = ("stdout", "stderr")

_RECORDED_FRAMEWORK = load_json("mesos", "master_state.json")["frameworks"][0]
FRAMEWORK_ID = _RECORDED_FRAMEWORK["id"]  # Marathon's, as /v2/info's frameworkId
FRAMEWORK_FIELDS = ("id", "name", "user", "failover_timeout", "checkpoint", "hostname", "roles")
TASK_FIELDS = ("framework_id", "executor_id", "resources", "role")


class NoSandbox(object):
    """What a task writes to when no Mesos agents are wired in: nothing is kept."""

    def start(self, host):
        pass

    def write(self, name, text):
        pass

    def end(self, state, message):
        pass


NO_SANDBOX = NoSandbox()


class Sandbox(object):
    """One task's sandbox on its agent: its directory, its stdout and stderr, its executor."""

    def __init__(self, agent, task_id, task_name):
        self.agent = agent
        self.task_id = task_id
        self.task_name = task_name
        self.container_id = str(uuid.uuid4())
        self.directory = "%s/slaves/%s/frameworks/%s/executors/%s/runs/%s" % (
            WORK_DIR,
            agent.agent_id,
            FRAMEWORK_ID,
            task_id,
            self.container_id,
        )
        self.files = {name: bytearray() for name in SANDBOX_FILES}
        self.statuses = [("TASK_STAGING", time.time())]
        self.ended = False

    @property
    def state(self):
        return self.statuses[-1][0]

    def start(self, host):
        """The executor registers and starts the task's container."""
        self._executor_log(130, "Registered docker executor on %s" % host)
        self._executor_log(186, "Starting task %s" % self.task_id)
        with self.agent.lock:
            self.statuses.append(("TASK_RUNNING", time.time()))

    def write(self, name, text):
        """Append TEXT (str, or bytes written as they are) to the file NAME, ending its line."""
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        with self.agent.lock:
            self.files[name] += data if data.endswith(b"\n") else data + b"\n"

    def end(self, state, message):
        """The container ended: the executor logs its status and is done."""
        self._executor_log(754, message)
        with self.agent.lock:
            self.statuses.append((state, time.time()))
            self.ended = True

    def _executor_log(self, line, message):
        moment = time.time()
        stamp = time.strftime("%m%d %H:%M:%S", time.gmtime(moment))
        self.write(
            "stderr",
            "I%s.%06d %5d executor.cpp:%d] %s"
            % (stamp, int(moment % 1 * 1e6), os.getpid(), line, message),
        )

    def executor_json(self):
        task = {key: _RECORDED_FRAMEWORK["tasks"][0][key] for key in TASK_FIELDS}
        task.update(
            id=self.task_id,
            name=self.task_name,
            slave_id=self.agent.agent_id,
            state=self.state,
            statuses=[{"state": state, "timestamp": moment} for state, moment in self.statuses],
        )
        return {
            "id": self.task_id,
            "source": self.task_id,
            "container": self.container_id,
            "name": "Command Executor (Task: %s) (Command: NO EXECUTABLE)" % self.task_id,
            "directory": self.directory,
            "resources": task["resources"],
            "tasks": [] if self.ended else [task],
            "queued_tasks": [],
            "completed_tasks": [task] if self.ended else [],
        }


class MesosAgentDouble(LoopbackHttpDouble):
    """One agent at HOST (a loopback address) on a free port: /state and /files/read."""

    def __init__(self, host, agent_id):
        super(MesosAgentDouble, self).__init__()
        self.host = host
        self.agent_id = agent_id
        self.lock = threading.RLock()
        self.sandboxes = {}  # task id -> Sandbox

    @property
    def pid(self):
        return "slave(1)@%s:%d" % (self.host, self.port)

    def route(self, method, path, query, headers, body):
        with self.lock:
            self.requests.append((method, path, {key: values[-1] for key, values in query.items()}))
        if method != "GET":
            return 405, {}, b""
        if path in ("/state", "/slave(1)/state"):
            return json_response(200, self.state())
        if path == "/files/read":
            return self.read(query)
        return 404, {}, b""

    def state(self):
        with self.lock:
            framework = {key: _RECORDED_FRAMEWORK[key] for key in FRAMEWORK_FIELDS}
            sandboxes = list(self.sandboxes.values())
            framework["executors"] = [
                sandbox.executor_json() for sandbox in sandboxes if not sandbox.ended
            ]
            framework["completed_executors"] = [
                sandbox.executor_json() for sandbox in sandboxes if sandbox.ended
            ]
        return {
            "id": self.agent_id,
            "pid": self.pid,
            "hostname": self.host,
            "flags": {"work_dir": WORK_DIR},
            "frameworks": [framework] if sandboxes else [],
            "completed_frameworks": [],
        }

    def read(self, query):
        """GET /files/read, as files.cpp answers it."""
        path = query.get("path", [""])[-1]
        if not path:
            return _bad_request("Expecting 'path=value' in query.\n")
        try:
            offset = _number(query, "offset", -1)
            length = _number(query, "length", -1)
        except ValueError as error:
            return _bad_request(str(error))
        content = self._content(path.rstrip("/"))
        if content is None:
            return 404, {}, b""
        if content is DIRECTORY:
            return _bad_request("Cannot read a directory.\n")
        start, wanted = (0, 0) if offset == -1 else (offset, None if length == -1 else length)
        if wanted is None:
            wanted = max(0, len(content) - start)
        data = bytes(content[start : start + min(wanted, READ_CAP)])
        answer = {
            "data": data.decode("utf-8", "surrogateescape"),
            "offset": len(content) if offset == -1 else offset,
        }
        # The bytes go out as they are in the file, as Mesos's JSON writer leaves them.
        raw = json.dumps(answer, ensure_ascii=False).encode("utf-8", "surrogateescape")
        return 200, {"Content-Type": "application/json"}, raw

    def _content(self, path):
        with self.lock:
            for sandbox in self.sandboxes.values():
                if path == sandbox.directory:
                    return DIRECTORY
                for name, data in sandbox.files.items():
                    if path == sandbox.directory + "/" + name:
                        return bytes(data)
        return None


DIRECTORY = object()


def _number(query, name, default):
    if name not in query:
        return default
    text = query[name][-1]
    try:
        value = int(text)
    except ValueError as error:
        raise ValueError(
            "Failed to parse %s: Failed to convert '%s' to number.\n" % (name, text)
        ) from error
    if value < -1:
        raise ValueError("Negative %s provided: %d.\n" % (name, value))
    return value


def _bad_request(message):
    return 400, {"Content-Type": "text/plain; charset=utf-8"}, message.encode("utf-8")


class MesosAgents(object):
    """The agents tasks run on (start them before the doubles that report them)."""

    def __init__(self, agents=AGENTS):
        self.agents = [MesosAgentDouble(host, agent_id) for host, agent_id in agents]

    def start(self):
        for agent in self.agents:
            agent.start()
        return self

    def stop(self):
        for agent in self.agents:
            agent.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def addresses(self):
        """[(host, agent id)] of the agents, as the Marathon double places tasks."""
        return [(agent.host, agent.agent_id) for agent in self.agents]

    def launch(self, agent_id, task_id, task_name):
        """A new sandbox for the task on the agent (its executor is launched)."""
        agent = next(agent for agent in self.agents if agent.agent_id == agent_id)
        sandbox = Sandbox(agent, task_id, task_name)
        with agent.lock:
            agent.sandboxes[task_id] = sandbox
        return sandbox

    # test controls

    def sandbox(self, task_id):
        """The task's Sandbox (files, directory), wherever it ran."""
        for agent in self.agents:
            with agent.lock:
                if task_id in agent.sandboxes:
                    return agent.sandboxes[task_id]
        raise KeyError("no sandbox for task %s" % task_id)

    def requests(self):
        """[(host, method, path, {query key: value})] the agents answered, in order per agent."""
        return [(agent.host,) + request for agent in self.agents for request in agent.requests]
