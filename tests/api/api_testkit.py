"""Helpers of the API tests: a real `st2lite serve` on free loopback ports, the real `st2` CLI
(st2client 3.9.0, from its own virtualenv: its exact pins clash with st2lite's) with an empty
HOME, and plain HTTP calls."""

import atexit
import base64
import http.client
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PACKS = os.path.join(HERE, "packs")
ST2LITE = os.path.join(os.path.dirname(sys.executable), "st2lite")
ST2_CLI = os.environ.get("ST2_CLI") or os.path.join(REPO, ".venv-st2", "bin", "st2")
START_TIMEOUT = 60
ANSI = re.compile(r"\x1b\[[0-9;]*m")
URLS_LINE = re.compile(r"API (\S+), auth (\S+), stream (\S+)")
USER, PASSWORD = "alice", "wonder land"
# Every state directory and st2 HOME of a test run lives under one folder, removed at exit.
SCRATCH = tempfile.mkdtemp(prefix="st2lite-api-tests-")
atexit.register(shutil.rmtree, SCRATCH, True)


def st2lite(state, *args, **kwargs):
    return subprocess.run(
        [ST2LITE, "--packs", PACKS, "--state", state] + list(args),
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


class Serve(object):
    """`st2lite serve` in its own process; `urls` are the base URLs it printed."""

    def __init__(self, state, *options, packs=PACKS):
        self.state = state
        self.process = subprocess.Popen(
            [
                ST2LITE,
                "--packs",
                packs,
                "--state",
                state,
                "serve",
                "--auth-port",
                "0",
                "--api-port",
                "0",
                "--stream-port",
                "0",
            ]
            + list(options),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.urls = self._read_urls()

    def _read_urls(self):
        """Lines are read by a thread: a bounded wait on a queue, whatever the pipe buffers."""
        lines = queue.Queue()
        threading.Thread(
            target=lambda: lines.put(self.process.stdout.readline()) or None, daemon=True
        ).start()
        deadline = time.time() + START_TIMEOUT
        while time.time() < deadline:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.time()))
            except queue.Empty:
                break
            if not line:
                break
            found = URLS_LINE.search(line)
            if found:
                self.banner = line
                return dict(zip(("api", "auth", "stream"), found.groups()))
            threading.Thread(
                target=lambda: lines.put(self.process.stdout.readline()), daemon=True
            ).start()
        self.process.kill()
        raise AssertionError("st2lite serve did not start: %s" % self.process.stderr.read())

    def stop(self):
        """SIGTERM; (exit code, rest of stdout, stderr)."""
        self.process.send_signal(signal.SIGTERM)
        out, err = self.process.communicate(timeout=30)
        return self.process.returncode, out, err


def start_server(single_port=False, auth=True, options=(), packs=PACKS):
    state = tempfile.mkdtemp(prefix="state-", dir=SCRATCH)
    added = st2lite(state, "user", "add", USER, "--password", PASSWORD)
    assert added.returncode == 0, added.stderr
    options = list(options) + (["--bind", "127.0.0.1:0"] if single_port else [])
    return Serve(state, *(options + ([] if auth else ["--no-auth"])), packs=packs)


class Http(object):
    """JSON over HTTP; answers (status, headers, parsed body or text)."""

    def __init__(self, urls, token=None, api_key=None):
        self.urls = urls
        self.token = token
        self.api_key = api_key

    def call(self, method, url, body=None, headers=None, raw=None):
        headers = dict(headers or {})
        if self.token:
            headers.setdefault("X-Auth-Token", self.token)
        if self.api_key:
            headers.setdefault("St2-Api-Key", self.api_key)
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        if data is not None:
            headers.setdefault("Content-Type", "application/json")
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers, _parsed(response.read(), response)
        except urllib.error.HTTPError as e:
            return e.code, e.headers, _parsed(e.read(), e)

    def api(self, method, path, body=None, **kwargs):
        return self.call(method, self.urls["api"] + path, body, **kwargs)

    def login(self, user=USER, password=PASSWORD, body=None):
        basic = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
        return self.call(
            "POST",
            self.urls["auth"] + "/tokens",
            body if body is not None else {},
            headers={"Authorization": "Basic " + basic},
        )


def _parsed(data, response):
    if "json" in (response.headers.get("Content-Type") or ""):
        return json.loads(data.decode()) if data else None
    return data.decode()


def logged_in(urls):
    status, _headers, body = Http(urls).login()
    assert status == 201, body
    return Http(urls, token=body["token"])


class St2(object):
    """The real `st2` command line, with an empty HOME, pointed at a server by ST2_* variables."""

    def __init__(self, urls, extra_env=None):
        self.home = tempfile.mkdtemp(prefix="home-", dir=SCRATCH)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.home,
            "ST2_API_URL": urls["api"],
            "ST2_AUTH_URL": urls["auth"],
            "ST2_STREAM_URL": urls["stream"],
            "LANG": "C.UTF-8",
        }
        self.env.update(extra_env or {})

    def __call__(self, *args, **kwargs):
        """(exit code, output without colours: stdout and stderr together)."""
        if not os.path.exists(ST2_CLI):
            raise AssertionError(
                "the st2 CLI is missing at %s: run `make st2client` (or set "
                "ST2_CLI to an st2client 3.9.0 st2 executable)" % ST2_CLI
            )
        proc = subprocess.run(
            [ST2_CLI] + list(args),
            capture_output=True,
            text=True,
            timeout=kwargs.pop("timeout", 90),
            env=self.env,
            cwd=self.home,
        )
        return proc.returncode, ANSI.sub("", proc.stdout + proc.stderr)

    def start(self, *args):
        """The command in the background, its stdout and stderr unbuffered (line by line, as
        on a terminal)."""
        return subprocess.Popen(
            [ST2_CLI] + list(args),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=dict(self.env, PYTHONUNBUFFERED="1"),
            cwd=self.home,
        )

    def json(self, *args):
        code, output = self(*(args + ("-j",)))
        try:
            return code, json.loads(output)
        except ValueError as error:
            raise AssertionError("not JSON (exit %d): %s" % (code, output)) from error


class Lines(object):
    """A process's output read line by line by a thread, each wait bounded by `timeout`."""

    def __init__(self, stream, timeout=30):
        self.timeout = timeout
        self.queue = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for line in iter(stream.readline, ""):
            self.queue.put(line)
        self.queue.put(None)

    def until(self, predicate):
        """Lines up to and including the first one predicate(line) accepts."""
        seen = []
        while True:
            line = self.queue.get(timeout=self.timeout)
            assert line is not None, "the output ended after %r" % seen
            seen.append(line)
            if predicate(line):
                return seen


def _json_or_text(text):
    try:
        return json.loads(text)
    except ValueError:
        return text  # StackStorm's EOF event carries '' (two quotes), not JSON


def _event_id(text):
    """st2lite's stream ids are `<announcement position>-<event number>`: compared as a pair."""
    return tuple(int(part) for part in text.split("-"))


class Sse(object):
    """A Server-Sent Events connection read frame by frame, each read bounded by `timeout`."""

    def __init__(self, url, headers=None, timeout=20):
        parts = urllib.parse.urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        path = parts.path + ("?" + parts.query if parts.query else "")
        self.connection.request("GET", path, headers=headers or {})
        self.response = self.connection.getresponse()
        self.status = self.response.status
        self.headers = self.response.headers
        self.heartbeats = 0

    def next_event(self):
        """(id or None, event name, data: JSON or text) of the next frame; None when the server
        closed the stream.
        Bare newlines (keep-alives) are counted in `heartbeats`."""
        fields = {}
        while True:
            line = self.response.fp.readline()
            if not line:
                return None
            line = line.decode("utf-8").rstrip("\n")
            if line:
                name, _, value = line.partition(": ")
                fields[name] = value
            elif fields:
                return (
                    _event_id(fields["id"]) if "id" in fields else None,
                    fields["event"],
                    _json_or_text(fields.get("data", "")),
                )
            else:
                self.heartbeats += 1

    def events_until(self, predicate):
        """Frames up to and including the first one predicate(name, data) accepts."""
        seen = []
        while True:
            event = self.next_event()
            assert event is not None, "the stream closed after %s" % [e[1] for e in seen]
            seen.append(event)
            if predicate(event[1], event[2]):
                return seen

    def close(self):
        self.connection.close()
