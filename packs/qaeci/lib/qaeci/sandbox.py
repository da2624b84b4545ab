"""The tail of a Mesos task's sandbox logs (stdout, stderr), read from its agent's `/files/read`.

A sandbox is a virtual path the agent serves (Mesos docs/sandbox.md):
    /slaves/<agent id>/frameworks/<framework id>/executors/<executor id>/runs/latest/<file>
Marathon launches each task with an executor of the task's own id. `/files/read` answers
{"data", "offset"}: with offset=-1 only the file's size (as offset), else at most `length`
bytes from `offset` (src/files/files.cpp). A tail is the size first, then the last bytes.
"""
import json
import urllib.error
import urllib.parse
import urllib.request

from qaeci import remediation_cluster

TAIL_BYTES = 16384
FILES = ("stdout", "stderr")
TIMEOUT = 10.0


class SandboxUnreadable(Exception):
    """One line: why the sandbox could not be read."""


def sandbox_path(agent_id, framework_id, task_id):
    return "/slaves/%s/frameworks/%s/executors/%s/runs/latest" % (agent_id, framework_id, task_id)


def read_tail(agent_url, path, lines, timeout=TIMEOUT):
    """The last LINES lines of the file at PATH on the agent, as text."""
    size = _read(agent_url, path, -1, None, timeout)["offset"]
    start = max(0, int(size) - TAIL_BYTES)
    data = _read(agent_url, path, start, int(size) - start, timeout)["data"] if size else ""
    tail = data.splitlines()
    if start > 0 and tail:
        tail = tail[1:]  # the first line is cut
    return "\n".join(tail[-lines:]) if lines else ""


def _read(agent_url, path, offset, length, timeout):
    query = {"path": path, "offset": offset}
    if length is not None:
        query["length"] = length
    url = "%s/files/read?%s" % (agent_url.rstrip("/"), urllib.parse.urlencode(query))
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as error:
        raise SandboxUnreadable("%s answered HTTP %d for %s" % (agent_url, error.code, path))
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise SandboxUnreadable("%s did not answer /files/read (%s)"
                                % (agent_url, getattr(error, "reason", error)))


def failed_task(app):
    """(task id, agent id, host) of the app's last failed task, else of its first task."""
    failure = app.get("lastTaskFailure") or {}
    if failure.get("taskId"):
        return failure["taskId"], failure.get("slaveId"), failure.get("host")
    for task in app.get("tasks") or []:
        return task.get("id"), task.get("slaveId"), task.get("host")
    return None, None, None


def task_logs(context, env, app_code, lines):
    """{"log_tail", "log_of", "ids", "note"} of the app's last failed task on a cluster: the
    tail of its sandbox's stdout and stderr, the ids that name the sandbox (for links), and a
    note saying why there is no log when it could not be read."""
    app = remediation_cluster.marathon_app(context, env, app_code)
    if app is None:
        return {"log_tail": "", "log_of": None, "ids": {}, "note": "Marathon has no such app"}
    task_id, agent_id, host = failed_task(app)
    ids = {"app_id": app.get("id"), "task_id": task_id, "agent_id": agent_id, "host": host,
           "framework_id": remediation_cluster.framework_id(context, env)}
    ids = {key: value for key, value in ids.items() if value}
    agent = _agent(context, env, agent_id)
    if not task_id or agent is None or not ids.get("framework_id"):
        return {"log_tail": "", "log_of": None, "ids": ids,
                "note": "no sandbox to read (task, agent or framework unknown to Mesos)"}
    path = sandbox_path(agent_id, ids["framework_id"], task_id)
    parts = []
    try:
        for name in FILES:
            text = read_tail(remediation_cluster.agent_address(agent), path + "/" + name, lines)
            if text.strip():
                parts.append("--- %s\n%s" % (name, text))
    except SandboxUnreadable as error:
        return {"log_tail": "", "log_of": None, "ids": ids, "note": str(error)}
    return {"log_tail": "\n".join(parts), "log_of": "sandbox", "ids": ids, "note": None}


def _agent(context, env, agent_id):
    deploy_type = (context.state(env).environment() or {}).get("deploy_type")
    for agent in remediation_cluster.agents(context, deploy_type):
        if agent.get("id") == agent_id:
            return agent
    return None
