"""Helpers for the local back-end tests: a directory artifact store, HTTP through the router,
free ports and the process table."""

import contextlib
import http.client
import os
import shutil
import socket
import sys
import textwrap
import time

from qaeci.artifacts.base import ArtifactStore


class DirectoryStore(ArtifactStore):
    """The artifact store interface (put/get/exists/list) over a plain directory, offering no
    local path: like a remote store, every read downloads a copy."""

    def __init__(self, root):
        self.root = root

    def _path(self, key):
        return os.path.join(self.root, key)

    def put(self, key, path):
        os.makedirs(os.path.dirname(self._path(key)), exist_ok=True)
        shutil.copyfile(path, self._path(key))

    def get(self, key, dest):
        shutil.copyfile(self._path(key), dest)

    def exists(self, key):
        return os.path.isfile(self._path(key))

    def list(self, prefix=""):
        keys = []
        for folder, _dirs, files in os.walk(self.root):
            for name in files:
                key = os.path.relpath(os.path.join(folder, name), self.root)
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)


def free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(port, host, path="/", timeout=5):
    """(status, body text) of GET path on 127.0.0.1:port with the given Host header."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def wait_for(predicate, timeout=10.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def _process_rows():
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as handle:
                state = handle.read().rsplit(")", 1)[1].split()[0]
            with open("/proc/%s/cmdline" % pid, "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if state != "Z":  # zombies hold no resources; only their parent can reap them
            yield int(pid), cmdline


def processes_using(text):
    """[(pid, cmdline)] of live processes whose command line mentions text."""
    return [(pid, cmd) for pid, cmd in _process_rows() if text in cmd and pid != os.getpid()]


def process_exists(pid):
    return any(row_pid == pid for row_pid, _cmd in _process_rows())


APP_SOURCE = textwrap.dedent('''
    """A tiny app: answers every GET with what it was started with."""
    import json, os, sys
    from http.server import BaseHTTPRequestHandler, HTTPServer

    if os.environ.get("FAIL_AT_START"):
        print("refusing to start: FAIL_AT_START is set", flush=True)
        sys.exit(3)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({
                "env": {k: os.environ.get(k) for k in
                        ("PORT0", "HOST", "QAECI_ENV", "QAECI_APP", "GREETING")},
                "cwd": os.getcwd(), "path": self.path,
                "host_header": self.headers.get("Host"),
                "config": open("app.conf").read() if os.path.exists("app.conf") else None,
            }).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *args):
            print("request " + fmt % args, flush=True)

    print("listening on %s" % os.environ["PORT0"], flush=True)
    HTTPServer((os.environ["HOST"], int(os.environ["PORT0"])), Handler).serve_forever()
''')


def make_app(directory, config_text=None):
    """An app workdir with server.py (and app.conf); returns (workdir, argv)."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "server.py"), "w") as handle:
        handle.write(APP_SOURCE)
    if config_text is not None:
        with open(os.path.join(directory, "app.conf"), "w") as handle:
            handle.write(config_text)
    return directory, [sys.executable, "server.py"]
