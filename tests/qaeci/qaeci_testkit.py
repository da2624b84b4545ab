"""Test helpers: an in-memory datastore with StackStorm's action_service API, real git repos,
and a registry written to disk."""

import os
import subprocess
import threading

import yaml


class KeyValue(object):
    def __init__(self, name, value):
        self.name = name
        self.value = value


class MemoryDatastore(object):
    """get_value/set_value/delete_value/list_values as StackStorm's action_service has them."""

    def __init__(self):
        self.values = {}
        self.lock = threading.Lock()

    def get_value(self, name, local=True, scope="system", decrypt=False):
        with self.lock:
            return self.values.get(name)

    def set_value(self, name, value, ttl=None, local=True, scope="system", encrypt=False):
        with self.lock:
            self.values[name] = value
        return True

    def delete_value(self, name, local=True, scope="system"):
        with self.lock:
            if name not in self.values:
                raise ValueError("key %s not found" % name)
            del self.values[name]
        return True

    def list_values(self, local=True, prefix=None):
        with self.lock:
            return [
                KeyValue(name, value)
                for name, value in sorted(self.values.items())
                if prefix is None or name.startswith(prefix)
            ]


# Commits name their author here: a fresh machine's HOME has no git identity.
GIT_IDENTITY = ["-c", "user.name=qaeci tests", "-c", "user.email=tests@qaeci.invalid"]


def git(cwd, *args):
    return subprocess.run(
        ["git"] + list(args),
        cwd=cwd,
        check=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
    ).stdout.strip()


def make_repo(path, files, branch="master"):
    """A real git repository at PATH with FILES committed on BRANCH; returns its file:// URL."""
    os.makedirs(path, exist_ok=True)
    git(path, "init", "-q", "-b", branch)
    commit_files(path, files, "initial")
    return "file://" + path


def commit_files(path, files, message):
    for name, text in files.items():
        full = os.path.join(path, name)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as handle:
            handle.write(text)
    git(path, "add", "-A")
    git(path, *GIT_IDENTITY, "commit", "-q", "-m", message)
    return git(path, "rev-parse", "HEAD")


def write_registry(root, apps, templates):
    for folder, items, key in (("apps", apps, "app_code"), ("envs", templates, "name")):
        os.makedirs(os.path.join(root, folder), exist_ok=True)
        for item in items:
            name = item.get(key) if isinstance(item.get(key), str) else "bad"
            with open(os.path.join(root, folder, "%s.yaml" % name), "w") as handle:
                yaml.safe_dump(item, handle)
    return root


SERVER_PY = """
import json, os
from http.server import BaseHTTPRequestHandler, HTTPServer

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health" and os.path.exists("unhealthy"):
            self.send_response(500); self.end_headers(); return
        body = open("app.conf").read().encode() if os.path.exists("app.conf") else b"ok"
        self.send_response(200); self.end_headers(); self.wfile.write(body)
    def log_message(self, *args):
        pass

HTTPServer((os.environ["HOST"], int(os.environ["PORT0"])), Handler).serve_forever()
"""
