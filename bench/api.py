"""REST API benchmark: a real `st2lite serve` (auth on, a fresh state directory, free loopback
ports) driven over HTTP as StackStorm's clients drive it.

Prints one `name: value unit` line per figure and exits 1 when a figure misses its target (2 when
a measured run itself went wrong):

    serve_idle_rss: X MB              resident memory of `st2lite serve` and its child processes
                                      (VmRSS from /proc, summed) after start-up, a login and a few
                                      requests and executions (<= 150)
    executions_per_second: X /s       `core.noop` executions created by POST /api/v1/executions
                                      from CLIENTS concurrent clients, each on one keep-alive
                                      connection, that reached `succeeded`, per second from the
                                      first request to the moment all had succeeded (>= 100)
    stream_update_latency_p99: X ms   99th percentile, over LATENCY_EXECUTIONS executions run one
                                      after the other with a stream client connected, of the
                                      time from an execution's final update (its end_timestamp,
                                      stamped by the server as it writes that update) to the
                                      receipt of its `st2.execution__update` on /stream (< 50)
    big_result_get_execution: X s     GET /api/v1/executions/{id} of an execution whose result is
                                      BIG_RESULT_BYTES of JSON, body read and parsed (< 1)
    big_result_get_result: X s        GET /api/v1/executions/{id}/result of the same (< 1)

The server runs the packs of a generated pack (`apibench`, with a python action returning the
big result) and st2lite's built-in `core`; the bench talks to it through the helpers of the API
tests (tests/api/api_testkit.py). Server and client share the machine's two cores: on a busy
machine every figure is worse than the server alone could do.
`--profile FILE` runs the server under `py-spy record` (when py-spy is installed) and writes a
flame graph of the whole run to FILE.
"""

import argparse
import http.client
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import datetime, timezone

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from tests.api.api_testkit import ST2LITE, Sse, logged_in, start_server  # noqa: E402

PACK = "apibench"
CLIENTS = 8
THROUGHPUT_EXECUTIONS = 1000
LATENCY_EXECUTIONS = 200
WARMUP_EXECUTIONS = 5
BIG_RESULT_BYTES = 10 * 1024 * 1024
SUCCEEDED_WAIT_SECONDS = 120
EVENT_WAIT_SECONDS = 10

TARGET_IDLE_RSS_MB = 150.0
TARGET_EXECUTIONS_PER_SECOND = 100.0
TARGET_STREAM_P99_MS = 50.0
TARGET_BIG_RESULT_SECONDS = 1.0

BIG_RESULT_ACTION = '''
from st2common.runners.base_action import Action


class BigResult(Action):
    """A result of about `size` bytes of JSON: records as a history page would list them."""

    def run(self, size):
        record = {"name": "item-%08d", "status": "succeeded", "detail": "x" * 120}
        count = size // (len(str(record)) + 4)
        return [dict(record, name=record["name"] % n, n=n) for n in range(count)]
'''


class BenchRunError(Exception):
    """A measured run did not do what it measures (e.g. an execution failed): one line."""


# --- the generated pack -----------------------------------------------------------------------


def write_pack(packs_dir):
    pack_dir = os.path.join(packs_dir, PACK)
    os.makedirs(os.path.join(pack_dir, "actions"))
    _write(
        os.path.join(pack_dir, "pack.yaml"),
        "ref: %s\nname: %s\ndescription: st2lite API benchmark\nversion: 0.1.0\n"
        "author: bench\nemail: bench@example.com\n" % (PACK, PACK),
    )
    _write(
        os.path.join(pack_dir, "actions", "big_result.yaml"),
        "name: big_result\nrunner_type: python-script\nentry_point: big_result.py\n"
        "parameters:\n  size: {type: integer, required: true}\n",
    )
    _write(os.path.join(pack_dir, "actions", "big_result.py"), BIG_RESULT_ACTION)


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


# --- a keep-alive JSON client -----------------------------------------------------------------


class Client(object):
    """One keep-alive HTTP connection to the API, authenticated by a token."""

    def __init__(self, api_url, token):
        parts = urllib.parse.urlsplit(api_url)
        self.prefix = parts.path
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self.headers = {"X-Auth-Token": token, "Content-Type": "application/json"}

    def call(self, method, path, body=None):
        """(status, headers, raw body bytes)."""
        data = None if body is None else json.dumps(body).encode()
        self.connection.request(method, self.prefix + path, body=data, headers=self.headers)
        response = self.connection.getresponse()
        return response.status, response.headers, response.read()

    def json(self, method, path, body=None, expect=200):
        status, _headers, data = self.call(method, path, body)
        if status != expect:
            raise BenchRunError(
                "%s %s answered %d, expected %d: %s"
                % (method, path, status, expect, _one_line(data.decode("utf-8", "replace")))
            )
        return json.loads(data.decode("utf-8"))

    def run(self, ref, parameters=None):
        """Starts an execution; its id."""
        body = {"action": ref, "parameters": parameters or {}}
        return self.json("POST", "/executions", body, expect=201)["id"]

    def close(self):
        self.connection.close()


def wait_succeeded(client, execution_id, seconds=SUCCEEDED_WAIT_SECONDS):
    """The execution once it ended; BenchRunError unless it succeeded within `seconds`."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        execution = client.json("GET", "/executions/%s?include_attributes=id,status" % execution_id)
        if execution["status"] == "succeeded":
            return execution
        if execution["status"] not in ("requested", "scheduled", "running"):
            raise BenchRunError("execution %s ended %s" % (execution_id, execution["status"]))
        time.sleep(0.05)
    raise BenchRunError("execution %s did not succeed in %d s" % (execution_id, seconds))


# --- 1. idle memory ---------------------------------------------------------------------------


def process_tree_rss_mb(pid):
    """VmRSS of pid and every descendant, summed, in MB (pages a child shares with its parent
    count twice: an upper bound)."""
    return sum(_rss_kb(p) for p in [pid] + _descendants(pid)) / 1024.0


def _descendants(pid):
    found, queue = [], [pid]
    while queue:
        parent = queue.pop()
        for task in _listdir("/proc/%d/task" % parent):
            for child in _read("/proc/%d/task/%s/children" % (parent, task)).split():
                found.append(int(child))
                queue.append(int(child))
    return found


def _rss_kb(pid):
    for line in _read("/proc/%d/status" % pid).splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0  # a process that ended meanwhile


def _listdir(path):
    try:
        return os.listdir(path)
    except OSError:
        return []


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def measure_idle_rss(server, client):
    """After start-up, a few reads and a few executions to completion, as a quiet day would."""
    client.json("GET", "/actions?limit=10")
    client.json("GET", "/executions?limit=10")
    for _ in range(WARMUP_EXECUTIONS):
        wait_succeeded(client, client.run("core.noop"))
    return process_tree_rss_mb(server.process.pid)


# --- 2. execution throughput ------------------------------------------------------------------


def measure_throughput(urls, token):
    """Executions per second: CLIENTS threads share THROUGHPUT_EXECUTIONS POSTs, each on its own
    keep-alive connection; the clock stops when the last one has succeeded."""
    errors = []
    lock = threading.Lock()
    remaining = [THROUGHPUT_EXECUTIONS]

    def post_until_done():
        client = Client(urls["api"], token)
        try:
            while True:
                with lock:
                    if remaining[0] == 0 or errors:
                        return
                    remaining[0] -= 1
                client.run("core.noop")
        except Exception as error:  # reported as the run's error below
            with lock:
                errors.append(error)
        finally:
            client.close()

    watcher = Client(urls["api"], token)
    before = succeeded_count(watcher)
    started = time.perf_counter()
    threads = [threading.Thread(target=post_until_done) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(SUCCEEDED_WAIT_SECONDS)
    if errors:
        raise BenchRunError("creating executions failed: %s" % _one_line(errors[0]))
    if any(thread.is_alive() for thread in threads):
        raise BenchRunError("the clients did not finish in %d s" % SUCCEEDED_WAIT_SECONDS)
    wait_succeeded_count(watcher, before + THROUGHPUT_EXECUTIONS)
    elapsed = time.perf_counter() - started
    watcher.close()
    return THROUGHPUT_EXECUTIONS / elapsed


def succeeded_count(client):
    """How many core.noop executions have succeeded so far (X-Total-Count of one page of one)."""
    path = "/executions?action=core.noop&status=succeeded&limit=1&include_attributes=id"
    status, headers, data = client.call("GET", path)
    if status != 200:
        raise BenchRunError("GET %s answered %d: %s" % (path, status, _one_line(data)))
    return int(headers["X-Total-Count"])


def wait_succeeded_count(client, expected):
    """Polls until `expected` core.noop executions have succeeded; BenchRunError after
    SUCCEEDED_WAIT_SECONDS."""
    deadline = time.time() + SUCCEEDED_WAIT_SECONDS
    while True:
        count = succeeded_count(client)
        if count >= expected:
            return
        if time.time() > deadline:
            raise BenchRunError(
                "%d core.noop executions succeeded in %d s, expected %d"
                % (count, SUCCEEDED_WAIT_SECONDS, expected)
            )
        time.sleep(0.02)


# --- 3. stream latency ------------------------------------------------------------------------


def measure_stream_latency(urls, token, client):
    """p99 in ms of final update -> SSE receipt, over LATENCY_EXECUTIONS executions run one at a
    time (each waits for its own event), so that every figure is the stream's own delay rather
    than a queue of executions in front of it."""
    stream = Sse(
        urls["stream"] + "/stream?events=st2.execution__update",
        headers={"X-Auth-Token": token},
        timeout=EVENT_WAIT_SECONDS,
    )
    if stream.status != 200:
        raise BenchRunError("GET /stream answered %d" % stream.status)
    latencies = []
    try:
        for _ in range(LATENCY_EXECUTIONS):
            execution_id = client.run("core.noop")
            latencies.append(_final_update_delay(stream, execution_id))
    finally:
        stream.close()
    return percentile(latencies, 99) * 1000.0


def _final_update_delay(stream, execution_id):
    """Seconds from the server stamping the execution's end to this client reading its update."""
    while True:
        try:
            event = stream.next_event()
        except OSError as error:
            raise BenchRunError(
                "no final update of %s on the stream within %d s (%s)"
                % (execution_id, EVENT_WAIT_SECONDS, error)
            ) from error
        received = time.time()
        if event is None:
            raise BenchRunError("the stream closed before the update of %s" % execution_id)
        _id, name, data = event
        if name != "st2.execution__update" or data.get("id") != execution_id:
            continue
        if data.get("status") == "succeeded":
            return received - _epoch(data["end_timestamp"])
        if data.get("status") not in ("requested", "scheduled", "running"):
            raise BenchRunError("execution %s ended %s" % (execution_id, data.get("status")))


def _epoch(timestamp):
    """Seconds since the epoch of StackStorm's `2016-07-28T00:30:39.268566Z`."""
    moment = datetime.strptime(timestamp.rstrip("Z")[:26], "%Y-%m-%dT%H:%M:%S.%f")
    return moment.replace(tzinfo=timezone.utc).timestamp()


def percentile(values, percent):
    """The nearest-rank percentile: the smallest value with `percent`% of values at or below."""
    ordered = sorted(values)
    return ordered[max(0, int(math.ceil(percent / 100.0 * len(ordered))) - 1)]


# --- 4. a big result --------------------------------------------------------------------------


def measure_big_result(client):
    """(seconds for GET /executions/{id}, seconds for GET /executions/{id}/result) of an
    execution whose result is BIG_RESULT_BYTES of JSON; each body read and parsed."""
    execution_id = client.run("%s.big_result" % PACK, {"size": BIG_RESULT_BYTES})
    wait_succeeded(client, execution_id)
    whole = _timed_get(client, "/executions/%s" % execution_id, lambda e: e["result"]["result"])
    result = _timed_get(client, "/executions/%s/result" % execution_id, lambda r: r["result"])
    return whole, result


def _timed_get(client, path, records_of):
    started = time.perf_counter()
    status, _headers, data = client.call("GET", path)
    parsed = json.loads(data.decode("utf-8")) if status == 200 else None
    elapsed = time.perf_counter() - started
    if status != 200:
        raise BenchRunError("GET %s answered %d" % (path, status))
    if len(data) < BIG_RESULT_BYTES * 0.9 or not records_of(parsed):
        raise BenchRunError(
            "GET %s gave %d bytes, expected a result of about %d"
            % (path, len(data), BIG_RESULT_BYTES)
        )
    return elapsed


# --- the run ----------------------------------------------------------------------------------


def _one_line(value):
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value).split())[:300]


def profiler_for(pid, output):
    """`py-spy record` of the server's threads into OUTPUT (an SVG flame graph), or None."""
    py_spy = shutil.which("py-spy") or os.path.join(os.path.dirname(sys.executable), "py-spy")
    if not os.path.exists(py_spy):
        print("api bench: py-spy is not installed: no profile written", file=sys.stderr)
        return None
    return subprocess.Popen(
        [py_spy, "record", "--threads", "--subprocesses", "-o", output, "--pid", str(pid)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def measure_all(packs_dir, profile):
    server = start_server(packs=packs_dir)
    profiler = profiler_for(server.process.pid, profile) if profile else None
    try:
        token = logged_in(server.urls).token
        client = Client(server.urls["api"], token)
        rss = measure_idle_rss(server, client)
        rate = measure_throughput(server.urls, token)
        p99 = measure_stream_latency(server.urls, token, client)
        whole, result = measure_big_result(client)
        client.close()
    finally:
        if profiler is not None:
            profiler.send_signal(2)  # py-spy writes its file on SIGINT
            profiler.wait(60)
        server.stop()
    return rss, rate, p99, whole, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", metavar="FILE", help="py-spy flame graph of the server")
    args = parser.parse_args(argv)
    if not os.path.exists(ST2LITE):
        print(
            "api bench: no st2lite next to %s: run it with the project's .venv/bin/python"
            % sys.executable,
            file=sys.stderr,
        )
        return 2
    with tempfile.TemporaryDirectory(prefix="st2lite-api-bench-") as work:
        packs_dir = os.path.join(work, "packs")
        write_pack(packs_dir)
        try:
            rss, rate, p99, whole, result = measure_all(packs_dir, args.profile)
        except BenchRunError as error:
            print("api bench: %s" % error, file=sys.stderr)
            return 2
    figures = [
        ("serve_idle_rss", "%.1f MB", rss, rss <= TARGET_IDLE_RSS_MB),
        ("executions_per_second", "%.1f /s", rate, rate >= TARGET_EXECUTIONS_PER_SECOND),
        ("stream_update_latency_p99", "%.1f ms", p99, p99 < TARGET_STREAM_P99_MS),
        ("big_result_get_execution", "%.2f s", whole, whole < TARGET_BIG_RESULT_SECONDS),
        ("big_result_get_result", "%.2f s", result, result < TARGET_BIG_RESULT_SECONDS),
    ]
    for name, form, value, _ok in figures:
        print(("%s: " + form) % (name, value))
    return 0 if all(ok for _name, _form, _value, ok in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
