"""The tail of a task's own output, its stdout and stderr, from its Mesos sandbox, found and read
the way the Mesos web UI does it (apache/mesos src/webui/app/controllers.js, jquery.pailer.js):

1. the master's /master/slaves gives the task's agent: its hostname and the port of its pid
   (slave(1)@HOST:PORT);
2. the agent's /slave(1)/state gives the sandbox: the `directory` of the task's executor, among
   each framework's executors or completed_executors (a task that ended keeps its sandbox until
   the agent garbage-collects it). Marathon's Docker tasks run under the command executor, whose
   id is the task's;
3. /files/read?path=DIR/FILE&offset=-1 answers the file's size, and the last TAIL_BYTES are read
   from there (again while Mesos answers short: it caps one read at 16 pages). The bytes are
   decoded (a character cut at the start becomes U+FFFD, on the partial line that is dropped).

Each failure is SandboxUnavailable: one line saying what failed and the fix.
"""

import json
import urllib.parse

from qaeci.sensing.http_json import Endpoint, EndpointError

TAIL_BYTES = 32 * 1024
FILES = ("stdout", "stderr")


class SandboxUnavailable(Exception):
    """The sandbox could not be read; the message says why, on one line."""


class MesosSandboxes(object):
    """The sandboxes of one cluster's tasks, through its Mesos master (clusters.NAME.mesos_url)."""

    def __init__(self, cluster, mesos_url, timeout=10.0):
        self.cluster = cluster
        self.timeout = timeout
        self._scheme = urllib.parse.urlsplit(mesos_url).scheme or "http"
        self._master = Endpoint(
            "Mesos master", mesos_url, "clusters.%s.mesos_url" % cluster, timeout=timeout
        )

    def locate(self, agent_id, task_id):
        """The Sandbox of the task that ran on the agent."""
        agent, process = self._agent(agent_id, task_id)
        return Sandbox(agent, self._directory(agent, process, task_id))

    def _agent(self, agent_id, task_id):
        """(Endpoint, libprocess id) of the agent, from the master's list of agents."""
        for entry in _get(self._master, "/master/slaves").get("slaves") or []:
            if entry.get("id") == agent_id:
                process, _, address = str(entry.get("pid", "")).partition("@")
                port = address.rpartition(":")[2]
                url = "%s://%s:%s" % (self._scheme, entry.get("hostname"), port)
                where = "the agent's pid in /master/slaves of clusters.%s.mesos_url" % self.cluster
                return Endpoint("Mesos agent", url, where, timeout=self.timeout), process
        raise SandboxUnavailable(
            "agent %s of task %s is no longer registered with %s, so its sandbox cannot be read; "
            "fix: find the task's output on that machine under the agent's work_dir"
            % (agent_id, task_id, self._master)
        )

    def _directory(self, agent, process, task_id):
        state = _get(agent, "/%s/state" % (process or "slave(1)"))
        frameworks = (state.get("frameworks") or []) + (state.get("completed_frameworks") or [])
        for framework in frameworks:
            for executor in (framework.get("executors") or []) + (
                framework.get("completed_executors") or []
            ):
                if executor.get("id") == task_id and executor.get("directory"):
                    return executor["directory"]
        raise SandboxUnavailable(
            "%s keeps no sandbox of task %s (garbage-collected, or the "
            "task never reached it)" % (agent, task_id)
        )


class Sandbox(object):
    """One task's sandbox: the agent that serves it and its directory there."""

    def __init__(self, agent, directory):
        self.agent = agent
        self.directory = directory

    def tail(self, lines):
        """The last LINES lines of the task's stdout and stderr (shared between the two), each
        file's under a '==> NAME <==' heading as tail(1) writes it; "" when both are empty."""
        return _sections(
            {name: self._last_lines("%s/%s" % (self.directory, name), lines) for name in FILES},
            lines,
        )

    def _last_lines(self, path, lines):
        """The file's last LINES whole lines."""
        size = _read(self.agent, path, -1)[1]
        start = offset = max(0, size - TAIL_BYTES)
        data = bytearray()
        while offset < size:
            chunk = _read(self.agent, path, offset, size - offset)[0]
            if not chunk:
                break
            data += chunk
            offset += len(chunk)
        found = bytes(data).decode("utf-8", "replace").splitlines()
        if start > 0:
            found = found[1:]  # the first line is cut
        return found[-lines:] if lines > 0 else []


def _sections(tails, lines):
    """The files' lines under their headings, LINES in all: each gets half, and what one does
    not use goes to the other."""
    out, err = tails["stdout"], tails["stderr"]
    shown_out = min(len(out), max(lines - len(err), (lines + 1) // 2))
    shown_err = min(len(err), lines - shown_out)
    text = []
    for name, shown in (
        ("stdout", out[len(out) - shown_out :] if shown_out else []),
        ("stderr", err[len(err) - shown_err :] if shown_err else []),
    ):
        if shown:
            text += ["==> %s <==" % name] + shown
    return "\n".join(text)


def _get(endpoint, path):
    try:
        document = endpoint.get(path)
    except EndpointError as error:
        raise SandboxUnavailable(str(error)) from error
    if not isinstance(document, dict):
        raise SandboxUnavailable(
            "%s answered %s with a %s, not Mesos's JSON object"
            % (endpoint, path, type(document).__name__)
        )
    return document


def _read(agent, path, offset, length=None):
    """(bytes, offset) of /files/read. The body carries the file's bytes as they are, so it is
    decoded with surrogateescape: the bytes come back exactly, whole characters or not."""
    query = {"path": path, "offset": offset}
    if length is not None:
        query["length"] = length
    request = "/files/read?" + urllib.parse.urlencode(query)
    try:
        raw = agent.get_bytes(request)
        answer = json.loads(raw.decode("utf-8", "surrogateescape"))
        return answer["data"].encode("utf-8", "surrogateescape"), int(answer["offset"])
    except EndpointError as error:
        raise SandboxUnavailable(str(error)) from error
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise SandboxUnavailable(
            "%s answered /files/read with something that is not Mesos's "
            "{data, offset}; fix: check that the agent runs Mesos 1.x" % agent
        ) from error
