"""A Docker Engine double on a unix socket (or TCP on 127.0.0.1), built from
../shared/payloads/docker/: GET /events (chunked, one JSON object per LF-terminated line, the
`since`/`filters` semantics of moby's daemon/events: the last 256 events are buffered and those
with timeNano >= since are replayed first, `health_status` filters by prefix), GET
/containers/{id}/json (404 `No such container` once unknown) and GET /_ping. Paths may carry a
/vX.Y prefix, as the real daemon accepts.

Test controls: run a Marathon task's container (the recorded inspect document with its ids,
environment and HOST set for the task, HOST on loopback), OOM-kill it (oom, then die 137 and
State.OOMKilled, as events_stream_oom.jsonl.txt), exit it, report health, send any raw line, cut
the event streams (the daemon stays up and keeps its buffer), stop the daemon (it goes away and
forgets its buffer, as a restarted dockerd does) and start it again on the same address.
"""

import copy
import http.server
import json
import os
import queue
import socket
import socketserver
import threading
import time
import urllib.parse
import uuid

from tests.doubles.payloads import load_json

BUFFERED_EVENTS = 256  # daemon/events/events.go eventsLimit
API_VERSION = "1.41"
FUZZY_EVENTS = ("health_status", "exec_create", "exec_start")  # daemon/events/filter.go


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def version_string(self):
        return "Docker/20.10.25 (linux)"

    def do_GET(self):
        parsed = urllib.parse.urlsplit(self.path)
        path = parsed.path
        if path.startswith("/v") and path.count("/") >= 2:
            path = "/" + path.split("/", 2)[2]
        query = urllib.parse.parse_qs(parsed.query)
        engine = self.server.engine
        engine.requests.append(("GET", path))
        if path == "/_ping":
            return self._reply(200, b"OK", "text/plain; charset=utf-8")
        if path == "/events":
            return engine.stream_events(self, query)
        if path.startswith("/containers/") and path.endswith("/json"):
            container_id = urllib.parse.unquote(path[len("/containers/") : -len("/json")])
            document = engine.inspect(container_id)
            if document is None:
                body = dict(
                    load_json("docker", "error_404_no_such_container.json"),
                    message="No such container: %s" % container_id,
                )
                return self._reply(404, json.dumps(body).encode())
            return self._reply(200, json.dumps(document).encode())
        return self._reply(404, b'{"message":"page not found"}')

    def _reply(self, status, body, content_type="application/json"):
        self.send_response(status)
        self.send_header("Api-Version", API_VERSION)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def start_chunked(self):
        self.send_response(200)
        self.send_header("Api-Version", API_VERSION)
        self.send_header("Content-Type", "application/json")
        self.send_header("Docker-Experimental", "false")
        self.send_header("Ostype", "linux")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()

    def send_lines(self, lines):
        """Each line, LF-terminated (json.Encoder), as its own chunk: the daemon flushes after
        every event."""
        self.wfile.write(b"".join(b"%x\r\n%s\n\r\n" % (len(line) + 1, line) for line in lines))
        self.wfile.flush()

    def log_message(self, format, *args):
        pass


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def get_request(self):
        request, _ = self.socket.accept()
        return request, ("local", 0)  # BaseHTTPRequestHandler wants a (host, port) pair


class _TcpServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def _matches(filters, event):
    types = filters.get("type")
    if types and event.get("Type") not in types:
        return False
    wanted = filters.get("event")
    if not wanted:
        return True
    action = event.get("Action", "")
    if action in wanted:
        return True
    return any(name in FUZZY_EVENTS for name in wanted) and any(
        action.startswith(name) for name in wanted
    )


def _parse_filters(text):
    """filters=JSON: {"key": ["v", ...]} or the older {"key": {"v": true}}."""
    if not text:
        return {}
    raw = json.loads(text)
    return {key: list(value) for key, value in raw.items()}


def _parse_since(text):
    seconds, _, fraction = text.partition(".")
    return int(seconds) * 1000000000 + int((fraction + "000000000")[:9] or 0)


class DockerEngineDouble(object):
    def __init__(self, socket_path=None, tcp=False):
        self._socket_path = socket_path
        self._tcp = tcp
        self._tcp_port = 0
        self._server = None
        self._thread = None
        self._lock = threading.Lock()
        self._buffer = []  # (timeNano, event, line) of the last BUFFERED_EVENTS events
        self._subscribers = {}  # handler -> (filters, queue)
        self._containers = {}
        self.requests = []
        self.streams_opened = 0
        self._streams_gate = threading.Event()
        self._streams_gate.set()
        self.publish_times = None  # a list to record time.perf_counter() of each published event

    # Daemon life

    def start(self):
        if self._tcp:
            self._server = _TcpServer(("127.0.0.1", self._tcp_port), _Handler)
            self._tcp_port = self._server.server_address[1]
        else:
            if os.path.exists(self._socket_path):
                os.unlink(self._socket_path)
            self._server = _UnixServer(self._socket_path, _Handler)
        self._server.engine = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, kwargs={"poll_interval": 0.05}
        )
        self._thread.start()
        return self

    @property
    def address(self):
        if self._tcp:
            return "tcp://127.0.0.1:%d" % self._tcp_port
        return "unix://" + self._socket_path

    def stop(self):
        """The daemon goes away: no more connections, open streams end, the buffer is lost."""
        if self._server is None:
            return
        if not self._tcp and os.path.exists(self._socket_path):
            os.unlink(self._socket_path)  # Go removes a unix listener's file on close
        self._server.shutdown()
        self._server.server_close()
        self.cut_streams()
        self._thread.join(5)
        self._server = None
        with self._lock:
            self._buffer = []

    def cut_streams(self):
        """Every open /events connection is dropped; the daemon stays up and keeps buffering."""
        with self._lock:
            subscribers = list(self._subscribers.items())
            self._subscribers.clear()
        for handler, (_, lines) in subscribers:
            lines.put(None)
            try:
                handler.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def pause_streams(self):
        """New /events requests wait (a slow daemon) until resume_streams()."""
        self._streams_gate.clear()

    def resume_streams(self):
        self._streams_gate.set()

    def subscribers(self):
        with self._lock:
            return len(self._subscribers)

    # HTTP side

    def stream_events(self, handler, query):
        try:
            filters = _parse_filters((query.get("filters") or [""])[0])
            since = query.get("since")
            since_nano = _parse_since(since[0]) if since else None
        except ValueError as error:
            body = json.dumps({"message": "invalid value for 'since': %s" % error}).encode()
            return handler._reply(400, body)
        self._streams_gate.wait()
        lines = queue.Queue()
        with self._lock:
            replay = [
                line
                for nano, event, line in self._buffer
                if since_nano is not None and nano >= since_nano and _matches(filters, event)
            ]
            self._subscribers[handler] = (filters, lines)
            self.streams_opened += 1
        handler.close_connection = True
        try:
            handler.start_chunked()
            if replay:
                handler.send_lines(replay)
            while True:
                batch = lines.get()
                if batch is None:
                    return
                handler.send_lines(batch)
        except OSError:
            return
        finally:
            with self._lock:
                self._subscribers.pop(handler, None)

    def inspect(self, container_id):
        with self._lock:
            for full_id, document in self._containers.items():
                if (
                    full_id == container_id
                    or full_id.startswith(container_id)
                    or (document["Name"].lstrip("/") == container_id)
                ):
                    return copy.deepcopy(document)
        return None

    # Events

    def publish(self, events):
        """Sends events (dicts) to every matching subscriber, in one write per stream."""
        self.publish_prepared(self.prepare(events))

    @staticmethod
    def prepare(events):
        """Events encoded as the daemon writes them (compact JSON), ready for publish_prepared
        (a benchmark encodes before it starts the clock)."""
        return [
            (event.get("timeNano", 0), event, json.dumps(event, separators=(",", ":")).encode())
            for event in events
        ]

    def publish_prepared(self, encoded):
        with self._lock:
            if self.publish_times is not None:
                self.publish_times.extend([time.perf_counter()] * len(encoded))
            self._buffer.extend(encoded)
            del self._buffer[:-BUFFERED_EVENTS]
            targets = list(self._subscribers.values())
        for filters, lines in targets:
            matching = [line for _, event, line in encoded if _matches(filters, event)]
            if matching:
                lines.put(matching)

    def send_raw(self, line):
        """A raw line (bytes, no LF) to every subscriber, whatever their filters."""
        with self._lock:
            targets = list(self._subscribers.values())
        for _, lines in targets:
            lines.put([line])

    def container_event(self, action, container_id, **attributes):
        """An event shaped like the recorded event_container_<action>.json for this container."""
        template = {"health_status": "event_container_health_status.json"}.get(
            action.split(":")[0], "event_container_%s.json" % action
        )
        event = copy.deepcopy(load_json("docker", template))
        document = self._containers[container_id]
        now = time.time_ns()
        event.update(
            status=action, id=container_id, Action=action, time=now // 1000000000, timeNano=now
        )
        event["Actor"]["ID"] = container_id
        attrs = event["Actor"]["Attributes"]
        attrs.update(
            name=document["Name"].lstrip("/"),
            MESOS_TASK_ID=document["Config"]["Labels"]["MESOS_TASK_ID"],
        )
        attrs.pop("exitCode", None)
        attrs.update({key: str(value) for key, value in attributes.items()})
        return event

    # Containers of Marathon tasks

    def run_task(self, app_id, task_id, host="127.0.0.1", labels=None):
        """A running container for this Marathon task; its full id."""
        document = copy.deepcopy(load_json("docker", "container_inspect_running.json"))
        container_id = uuid.uuid4().hex + uuid.uuid4().hex
        mesos_container = str(uuid.uuid4())
        document["Id"] = container_id
        document["Name"] = "/mesos-" + mesos_container
        env = [
            item
            for item in document["Config"]["Env"]
            if not item.startswith(
                (
                    "MARATHON_APP_ID=",
                    "MESOS_TASK_ID=",
                    "HOST=",
                    "MARATHON_APP_LABEL",
                    "MESOS_CONTAINER_NAME=",
                )
            )
        ]
        env += [
            "MARATHON_APP_ID=" + app_id,
            "MESOS_TASK_ID=" + task_id,
            "HOST=" + host,
            "MESOS_CONTAINER_NAME=mesos-" + mesos_container,
        ]
        for key, value in sorted((labels or {}).items()):
            name = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in key).upper()
            env.append("MARATHON_APP_LABEL_%s=%s" % (name, value))
        env.append(
            "MARATHON_APP_LABELS="
            + " ".join(
                "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in key).upper()
                for key in sorted(labels or {})
            )
        )
        document["Config"]["Env"] = env
        document["Config"]["Labels"] = {"MESOS_TASK_ID": task_id}
        with self._lock:
            self._containers[container_id] = document
        return container_id

    def oom_kill(self, container_id):
        """The kernel OOM-kills the container: `oom`, then `die` with exitCode 137."""
        killed = load_json("docker", "container_inspect_oom_killed.json")
        with self._lock:
            self._containers[container_id]["State"] = killed["State"]
        self.publish(
            [
                self.container_event("oom", container_id),
                self.container_event("die", container_id, exitCode=137),
            ]
        )

    def exit(self, container_id, code):
        with self._lock:
            state = self._containers[container_id]["State"]
            state.update(Status="exited", Running=False, Pid=0, ExitCode=code)
        self.publish([self.container_event("die", container_id, exitCode=code)])

    def health(self, container_id, status):
        self.publish([self.container_event("health_status: " + status, container_id)])

    def remove(self, container_id):
        with self._lock:
            self._containers.pop(container_id, None)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
