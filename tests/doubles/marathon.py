"""A stateful Marathon 1.10 double: a real HTTP server on 127.0.0.1 that speaks the REST v2 API and
the `/v2/events` SSE stream the way Marathon does (shapes from ../shared/payloads/marathon/).

    with MarathonDouble(credentials="qaeci:secret", start_delay=0.05) as marathon:
        marathon.url                      # http://127.0.0.1:PORT
        ...                               # deployments launch tasks on loopback agents

What it simulates: apps in groups, deployments that launch tasks after a start delay
(TASK_STAGING -> TASK_STARTING -> TASK_RUNNING status updates, deployment_info/step/success events),
the per-app lock (409 while a deployment holds the app), Basic auth, leadership and the event bus.
Every task gets a loopback agent address and real ports with a tiny HTTP responder behind them,
so check URLs against a task's host:port really answer. Test controls are the public methods
below the `# test controls` line (kill a task, fail a deployment, hold an app, change the leader,
cut the streams, make an app's tasks fail or answer errors).

Marathon behaviours kept on purpose (read in mesosphere/marathon 90619da70):
- DELETE /v2/apps/{id} defaults to force=true (no 409); PUT and DELETE /v2/groups default to false.
- DELETE of an app leaves its groups: only DELETE /v2/groups/{id} removes them.
- `event_stream_attached` goes through the event bus like any event, so an `event_type` filter
  that leaves it out leaves it out, and streams already open see other clients attach.
- A non-leader answers the stream with 200 and closes it at once (standby rejects new handles);
  losing leadership closes the open streams.
- A stream whose unsent events reach `max_outstanding` (Marathon's --event_stream_max_outstanding,
  50 by default) is dropped.
"""

import base64
import copy
import datetime
import http.server
import json
import os
import queue
import re
import socketserver
import ssl
import threading
import time
import urllib.parse
import urllib.request
import uuid

from tests.doubles.mesos_agents import AGENTS as DEFAULT_AGENTS
from tests.doubles.mesos_agents import NO_SANDBOX
from tests.doubles.payloads import load_bytes, load_json

RUNNING, STAGING, STARTING = "TASK_RUNNING", "TASK_STAGING", "TASK_STARTING"
LIVE_STATES = (STAGING, STARTING, RUNNING)
REALM = "Mesosphere"  # Marathon's --http_realm default

ID_RULES = load_json("marathon", "app_id_rules.json")
SEGMENT_RE = re.compile(ID_RULES["segment_regex"])

# Defaults Marathon's normalization adds to a submitted app (values as in the 201 payload).
APP_DEFAULTS = {
    "backoffFactor": 1.15,
    "backoffSeconds": 1,
    "cpus": 1,
    "disk": 0,
    "executor": "",
    "instances": 1,
    "labels": {},
    "maxLaunchDelaySeconds": 300,
    "mem": 128,
    "gpus": 0,
    "networks": [{"mode": "host"}],
    "requirePorts": False,
    "upgradeStrategy": {"maximumOverCapacity": 1, "minimumHealthCapacity": 1},
    "killSelection": "YOUNGEST_FIRST",
    "unreachableStrategy": {"inactiveAfterSeconds": 0, "expungeAfterSeconds": 0},
    "role": "*",
}
FETCH_DEFAULTS = {"extract": True, "executable": False, "cache": False}
FIRST_SERVICE_PORT = load_json("marathon", "rest", "info_get.json")["marathon_config"][
    "local_port_min"
]


def now_iso():
    moment = datetime.datetime.now(datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


def log_time():
    """An app's log timestamp, as files_read_response.json's lines have it."""
    return datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")


def task_name(app_id):
    """Marathon's Mesos task name: the app id's segments reversed, joined by dots."""
    return ".".join(reversed(app_id.strip("/").split("/")))


def event_template(name):
    return load_json("marathon", "events", name + ".json")


def absolute_id(path):
    return "/" + path.strip("/")


def id_errors(app_id):
    """Marathon's PathId validation of one id: the 422 details' `errors` for path /id."""
    segments = [segment for segment in app_id.strip("/").split("/")]
    errors = []
    if any(not SEGMENT_RE.fullmatch(segment) for segment in segments):
        errors.append(
            ID_RULES["regex_error_template"].replace("<segment_regex>", ID_RULES["segment_regex"])
        )
    if segments[-1] in ID_RULES["reserved_last_segment"]:
        errors.append(ID_RULES["reserved_error"])
    return errors


class HttpReply(Exception):
    """A finished HTTP answer raised from deep inside a handler (errors, mostly)."""

    def __init__(self, status, body, headers=None):
        Exception.__init__(self, status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def error_reply(status, payload_name, message=None, **extra):
    body = load_json("marathon", "rest", payload_name + ".json")
    if message is not None:
        body["message"] = message
    body.update(extra)
    return HttpReply(status, body)


class Task(object):
    def __init__(self, app_id, version, agent, ports, responders):
        safe = app_id.strip("/").replace("/", "_")
        self.instance_id = "%s.instance-%s" % (safe, uuid.uuid1())
        self.id = self.instance_id + "._app.1"
        self.app_id = app_id
        self.version = version
        self.host, self.agent_id = agent
        self.ports = ports
        self.responders = responders
        self.state = STAGING
        self.staged_at = now_iso()
        self.started_at = None
        self.sandbox = NO_SANDBOX  # its Mesos sandbox when Mesos agents are wired in

    def as_json(self, service_ports):
        body = {
            "appId": self.app_id,
            "healthCheckResults": [],
            "host": self.host,
            "id": self.id,
            "ipAddresses": [{"ipAddress": self.host, "protocol": "IPv4"}],
            "ports": list(self.ports),
            "servicePorts": list(service_ports),
            "slaveId": self.agent_id,
            "state": self.state,
            "stagedAt": self.staged_at,
            "version": self.version,
            "localVolumes": [],
            "role": "*",
        }
        if self.started_at:
            body["startedAt"] = self.started_at
        return body

    def close(self):
        for responder in self.responders:
            responder.shutdown()
            responder.server_close()


class App(object):
    def __init__(self, definition):
        self.definition = definition
        self.tasks = {}
        self.last_task_failure = None
        self.failures = 0  # launches failed in a row: Marathon's back-off
        self.next_launch_at = 0.0

    @property
    def id(self):
        return self.definition["id"]

    @property
    def version(self):
        return self.definition["version"]

    @property
    def config_version(self):
        return self.definition["versionInfo"]["lastConfigChangeAt"]

    def live_tasks(self, current=False):
        """Live tasks (current: only those running the current configuration)."""
        return [
            task
            for task in self.tasks.values()
            if task.state in LIVE_STATES and (not current or task.version >= self.config_version)
        ]

    def as_json(self, deployments, embed_tasks, embed_failure):
        body = copy.deepcopy(self.definition)
        tasks = list(self.tasks.values())
        body.update(
            {
                "tasksStaged": sum(1 for task in tasks if task.state != RUNNING),
                "tasksRunning": sum(1 for task in tasks if task.state == RUNNING),
                "tasksHealthy": 0,
                "tasksUnhealthy": 0,
                "deployments": [{"id": deployment_id} for deployment_id in deployments],
            }
        )
        service_ports = [port["port"] for port in body.get("portDefinitions", [])]
        if embed_tasks:
            body["tasks"] = [task.as_json(service_ports) for task in tasks]
        if embed_failure and self.last_task_failure:
            body["lastTaskFailure"] = dict(self.last_task_failure)
        return body


class Deployment(object):
    def __init__(self, steps, version, held=False):
        self.id = str(uuid.uuid4())
        self.version = version
        self.steps = steps  # [[(action, app_id), ...], ...]
        self.current_step = 0
        self.held = held
        self.ended = threading.Event()

    @property
    def affected_apps(self):
        return sorted({app_id for step in self.steps for _, app_id in step})

    def plan(self):
        return {
            "id": self.id,
            "version": self.version,
            "steps": [
                {"actions": [{"action": action, "app": app_id} for action, app_id in step]}
                for step in self.steps
            ],
        }

    def as_json(self):
        current = self.steps[self.current_step - 1] if self.current_step else []
        return {
            "id": self.id,
            "version": self.version,
            "affectedApps": self.affected_apps,
            "affectedPods": [],
            "steps": self.plan()["steps"],
            "currentActions": [
                {"action": action, "app": app_id, "readinessCheckResults": []}
                for action, app_id in current
            ],
            "currentStep": self.current_step,
            "totalSteps": len(self.steps),
        }


class SseStream(object):
    """One client of /v2/events: its filter and its bounded queue of unsent frames."""

    def __init__(self, event_types, max_outstanding):
        self.event_types = set(event_types)
        self.frames = queue.Queue(maxsize=max_outstanding)
        self.closed = threading.Event()
        self.stalled = threading.Event()  # test control: the connection goes silent
        self.sent = 0  # events written (heartbeats not counted)

    def offer(self, event_type, data):
        if self.event_types and event_type not in self.event_types:
            return
        self.offer_frames(("event: %s\r\ndata: %s\r\n\r\n" % (event_type, data)).encode("utf-8"))

    def offer_frames(self, frames):
        try:
            self.frames.put_nowait(frames)
        except queue.Full:  # a slow consumer: Marathon closes its connection
            self.close()

    def close(self):
        self.closed.set()
        try:
            self.frames.put_nowait(None)  # wakes the writer
        except queue.Full:
            pass


class TaskResponderHandler(http.server.BaseHTTPRequestHandler):
    """What runs in a task: answers every GET with the status the test set for its app."""

    def do_GET(self):
        status = self.server.cluster.http_status_of(self.server.app_id)
        self.server.sandbox.write("stdout", "%s INFO  GET %s %d" % (log_time(), self.path, status))
        body = ("%s %s\n" % (self.server.task_id, self.path)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class TaskResponder(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def __init__(self, cluster, host, app_id, task_id, sandbox):
        http.server.HTTPServer.__init__(self, (host, 0), TaskResponderHandler)
        self.cluster, self.app_id, self.task_id = cluster, app_id, task_id
        self.sandbox = sandbox
        threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    @property
    def port(self):
        return self.server_address[1]


class MarathonCluster(object):
    """The state behind one or more Marathon front ends (an HA Marathon shares its state)."""

    def __init__(
        self, start_delay=0.05, agents=None, check_fetch=True, max_outstanding=50, mesos=None
    ):
        self.start_delay = start_delay
        self.mesos = mesos  # MesosAgents: tasks get sandboxes there
        self.agents = list(agents or (mesos.addresses() if mesos else DEFAULT_AGENTS))
        self.check_fetch = check_fetch
        self.max_outstanding = max_outstanding
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.apps = {}
        self.groups = set()
        self.deployments = {}
        self.streams = {}  # SseStream -> front end
        self.cut_after = None  # test control: streams close after this many events
        self.released = threading.Event()  # set on stop: stalled streams let go
        self.events = []  # (event_type, body) in publication order, for tests
        self.leader = None
        self.requests = []  # (method, path, status) answered, for tests
        self.starved_apps = set()  # apps no offer fits: their tasks wait in the queue
        self.failing_apps = {}  # app id -> the message its tasks fail with
        self.http_statuses = {}  # app id -> the status its responders answer
        self.start_delays = {}  # app id -> its own start_delay (a slow or quick app)
        self.app_output = {}  # app id -> [(file, line)] its tasks print when they start
        self.next_service_port = FIRST_SERVICE_PORT
        self.next_agent = 0
        self.stopped = False

    # -- the event bus ------------------------------------------------------------------------

    def publish(self, event_type, body):
        body["eventType"] = event_type
        body["timestamp"] = now_iso()
        data = json.dumps(body, separators=(",", ":"))
        with self.lock:
            self.events.append((event_type, body))
            for stream in list(self.streams):
                stream.offer(event_type, data)
            self.changed.notify_all()

    def attach(self, stream, front_end, remote_address):
        with self.lock:
            self.streams[stream] = front_end
        body = event_template("event_stream_attached")
        body["remoteAddress"] = remote_address
        self.publish("event_stream_attached", body)

    def detach(self, stream):
        with self.lock:
            self.streams.pop(stream, None)
        stream.close()

    # -- apps and groups ------------------------------------------------------------------------

    def normalize(self, submitted, app_id, version, previous=None):
        """Marathon's normalization of a submitted app; a port 0 gets a service port, the ones
        the previous definition had first (AssignDynamicServiceLogic)."""
        definition = copy.deepcopy(APP_DEFAULTS)
        definition.update(copy.deepcopy(submitted))
        definition["id"] = app_id
        definition["version"] = version
        definition["versionInfo"] = {"lastScalingAt": version, "lastConfigChangeAt": version}
        if "container" in definition:
            definition["container"].setdefault("volumes", [])
        for artifact in definition.get("fetch", []):
            for key, value in FETCH_DEFAULTS.items():
                artifact.setdefault(key, value)
        if all(network.get("mode") == "host" for network in definition["networks"]):
            ports = definition.setdefault("portDefinitions", [{"port": 0, "name": "default"}])
            reusable = [
                port["port"]
                for port in (previous or {}).get("portDefinitions", [])
                if port["port"] not in [given.get("port") for given in ports]
            ]
            for port in ports:
                port.setdefault("protocol", "tcp")
                if not port.get("port"):
                    port["port"] = reusable.pop(0) if reusable else self._new_service_port()
        for key in ("env", "fetch", "healthChecks", "constraints", "dependencies"):
            if key in definition and not definition[key]:
                del definition[key]
        return definition

    def _new_service_port(self):
        self.next_service_port += 1
        return self.next_service_port - 1

    def add_groups_of(self, app_id):
        parts = app_id.strip("/").split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            self.groups.add("/" + "/".join(parts[:depth]))

    def deployments_holding(self, app_ids):
        return [
            deployment.id
            for deployment in self.deployments.values()
            if set(deployment.affected_apps) & set(app_ids)
        ]

    def check_lock(self, app_ids, force):
        """409 app locked unless force; with force the holding deployments are cancelled."""
        holders = self.deployments_holding(app_ids)
        if holders and not force:
            message = load_json("marathon", "rest", "error_409_app_locked.json")["message"]
            raise error_reply(
                409,
                "error_409_app_locked",
                message.replace("<DEPLOYMENT_ID>", holders[0]),
                deployments=[{"id": holder} for holder in holders],
            )
        for holder in holders:
            self.end_deployment(self.deployments[holder], "The upgrade has been cancelled")

    def create_app(self, submitted, force=False):
        with self.lock:
            app_id = absolute_id(submitted["id"])
            if app_id in self.apps:
                raise error_reply(
                    409, "error_409_app_exists", "An app with id [%s] already exists." % app_id
                )
            self.check_lock([app_id], force)  # e.g. its removal is still being deployed
            return self._put_new_app(submitted, app_id)

    def _put_new_app(self, submitted, app_id):
        version = now_iso()
        app = App(self.normalize(submitted, app_id, version))
        self.apps[app_id] = app
        self.add_groups_of(app_id)
        deployment = self.start_deployment(
            [[("StartApplication", app_id)], [("ScaleApplication", app_id)]], version
        )
        return app, deployment

    def replace_app(self, app_id, submitted, force=False, partial=True):
        """PUT: (deployment, created). partial (Marathon's default) merges into the current
        definition; otherwise the body replaces it."""
        with self.lock:
            self.check_lock([app_id], force)
            if app_id not in self.apps:
                _, deployment = self._put_new_app(submitted, app_id)
                return deployment, True
            app = self.apps[app_id]
            version = now_iso()
            old = app.definition
            base = copy.deepcopy(old) if partial else {}
            base.update(copy.deepcopy(submitted))
            new = self.normalize(base, app_id, version, previous=old)
            app.definition = new
            if self._only_scaled(old, new):
                # Marathon keeps the configuration's version: the tasks still run it.
                new["versionInfo"]["lastConfigChangeAt"] = old["versionInfo"]["lastConfigChangeAt"]
                steps = [[("ScaleApplication", app_id)]]
            else:
                steps = [[("RestartApplication", app_id)]]
            return self.start_deployment(steps, version), False

    @staticmethod
    def _only_scaled(old, new):
        strip = ("version", "versionInfo", "instances")
        return {k: v for k, v in old.items() if k not in strip} == {
            k: v for k, v in new.items() if k not in strip
        }

    def delete_app(self, app_id, force=True):
        with self.lock:
            if app_id not in self.apps:
                raise error_reply(404, "error_404_app", "App '%s' does not exist" % app_id)
            self.check_lock([app_id], force)
            return self._stop_apps([app_id])

    def _stop_apps(self, app_ids):
        version = now_iso()
        dying = {app_id: self.apps.pop(app_id) for app_id in app_ids}
        steps = [[("StopApplication", app_id) for app_id in app_ids]] if app_ids else []
        return self.start_deployment(steps, version, dying=dying)

    def delete_group(self, group_id, force=False):
        with self.lock:
            if group_id not in self.groups:
                raise error_reply(404, "error_404_group", "Group '%s' does not exist" % group_id)
            members = [app_id for app_id in self.apps if app_id.startswith(group_id + "/")]
            self.check_lock(members, force)
            self.groups = {
                group
                for group in self.groups
                if group != group_id and not group.startswith(group_id + "/")
            }
            return self._stop_apps(members)

    def group_json(self, group_id):
        with self.lock:
            if group_id != "/" and group_id not in self.groups:
                raise error_reply(404, "error_404_group", "Group '%s' does not exist" % group_id)
            prefix = group_id.rstrip("/") + "/"
            apps = [
                self.app_json(app_id, False)
                for app_id in sorted(self.apps)
                if app_id.rsplit("/", 1)[0] + "/" == prefix
            ]
            children = [
                group
                for group in sorted(self.groups)
                if group.startswith(prefix) and "/" not in group[len(prefix) :]
            ]
            return {
                "id": group_id,
                "apps": apps,
                "groups": [self.group_json(child) for child in children],
                "pods": [],
                "dependencies": [],
                "version": now_iso(),
                "enforceRole": False,
            }

    def app_json(self, app_id, embed_tasks=True, embed_failure=True):
        with self.lock:
            if app_id not in self.apps:
                raise error_reply(404, "error_404_app", "App '%s' does not exist" % app_id)
            return self.apps[app_id].as_json(
                self.deployments_holding([app_id]), embed_tasks, embed_failure
            )

    # -- deployments ----------------------------------------------------------------------------

    def start_deployment(self, steps, version, dying=None, held=False):
        deployment = Deployment(steps, version, held=held)
        self.deployments[deployment.id] = deployment
        self.publish(
            "group_change_success",
            dict(event_template("group_change_success"), groupId="/", version=version),
        )
        threading.Thread(
            target=self._run_deployment,
            args=(deployment, dying or {}),
            daemon=True,
            name="deployment-" + deployment.id[:8],
        ).start()
        return deployment

    def _deployment_event(self, event_type, deployment, step=None, **extra):
        body = event_template(event_type)
        body["plan"] = deployment.plan()
        if "id" in body:
            body["id"] = deployment.id
        if step is not None:
            body["currentStep"] = {
                "actions": [{"action": action, "app": app_id} for action, app_id in step]
            }
        body.update(extra)
        self.publish(event_type, body)

    def _run_deployment(self, deployment, dying):
        if deployment.held:
            deployment.ended.wait()
            return
        for index, step in enumerate(deployment.steps, 1):
            with self.lock:
                if deployment.ended.is_set():
                    return
                deployment.current_step = index
            self._deployment_event("deployment_info", deployment, step)
            for action, app_id in step:
                if not self._perform(deployment, action, app_id, dying):
                    return
            self._deployment_event("deployment_step_success", deployment, step)
        with self.lock:
            if deployment.ended.is_set():
                return
            self.deployments.pop(deployment.id, None)
            deployment.ended.set()
        self._deployment_event("deployment_success", deployment)

    def _perform(self, deployment, action, app_id, dying):
        """Carry out one action; False when the deployment ended meanwhile."""
        if action == "StopApplication":
            app = dying[app_id]
            with self.lock:
                for task in list(app.tasks.values()):
                    self._kill(app, task, "TASK_KILLED", "Container exited with status 143")
            self.publish(
                "app_terminated_event", dict(event_template("app_terminated_event"), appId=app_id)
            )
            return True
        if action == "StartApplication":
            return True
        return self._converge(deployment, app_id, restart=(action == "RestartApplication"))

    def _converge(self, deployment, app_id, restart):
        """Launch tasks until the app's instances of its current version run (no health checks:
        running is ready), relaunching failed ones after a back-off; then the surplus and, on a
        restart, the older version's tasks are killed."""
        while True:
            with self.lock:
                app = self.apps.get(app_id)
                if deployment.ended.is_set() or self.stopped:
                    return False
                if app is None:
                    return True
                wanted = app.definition["instances"]
                current = sorted(
                    app.live_tasks(current=True), key=lambda task: task.state != RUNNING
                )
                if len([task for task in current if task.state == RUNNING]) >= wanted:
                    self._kill_surplus(app, current[wanted:], restart)
                    return True
                if time.monotonic() >= app.next_launch_at and app_id not in self.starved_apps:
                    for _ in range(wanted - len(current)):
                        self._launch(app)
                self.changed.wait(timeout=max(self.start_delay, 0.01))

    def _kill_surplus(self, app, surplus, restart):
        older = [task for task in app.tasks.values() if task.version < app.config_version]
        for task in list(surplus) + (older if restart else []):
            self._kill(app, task, "TASK_KILLED", "Container exited with status 143")

    # -- tasks ----------------------------------------------------------------------------------

    def _pick_agent(self, avoid_host=None):
        for _ in range(len(self.agents)):
            agent = self.agents[self.next_agent % len(self.agents)]
            self.next_agent += 1
            if agent[0] != avoid_host:
                return agent
        return self.agents[0]

    def _launch(self, app, avoid_host=None):
        agent = self._pick_agent(avoid_host)
        port_count = max(1, len(app.definition.get("portDefinitions", [])))
        task = Task(app.id, app.version, agent, [], [])
        if self.mesos is not None:
            task.sandbox = self.mesos.launch(task.agent_id, task.id, task_name(app.id))
        task.responders = [
            TaskResponder(self, agent[0], app.id, task.id, task.sandbox) for _ in range(port_count)
        ]
        task.ports = [responder.port for responder in task.responders]
        app.tasks[task.id] = task
        self._status_event(task, STAGING, "", slave_id="")
        delay = self.start_delays.get(app.id, self.start_delay)
        threading.Timer(delay, self._start, args=(app, task)).start()
        return task

    def _start(self, app, task):
        fetch_failure = self._fetch_failure(app.definition)
        with self.lock:
            if task.id not in app.tasks or self.stopped:
                return
            if not fetch_failure:
                self._run_container(app, task)
            failure = fetch_failure or self.failing_apps.get(app.id)
            if failure:
                self._kill(app, task, "TASK_FAILED", failure)
                app.failures += 1
                back_off = self.start_delay * min(2**app.failures, 16)
                app.next_launch_at = time.monotonic() + back_off
                return
            app.failures = 0
            task.sandbox.write(
                "stdout",
                "%s INFO  %s started on port %d"
                % (log_time(), app.id.rsplit("/", 1)[-1], task.ports[0]),
            )
            self._status_event(task, STARTING, "")
            task.state, task.started_at = RUNNING, now_iso()
            self._status_event(task, RUNNING, "")
            self.changed.notify_all()

    def _run_container(self, app, task):
        """The executor starts the task's container: the app prints what it was set to."""
        task.sandbox.start(task.host)
        for name, line in self.app_output.get(app.id, []):
            task.sandbox.write(name, line)

    def _fetch_failure(self, definition):
        """The Mesos fetcher's failure message when an artifact URI cannot be fetched, else None.
        Only file:// paths and loopback http(s) URLs are tried: nothing else is ever contacted."""
        if not self.check_fetch:
            return None
        for artifact in definition.get("fetch", []):
            if not self._fetchable(artifact["uri"]):
                message = event_template("status_update_event_TASK_FAILED_fetch")["message"]
                return re.sub(r"container '[^']+'", "container '%s'" % uuid.uuid4(), message)
        return None

    @staticmethod
    def _fetchable(uri):
        parsed = urllib.parse.urlsplit(uri)
        if parsed.scheme == "file" or parsed.scheme == "":
            return os.path.exists(urllib.parse.unquote(parsed.path))
        if parsed.scheme in ("http", "https") and (parsed.hostname or "").startswith("127."):
            try:
                with urllib.request.urlopen(uri, timeout=5) as reply:
                    return reply.status < 400
            except OSError:
                return False
        return False

    def _kill(self, app, task, state, message):
        task.state = state
        task.sandbox.end(state, message)
        self._status_event(task, state, message)
        app.tasks.pop(task.id, None)
        if state != "TASK_KILLED":
            app.last_task_failure = {
                "appId": app.id,
                "host": task.host,
                "message": message,
                "state": state,
                "taskId": task.id,
                "timestamp": now_iso(),
                "version": task.version,
                "slaveId": task.agent_id,
            }
        task.close()
        self.changed.notify_all()

    def _status_event(self, task, state, message, slave_id=None):
        body = event_template("status_update_event_" + state)
        body.update(
            {
                "slaveId": task.agent_id if slave_id is None else slave_id,
                "taskId": task.id,
                "taskStatus": state,
                "message": message,
                "appId": task.app_id,
                "host": task.host,
                "ports": list(task.ports),
                "version": task.version,
                "ipAddresses": (
                    []
                    if state in (STAGING, STARTING)
                    else [{"ipAddress": task.host, "protocol": "IPv4"}]
                ),
            }
        )
        self.publish("status_update_event", body)
        condition = {
            STAGING: "Staging",
            STARTING: "Starting",
            RUNNING: "Running",
            "TASK_KILLED": "Killed",
            "TASK_FAILED": "Failed",
            "TASK_FINISHED": "Finished",
        }.get(state, "Unknown")
        self.publish(
            "instance_changed_event",
            dict(
                event_template("instance_changed_event"),
                instanceId=task.instance_id,
                condition=condition,
                runSpecId=task.app_id,
                agentId=task.agent_id,
                host=task.host,
                runSpecVersion=task.version,
            ),
        )

    def http_status_of(self, app_id):
        with self.lock:
            return self.http_statuses.get(app_id, 200)

    def end_deployment(self, deployment, reason):
        """Stop a deployment as failed (deployment_step_failure, then deployment_failed)."""
        with self.lock:
            if deployment.ended.is_set():
                return
            deployment.ended.set()
            self.deployments.pop(deployment.id, None)
            step = deployment.steps[deployment.current_step - 1] if deployment.current_step else []
        self._deployment_event("deployment_step_failure", deployment, step)
        self._deployment_event("deployment_failed", deployment, reason=reason)

    def queue_json(self):
        """The launch queue: apps of running deployments still short of instances."""
        entries = []
        template = load_json("marathon", "rest", "queue_get.json")["queue"][0]
        with self.lock:
            for app in self.apps.values():
                missing = app.definition["instances"] - len(
                    [task for task in app.live_tasks(current=True) if task.state == RUNNING]
                )
                if missing > 0 and self.deployments_holding([app.id]):
                    entry = copy.deepcopy(template)
                    entry.update(
                        count=missing, since=app.version, app=app.as_json([], False, False)
                    )
                    entries.append(entry)
        return {"queue": entries}

    def stop(self):
        self.released.set()
        with self.lock:
            self.stopped = True
            for deployment in list(self.deployments.values()):
                deployment.ended.set()
            for stream in list(self.streams):
                stream.close()
            for app in self.apps.values():
                for task in app.tasks.values():
                    task.close()
            self.changed.notify_all()


class MarathonHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    # -- plumbing -------------------------------------------------------------------------------

    @property
    def front(self):
        return self.server.front_end

    @property
    def cluster(self):
        return self.server.front_end.cluster

    def log_message(self, *args):
        pass

    def _query(self):
        return urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)

    def _path(self):
        return urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)

    def _flag(self, name, default):
        values = self._query().get(name)
        return default if not values else values[-1].lower() == "true"

    def _send(self, status, body, headers=None, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError as exc:
            raise HttpReply(400, {"message": "Invalid JSON", "details": str(exc)}) from exc
        if not isinstance(body, dict):
            raise HttpReply(
                400,
                {
                    "message": "Invalid JSON",
                    "details": [{"path": "", "errors": ["error.expected.jsobject"]}],
                },
            )
        return body

    def _authorized(self):
        expected = self.front.credentials
        if not expected:
            return True
        given = self.headers.get("Authorization", "")
        token = base64.b64encode(expected.encode("utf-8")).decode("ascii")
        return given == "Basic " + token

    def _dispatch(self, method):
        if not self._authorized():
            # Jetty's BasicAuthenticator: challenge header, HTML error page.
            self._send(
                401,
                b"<html><body><h2>HTTP ERROR 401</h2><p>Unauthorized</p></body></html>",
                {"WWW-Authenticate": 'basic realm="%s"' % REALM},
                "text/html;charset=utf-8",
            )
            return
        path = self._path()
        if method == "GET" and path == "/v2/events":
            return self._events()
        try:
            status, body, headers = self._route(method, path)
        except HttpReply as reply:
            status, body, headers = reply.status, reply.body, reply.headers
        with self.cluster.lock:
            self.cluster.requests.append((method, path, status))
        if isinstance(body, str):
            self._send(status, body.encode(), headers, "text/plain")
        else:
            self._send(status, body, headers)

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    # -- routes ---------------------------------------------------------------------------------

    def _route(self, method, path):
        routes = [
            ("GET", r"/ping", self._ping),
            ("GET", r"/v2/info", self._info),
            ("GET", r"/v2/leader", self._leader),
            ("GET", r"/v2/apps/?", self._list_apps),
            ("POST", r"/v2/apps/?", self._create_app),
            ("GET", r"/v2/apps(/.+)", self._show_app),
            ("PUT", r"/v2/apps(/.+)", self._replace_app),
            ("DELETE", r"/v2/apps(/.+)", self._delete_app),
            ("GET", r"/v2/groups/?", lambda: (200, self.cluster.group_json("/"), {})),
            ("GET", r"/v2/groups(/.+)", self._show_group),
            ("DELETE", r"/v2/groups(/.+)", self._delete_group),
            ("GET", r"/v2/deployments/?", self._deployments),
            ("DELETE", r"/v2/deployments/([^/]+)", self._cancel_deployment),
            ("GET", r"/v2/queue/?", lambda: (200, self.cluster.queue_json(), {})),
        ]
        for route_method, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                return handler(*match.groups())
        return 404, {"message": "URI not found"}, {}

    def _ping(self):
        return 200, "pong\n", {}

    def _info(self):
        info = load_json("marathon", "rest", "info_get.json")
        leader = self.cluster.leader
        info.update(leader=leader and leader.hostport, elected=leader is self.front)
        info["marathon_config"]["hostname"] = "127.0.0.1"
        info["marathon_config"]["webui_url"] = self.front.url
        return 200, info, {}

    def _leader(self):
        leader = self.cluster.leader
        if leader is None:
            return 404, load_json("marathon", "rest", "leader_404.json"), {}
        return (
            200,
            dict(load_json("marathon", "rest", "leader_get.json"), leader=leader.hostport),
            {},
        )

    def _list_apps(self):
        query = self._query()
        embed = query.get("embed", [])
        wanted = query.get("id", [""])[-1].lower()  # Marathon: the id contains it
        with self.cluster.lock:
            apps = [
                self.cluster.app_json(
                    app_id, "apps.tasks" in embed, "apps.lastTaskFailure" in embed
                )
                for app_id in sorted(self.cluster.apps)
                if wanted in app_id.lower()
            ]
        return 200, {"apps": apps}, {}

    def _validated(self, body, app_id=None, whole=True):
        raw_id = body.get("id", app_id)
        if not isinstance(raw_id, str):
            raise error_reply(400, "error_400_invalid_json")
        details = []
        errors = id_errors(raw_id)
        if errors:
            details.append({"path": "/id", "errors": errors})
        if whole and not (body.get("cmd") or body.get("args") or body.get("container")):
            details.append(
                {
                    "path": "/",
                    "errors": [
                        "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'."
                    ],
                }
            )
        if details:
            raise error_reply(422, "error_422_validation", details=details)
        return body

    def _create_app(self):
        body = self._validated(self._body())
        app, deployment = self.cluster.create_app(body, self._flag("force", False))
        info = app.as_json([deployment.id], False, False)
        del info["versionInfo"]  # a fresh app reports `version` only
        return 201, info, {"Location": app.id, "Marathon-Deployment-Id": deployment.id}

    def _show_app(self, app_id):
        return 200, {"app": self.cluster.app_json(absolute_id(app_id))}, {}

    def _replace_app(self, app_id):
        app_id = absolute_id(app_id)
        body = self._validated(self._body(), app_id, whole=False)
        deployment, created = self.cluster.replace_app(
            app_id, body, self._flag("force", False), self._flag("partialUpdate", True)
        )
        headers = {"Marathon-Deployment-Id": deployment.id}
        if created:
            headers["Location"] = app_id
        return (
            (201 if created else 200),
            {"deploymentId": deployment.id, "version": deployment.version},
            headers,
        )

    def _delete_app(self, app_id):
        deployment = self.cluster.delete_app(absolute_id(app_id), self._flag("force", True))
        return (
            200,
            {"deploymentId": deployment.id, "version": deployment.version},
            {"Marathon-Deployment-Id": deployment.id},
        )

    def _show_group(self, group_id):
        return 200, self.cluster.group_json(absolute_id(group_id)), {}

    def _delete_group(self, group_id):
        deployment = self.cluster.delete_group(absolute_id(group_id), self._flag("force", False))
        return (
            200,
            {"deploymentId": deployment.id, "version": deployment.version},
            {"Marathon-Deployment-Id": deployment.id},
        )

    def _deployments(self):
        with self.cluster.lock:
            return (
                200,
                [deployment.as_json() for deployment in self.cluster.deployments.values()],
                {},
            )

    def _cancel_deployment(self, deployment_id):
        cluster = self.cluster
        with cluster.lock:
            deployment = cluster.deployments.get(deployment_id)
            if deployment is None:
                return 404, {"message": "DeploymentPlan %s does not exist" % deployment_id}, {}
        cluster.end_deployment(deployment, "The upgrade has been cancelled")
        if self._flag("force", False):
            return 202, b"", {}
        # Without force Marathon reverts with a new deployment: new apps of the plan go away.
        with cluster.lock:
            created = [
                app_id
                for step in deployment.steps
                for action, app_id in step
                if action == "StartApplication" and app_id in cluster.apps
            ]
            revert = cluster._stop_apps(created)
        return (
            200,
            {"deploymentId": revert.id, "version": revert.version},
            {"Marathon-Deployment-Id": revert.id},
        )

    # -- the event stream -----------------------------------------------------------------------

    def _events(self):
        if self.headers.get("Accept") != "text/event-stream":
            self.close_connection = True
            raw = load_bytes("marathon", "events", "sse_405_wrong_accept.txt")
            self.wfile.write(raw)  # the recorded reply, head and body
            return
        self.close_connection = True
        leader = self.cluster.leader
        if self.front.standby_redirects and leader not in (None, self.front):
            # Marathon before 1.0 (RedirectFilter) sent clients to the leader instead
            self._send(307, b"", {"Location": leader.url + self.path})
            return
        self.wfile.write(
            load_bytes("marathon", "events", "sse_http_response_head.txt").replace(
                b"Tue, 05 Sep 2023 08:12:00 GMT", self.date_time_string().encode()
            )
        )
        self.wfile.flush()
        cluster = self.cluster
        if cluster.leader is not self.front:
            return  # standby: the handle is closed at once
        stream = SseStream(self._query().get("event_type", []), cluster.max_outstanding)
        cluster.attach(stream, self.front, self.client_address[0])
        try:
            self._pump(stream)
        finally:
            cluster.detach(stream)

    def _pump(self, stream):
        while True:
            if stream.stalled.is_set():
                self.cluster.released.wait()  # silent, the connection held open
                return
            if stream.closed.is_set():
                return
            try:
                frame = stream.frames.get(timeout=self.front.heartbeat_interval)
            except queue.Empty:
                frame = b"\r\n"  # Jetty's heartbeat: a bare CRLF
            if frame is None or stream.closed.is_set() or stream.stalled.is_set():
                continue
            try:
                self.wfile.write(frame)
                self.wfile.flush()
            except OSError:
                return
            if frame != b"\r\n":
                stream.sent += 1
                if self.cluster.cut_after and stream.sent >= self.cluster.cut_after:
                    return


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class MarathonDouble(object):
    """One Marathon front end on 127.0.0.1 (start/stop, or use it as a context manager).

    credentials: "user:password" for Basic auth (None: open). start_delay: seconds from
    TASK_STAGING to TASK_RUNNING. cluster: share another double's state (an HA pair); the first
    front end of a cluster is its leader. heartbeat_interval: seconds between SSE heartbeats.
    tls: (certificate file, key file) to serve https instead of http. standby_redirects: while
    not the leader, answer /v2/events with a 307 to the leader (as Marathon before 1.0 did).
    """

    def __init__(
        self,
        credentials=None,
        start_delay=0.05,
        cluster=None,
        heartbeat_interval=10.0,
        tls=None,
        standby_redirects=False,
        **cluster_options,
    ):
        self.cluster = cluster or MarathonCluster(start_delay=start_delay, **cluster_options)
        self.credentials = credentials
        self.heartbeat_interval = heartbeat_interval
        self.standby_redirects = standby_redirects
        self.tls = tls
        self._server = None

    @property
    def hostport(self):
        return "127.0.0.1:%d" % self._server.server_address[1]

    @property
    def url(self):
        return ("https://" if self.tls else "http://") + self.hostport

    def start(self):
        self._server = _Server(("127.0.0.1", 0), MarathonHandler)
        self._server.front_end = self
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        with self.cluster.lock:
            if self.cluster.leader is None:
                self.cluster.leader = self
        return self

    def stop(self):
        if self._server is None:
            return
        with self.cluster.lock:
            owned = [stream for stream, front in self.cluster.streams.items() if front is self]
            if self.cluster.leader is self:
                self.cluster.stop()
        for stream in owned:
            stream.close()
        self._server.shutdown()
        self._server.server_close()
        self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # test controls ------------------------------------------------------------------------------

    def apps(self):
        with self.cluster.lock:
            return sorted(self.cluster.apps)

    def groups(self):
        with self.cluster.lock:
            return sorted(self.cluster.groups)

    def tasks(self, app_id):
        """[(task id, state, host, port0)] of the app's tasks now."""
        with self.cluster.lock:
            app = self.cluster.apps[app_id]
            return [(task.id, task.state, task.host, task.ports[0]) for task in app.tasks.values()]

    def events(self, event_type=None):
        with self.cluster.lock:
            return [
                body
                for kind, body in self.cluster.events
                if event_type is None or kind == event_type
            ]

    def wait_for(self, predicate, timeout=10.0):
        """Wait (bounded) until predicate() is true, checking it after every state change and at
        least every 50 ms; returns its value. predicate runs outside the double's lock, so it may
        call the double's API."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    "the Marathon double did not reach the expected state in %ss" % timeout
                )
            with self.cluster.changed:
                self.cluster.changed.wait(min(remaining, 0.05))

    def kill_task(
        self,
        task_id,
        state="TASK_KILLED",
        message="Container exited with status 143",
        relaunch=True,
    ):
        """The task dies outside any deployment; Marathon relaunches it on another agent.
        Returns the new task's id (None without relaunch)."""
        cluster = self.cluster
        with cluster.lock:
            app = next(app for app in cluster.apps.values() if task_id in app.tasks)
            task = app.tasks[task_id]
            cluster._kill(app, task, state, message)
            if relaunch:
                return cluster._launch(app, avoid_host=task.host).id
        return None

    def fail_tasks(self, app_id, message="Container exited with status 1"):
        """From now on the app's tasks fail while starting (TASK_FAILED with message)."""
        with self.cluster.lock:
            self.cluster.failing_apps[app_id] = message

    def heal_tasks(self, app_id):
        """The app's tasks start normally again (undoes fail_tasks)."""
        with self.cluster.lock:
            self.cluster.failing_apps.pop(app_id, None)

    def app_prints(self, app_id, *lines, **options):
        """The app's tasks print LINES when their container starts (stream="stdout" or
        "stderr"), before they run or fail; they reach the sandbox when Mesos agents are wired
        in (MarathonDouble(mesos=MesosAgents))."""
        stream = options.get("stream", "stdout")
        with self.cluster.lock:
            self.cluster.app_output.setdefault(app_id, []).extend((stream, line) for line in lines)

    def set_start_delay(self, app_id, seconds):
        """The app's tasks take SECONDS from TASK_STAGING to TASK_RUNNING (instead of the
        cluster's start_delay), as apps that start at their own pace."""
        with self.cluster.lock:
            self.cluster.start_delays[app_id] = float(seconds)

    def definition(self, app_id):
        """The app's definition as Marathon keeps it (normalized, with version), a copy."""
        with self.cluster.lock:
            return copy.deepcopy(self.cluster.apps[app_id].definition)

    def starve(self, app_id, starved=True):
        """No resource offer fits the app (starved) or they fit again: its tasks wait in the
        launch queue meanwhile, and its deployment with them."""
        with self.cluster.lock:
            if starved:
                self.cluster.starved_apps.add(app_id)
            else:
                self.cluster.starved_apps.discard(app_id)
            self.cluster.changed.notify_all()

    def requests(self, method=None, status=None):
        """[(method, path, status)] of the REST requests answered so far."""
        with self.cluster.lock:
            return [
                entry
                for entry in self.cluster.requests
                if method in (None, entry[0]) and status in (None, entry[2])
            ]

    def answer_with(self, app_id, status):
        """The app's tasks answer every HTTP request with this status from now on."""
        with self.cluster.lock:
            self.cluster.http_statuses[app_id] = status

    def fail_deployment(self, deployment_id=None, app_id=None, reason="Failed to deploy"):
        """End a running deployment (by id, or the one holding app_id) as failed."""
        with self.cluster.lock:
            if deployment_id is None:
                deployment_id = self.cluster.deployments_holding([app_id])[0]
            deployment = self.cluster.deployments[deployment_id]
        self.cluster.end_deployment(deployment, reason)

    def hold_app(self, app_id):
        """Another deployment holds the app (PUT answers 409) until release(deployment id)."""
        with self.cluster.lock:
            deployment = self.cluster.start_deployment(
                [[("ScaleApplication", app_id)]], now_iso(), held=True
            )
            deployment.current_step = 1
            return deployment.id

    def release(self, deployment_id):
        """The held deployment finishes successfully."""
        with self.cluster.lock:
            deployment = self.cluster.deployments.pop(deployment_id)
            deployment.ended.set()
            self.cluster.changed.notify_all()
        self.cluster._deployment_event("deployment_success", deployment)

    def elect(self, front_end):
        """front_end (a double sharing this cluster; None: no leader) becomes the leader: the old
        leader closes its streams and refuses new ones."""
        cluster = self.cluster
        with cluster.lock:
            old = cluster.leader
            cluster.leader = front_end
            closing = [
                stream
                for stream, front in cluster.streams.items()
                if front is old and old is not front_end
            ]
        for stream in closing:
            stream.close()

    def cut_every(self, events):
        """Every event stream is closed after it has sent this many events (None: never)."""
        with self.cluster.lock:
            self.cluster.cut_after = events

    def stall_streams(self):
        """The open event streams go silent (no events, no heartbeats) and stay open, as a
        connection that a proxy or the network stopped forwarding."""
        with self.cluster.lock:
            streams = list(self.cluster.streams)
        for stream in streams:
            stream.stalled.set()
            stream.close()  # off the bus; its connection is held open, silent

    def send_raw(self, event_type, data):
        """Every open stream (that takes EVENT_TYPE) gets a frame whose data line is DATA as
        given: malformed events, which Marathon never publishes."""
        with self.cluster.lock:
            for stream in list(self.cluster.streams):
                stream.offer(event_type, data)

    def send_frames(self, frames):
        """Every open stream gets FRAMES (encoded `event:`/`data:` frames, many at once) in one
        write, whatever their types: for benchmarks, which must not measure the double's
        encoding."""
        with self.cluster.lock:
            for stream in list(self.cluster.streams):
                stream.offer_frames(frames)

    def cut_streams(self):
        """Close every open event stream (as a proxy or a network cut would)."""
        with self.cluster.lock:
            streams = list(self.cluster.streams)
        for stream in streams:
            stream.close()
