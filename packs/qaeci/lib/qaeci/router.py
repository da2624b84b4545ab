"""The local router: one nginx master per work directory that sends `APP.ENV.DOMAIN` to the app.

Every change renders a complete new config directory (`conf-<generation>/`: nginx.conf, one
include file per environment, the 404 page), checks it with `nginx -t`, and only then points the
`current` symlink at it and reloads nginx; a config nginx refuses never replaces a working one.
The nginx master runs under the work directory's supervisord with `daemon off`.
"""

import html
import http.client
import json
import os
import re
import shutil
import subprocess
import time

from qaeci.backends.base import BackendError
from qaeci.backends.local_files import write_json
from qaeci.backends.local_locks import file_lock
from qaeci.backends.local_ports import port_is_free
from qaeci.backends.local_supervisor import RUNNING, ProgramSpec
from qaeci.router_queue import PENDING, RouteQueue

PROGRAM_NAME = "qaeci-router"
GENERATION_HEADER = "X-Qaeci-Router-Generation"
PROBE_HOST = "qaeci-router-probe.invalid"
PROBE_INTERVAL = 0.01  # a reload takes effect within milliseconds
HOST_LABEL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")


class RouterError(BackendError):
    """nginx refused a config or could not be started or reloaded."""


def find_nginx():
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise RouterError("nginx not found: run scripts/install-system-deps.sh (Debian package nginx)")


class NginxRouter(object):
    """Routes {env: {app: port}} through one nginx listening on 127.0.0.1:port."""

    def __init__(self, work_dir, supervisor, port=8080, domain="localhost"):
        self.root = os.path.join(os.path.abspath(work_dir), "router")
        self.supervisor = supervisor
        self.port = int(port)
        self.domain = domain
        self.state_path = os.path.join(self.root, "routes.json")
        self.current = os.path.join(self.root, "current")
        self.error_log = os.path.join(self.root, "logs", "error.log")
        self.queue = RouteQueue(os.path.join(self.root, "queue"))

    # -- public API --------------------------------------------------------------------------
    def routes(self):
        """{env: {app: port}} as currently routed."""
        return self._load()["routes"]

    def host_for(self, env, app):
        return "%s.%s.%s" % (app, env, self.domain)

    def public_url(self, env, app):
        return "http://%s:%d/" % (self.host_for(env, app), self.port)

    def add_route(self, env, app, port):
        self.add_routes(env, {app: port})

    def add_routes(self, env, ports):
        """Route APP.ENV.DOMAIN to 127.0.0.1:PORT for each {app: port}, under one reload."""
        self._check_label(env)
        for app in ports:
            self._check_label(app)
        wanted = {app: int(port) for app, port in ports.items()}
        routed = self.routes().get(env, {})
        if all(routed.get(app) == port for app, port in wanted.items()) and self.is_running():
            return  # routed already (routed ahead of the start, or a redeploy)
        self._apply({"op": "add", "env": env, "apps": wanted})

    def remove_routes(self, env, apps=None):
        self._apply({"op": "remove", "env": env, "apps": None if apps is None else sorted(apps)})

    def is_running(self):
        info = self.supervisor.info(PROGRAM_NAME)
        return info is not None and info["state"] == RUNNING

    def stop(self):
        """Stop nginx and forget its program (the config stays, to be reused)."""
        self.supervisor.remove(PROGRAM_NAME)

    # -- applying changes --------------------------------------------------------------------
    def _load(self):
        try:
            with open(self.state_path) as handle:
                return json.load(handle)
        except FileNotFoundError:
            return {"generation": 0, "routes": {}}

    def _save(self, state):
        write_json(self.state_path, state)

    def _apply(self, change):
        """Queue CHANGE, then apply it with every other queued change under one reload.

        Deploying many apps at once asks for many routes at once: whoever holds the lock takes
        all the changes queued so far, so N routes cost about one nginx reload, not N."""
        ticket = self.queue.submit(change)
        try:
            with file_lock(os.path.join(self.root, "router.lock")):
                if ticket.is_pending():  # not taken by an earlier holder's batch
                    self._apply_queued()
            failure = ticket.failure()
        finally:
            ticket.close()
        if failure is not None:
            raise RouterError(failure)

    def _apply_queued(self):
        os.makedirs(os.path.join(self.root, "logs"), exist_ok=True)
        tickets = self.queue.take_pending()
        try:
            errors = self._publish_batch(tickets)
        except Exception as error:  # whatever stops the batch fails every change in it
            errors = {stem: str(error) for stem, _change in tickets}
        for stem, _change in tickets:
            self.queue.mark_served(stem, errors.get(stem))

    def _publish_batch(self, tickets):
        """{stem: why} of the tickets whose change was refused; the others are routed."""
        errors = {
            stem: "the queued route change %s%s is unreadable: ask for it again" % (stem, PENDING)
            for stem, change in tickets
            if change is None
        }
        readable = [(stem, change) for stem, change in tickets if change is not None]
        try:
            self._publish_changes([change for _stem, change in readable])
            return errors
        except Exception:
            if len(readable) == 1:
                raise
        # One bad change must not fail the others: apply them one at a time instead.
        for stem, change in readable:
            try:
                self._publish_changes([change])
            except Exception as error:  # reported to the one who asked for this change
                errors[stem] = str(error)
        return errors

    def _publish_changes(self, changes):
        state = self._load()
        routes = json.loads(json.dumps(state["routes"]))
        for change in changes:
            _mutate(routes, change)
        self._publish(state["generation"] + 1, routes)

    def _publish(self, generation, routes):
        conf_dir = self._render(generation, routes)
        self._test(conf_dir)
        self._activate(conf_dir)
        if routes:
            self._run_or_reload(generation)
        else:
            self.stop()  # nothing to route: no router process either
        self._save({"generation": generation, "routes": routes})  # only once nginx has them
        self._remove_old_configs(conf_dir)

    @staticmethod
    def _check_label(name):
        if not HOST_LABEL.match(name):
            raise RouterError(
                "%r cannot be part of a host name: use letters, digits, '-' "
                "and '_' (at most 63)" % name
            )

    def _render(self, generation, routes):
        conf_dir = os.path.join(self.root, "conf-%d" % generation)
        if os.path.isdir(conf_dir):
            shutil.rmtree(conf_dir)
        os.makedirs(os.path.join(conf_dir, "envs"))
        for env in sorted(routes):
            _write(
                os.path.join(conf_dir, "envs", env + ".conf"), self._env_config(env, routes[env])
            )
        _write(os.path.join(conf_dir, "routes.html"), self._routes_page(routes))
        _write(os.path.join(conf_dir, "nginx.conf"), self._main_config(conf_dir, generation))
        return conf_dir

    def _nginx(self, conf_path, *args):
        argv = [find_nginx(), "-p", self.root + "/", "-e", self.error_log, "-c", conf_path]
        return subprocess.run(
            argv + list(args),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            universal_newlines=True,
            timeout=30,
        )

    def _test(self, conf_dir):
        result = self._nginx(os.path.join(conf_dir, "nginx.conf"), "-t", "-q")
        if result.returncode != 0:
            shutil.rmtree(conf_dir, ignore_errors=True)
            detail = " ".join(result.stdout.split())
            raise RouterError("nginx refused the new router config, kept the old one: %s" % detail)

    def _activate(self, conf_dir):
        link = self.current + ".new"
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(os.path.basename(conf_dir), link)
        os.replace(link, self.current)

    def _run_or_reload(self, generation):
        conf_path = os.path.join(self.current, "nginx.conf")
        if self.is_running():
            old_workers = self._accepting_workers()
            result = self._nginx(conf_path, "-s", "reload")
            if result.returncode != 0:
                raise RouterError("nginx reload failed: %s" % " ".join(result.stdout.split()))
            self._wait_for_generation(generation)
            self._wait_workers_retired(old_workers)
        else:
            self._start(conf_path)
            self._wait_for_generation(generation)

    def _start(self, conf_path):
        if not port_is_free(self.port):
            raise RouterError(
                "router port 127.0.0.1:%d is in use by another program: stop it "
                "or set router_port to a free port" % self.port
            )
        argv = [find_nginx(), "-p", self.root + "/", "-e", self.error_log, "-c", conf_path]
        # startsecs 0: whether nginx came up is told by _wait_for_generation's probes, at once
        spec = ProgramSpec(
            PROGRAM_NAME,
            argv,
            self.root,
            {},
            os.path.join(self.root, "logs", "nginx.out"),
            stop_wait=10,
            start_secs=0,
            stop_signal="QUIT",
        )
        info = self.supervisor.run(spec)
        if info is None or info["state"] != RUNNING:
            raise RouterError(
                "nginx did not start on 127.0.0.1:%d (is the port in use? set "
                "router_port): %s" % (self.port, self._last_error())
            )

    def _last_error(self):
        try:
            with open(self.error_log) as handle:
                lines = handle.read().strip().splitlines()
            return lines[-1] if lines else "no error logged"
        except OSError:
            return "no error log"

    def _wait_for_generation(self, generation, timeout=10.0):
        """nginx reloads asynchronously: wait until workers with the new config answer."""
        deadline = time.monotonic() + timeout
        seen = None
        for attempt in range(int(timeout / PROBE_INTERVAL) + 1):
            seen = self._probe()
            if seen is not None and int(seen) >= generation:
                return
            if time.monotonic() >= deadline:
                break
            if seen is None and attempt % 10 == 9 and not self.is_running():
                raise RouterError(
                    "nginx on 127.0.0.1:%d exited: %s (is the port in use? set "
                    "router_port)" % (self.port, self._last_error())
                )
            time.sleep(PROBE_INTERVAL)
        raise RouterError(
            "nginx on 127.0.0.1:%d did not take config %d within %ds (it "
            "answers %s): %s" % (self.port, generation, timeout, seen, self._last_error())
        )

    def _accepting_workers(self):
        """Pids of nginx workers that still accept connections (old ones stop on reload)."""
        master = _read_int(os.path.join(self.root, "nginx.pid"))
        workers = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            stat = _read_text("/proc/%s/stat" % pid)
            cmdline = _read_text("/proc/%s/cmdline" % pid)
            if stat is None or cmdline is None or "shutting down" in cmdline:
                continue
            fields = stat.rsplit(")", 1)[-1].split()
            if fields and fields[0] != "Z" and int(fields[1]) == master:
                workers.append(int(pid))
        return workers

    def _wait_workers_retired(self, old_workers, timeout=10.0):
        """An old worker that has not yet seen its QUIT signal can still take a request with
        the old routes: wait until each has exited or closed its listening socket."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            still = set(old_workers) & set(self._accepting_workers())
            if not still:
                return
            time.sleep(0.02)

    def _probe(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/", headers={"Host": PROBE_HOST})
            response = connection.getresponse()
            response.read()
            return response.getheader(GENERATION_HEADER)
        except (OSError, http.client.HTTPException):
            return None
        finally:
            connection.close()

    def _remove_old_configs(self, keep):
        for entry in os.listdir(self.root):
            path = os.path.join(self.root, entry)
            if entry.startswith("conf-") and path != keep:
                shutil.rmtree(path, ignore_errors=True)

    # -- config text -------------------------------------------------------------------------
    def _main_config(self, conf_dir, generation):
        temp = os.path.join(self.root, "tmp")
        lines = [
            "daemon off;",
            "master_process on;",
            "worker_processes 1;",
            "pid %s;" % os.path.join(self.root, "nginx.pid"),
            "error_log %s warn;" % self.error_log,
        ]
        if os.geteuid() == 0:
            lines.append("user root;")  # workers run as the current user, never as nobody
        lines += [
            "events { worker_connections 512; }",
            "http {",
            "    access_log %s;" % os.path.join(self.root, "logs", "access.log"),
        ]
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            lines.append("    %s_temp_path %s;" % (kind, os.path.join(temp, kind)))
        lines += [
            "    default_type text/html;",
            "    keepalive_timeout 5s;",
            "    server_names_hash_bucket_size 128;",
            "    proxy_http_version 1.1;",
            "    proxy_set_header Host $host;",
            '    proxy_set_header Connection "";',
            "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
            "    proxy_set_header X-Forwarded-Host $host:$server_port;",
            "    proxy_connect_timeout 5s;",
            "    server {",
            "        listen 127.0.0.1:%d default_server;" % self.port,
            "        server_name _;",
            "        add_header %s %d always;" % (GENERATION_HEADER, generation),
            "        error_page 404 /routes.html;",
            "        location = /routes.html { internal; root %s; }" % conf_dir,
            "        location / { return 404; }",
            "    }",
            "    include envs/*.conf;",
            "}",
            "",
        ]
        for path in [temp] + [
            os.path.join(temp, kind)
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        ]:
            os.makedirs(path, exist_ok=True)
        return "\n".join(lines)

    def _env_config(self, env, apps):
        blocks = ["# environment %s: generated by qaeci, do not edit" % env]
        for app in sorted(apps):
            blocks.append(
                "\n".join(
                    [
                        "server {",
                        "    listen 127.0.0.1:%d;" % self.port,
                        "    server_name %s;" % self.host_for(env, app),
                        "    location / { proxy_pass http://127.0.0.1:%d; }" % apps[app],
                        "}",
                    ]
                )
            )
        return "\n".join(blocks) + "\n"

    def _routes_page(self, routes):
        items = []
        for env in sorted(routes):
            for app in sorted(routes[env]):
                url = self.public_url(env, app)
                items.append(
                    '<li><a href="%s">%s</a> &rarr; 127.0.0.1:%d</li>'
                    % (html.escape(url), html.escape(url), routes[env][app])
                )
        listing = "\n".join(items) if items else "<li>nothing is routed yet</li>"
        return (
            "<!DOCTYPE html>\n<html><head><title>404 unknown app - qaeci router</title>"
            "</head><body>\n<h1>404: no app answers at this address</h1>\n"
            "<p>Apps are routed as APP.ENV.%s:%d. Routed now:</p>\n<ul>\n%s\n</ul>\n"
            "</body></html>\n" % (html.escape(self.domain), self.port, listing)
        )


def _mutate(routes, change):
    """Apply one queued change to {env: {app: port}}."""
    env = change["env"]
    if change["op"] == "add":
        routes.setdefault(env, {}).update(change["apps"])
        return
    if change["apps"] is None:
        routes.pop(env, None)
        return
    for app in change["apps"]:
        routes.get(env, {}).pop(app, None)
    if not routes.get(env):
        routes.pop(env, None)


def _read_text(path):
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return None


def _read_int(path):
    text = _read_text(path)
    try:
        return int(text.strip()) if text else None
    except ValueError:
        return None


def _write(path, text):
    with open(path, "w") as handle:
        handle.write(text)
