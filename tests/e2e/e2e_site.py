"""One st2lite state directory with the demo brought up by scripts/demo.py, driven as a user
drives it: the `st2lite` command line, HTTP through the nginx router, the MariaDB and Redis
clients, and the process table."""

import contextlib
import glob
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PACKS = os.path.join(REPO, "packs")
ST2LITE = os.path.join(os.path.dirname(sys.executable), "st2lite")
DEMO_SCRIPT = os.path.join(REPO, "scripts", "demo.py")
COMMAND_TIMEOUT = 300
HTTP_TIMEOUT = 10
AVOIDED_PORTS = (8080,)
CREATOR = "carol"  # who brings the demo up (not a manager of the template)
MANAGER = "alice"  # a manager of the demo template (examples/registry/envs/demo.yaml)
FIRST_ENV = "qa1"


def free_port():
    """A loopback port nobody listens on now (never 8080, the default router port)."""
    for _attempt in range(20):
        with contextlib.closing(socket.socket()) as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in AVOIDED_PORTS:
            return port
    raise RuntimeError("no free loopback port found in 20 attempts")


class Site(object):
    """The demo's state dir: st2lite's database and pack config, qaeci's work_dir inside it."""

    def __init__(self, state, router_port, creator):
        self.state = state
        self.router_port = router_port
        self.creator = creator
        self.work_dir = os.path.join(state, "qaeci")

    def environ(self, user=None):
        environ = dict(os.environ, ST2LITE_USER=user or self.creator)
        environ.pop("ST2LITE_STATE", None)
        return environ

    # -- the demo script ---------------------------------------------------------------------
    def demo_up(self, env):
        argv = [
            sys.executable,
            DEMO_SCRIPT,
            "up",
            "--state",
            self.state,
            "--env",
            env,
            "--router-port",
            str(self.router_port),
        ]
        return subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            cwd=REPO,
            env=self.environ(),
        )

    # -- st2lite ------------------------------------------------------------------------------
    def argv(self, *args):
        return [ST2LITE, "--packs", PACKS, "--state", self.state] + list(args)

    def st2lite(self, *args, user=None):
        """(exit code, stdout, stderr) of one st2lite command."""
        done = subprocess.run(
            self.argv(*args),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            cwd=REPO,
            env=self.environ(user),
        )
        return done.returncode, done.stdout, done.stderr

    def st2lite_relative_packs(self, *args):
        """st2lite as the outside checks call it: `--packs packs` from the repository root."""
        argv = [ST2LITE, "--packs", "packs", "--state", self.state] + list(args)
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            cwd=REPO,
            env=self.environ(),
        )
        return done.returncode, done.stdout, done.stderr

    def run(self, ref, *params, user=None):
        """(exit code, execution) of `st2lite run REF key=value ... --json`."""
        code, out, err = self.st2lite("run", ref, *(list(params) + ["--json"]), user=user)
        assert out.strip(), "st2lite run %s printed nothing; stderr: %s" % (ref, err)
        return code, json.loads(out)

    def alias(self, text, user=None):
        """(exit code, {"ack", "result", "execution"}) of `action-alias execute TEXT --json`."""
        args = ["action-alias", "execute", text, "--json"]
        if user:
            args += ["--user", user]
        code, out, err = self.st2lite(*args)
        assert out.strip(), "action-alias execute %r printed nothing; stderr: %s" % (text, err)
        return code, json.loads(out)

    def start_background(self, ref, *params, capture=False):
        """st2lite run in its own process group (so the test can kill all of it at once);
        with capture, its output is read through communicate()."""
        output = subprocess.PIPE if capture else subprocess.DEVNULL
        return subprocess.Popen(
            self.argv("run", ref, *(list(params) + ["--json"])),
            stdout=output,
            stderr=output,
            text=True,
            cwd=REPO,
            env=self.environ(),
            start_new_session=True,
        )

    # -- the demo's git repositories (examples/setup_demo.py made them under the state dir) --------
    def commit_to_app(self, app, filename, append_text, message):
        """Commit a change to one demo app's repository, as a developer pushes one."""
        repo = self.app_repo(app)
        with open(os.path.join(repo, filename), "a") as handle:
            handle.write(append_text)
        git(repo, "add", filename)
        git(repo, "commit", "-q", "-m", message)
        return self.app_head(app)

    def revert_last_commit(self, app):
        repo = self.app_repo(app)
        git(repo, "revert", "--no-edit", "HEAD")
        return self.app_head(app)

    def app_head(self, app):
        return git(self.app_repo(app), "rev-parse", "HEAD").strip()

    def registry_path(self):
        return os.path.join(self.state, "demo", "registry")

    def app_repo(self, app):
        return os.path.join(self.state, "demo", "git", app)

    # -- HTTP through the router -----------------------------------------------------------------
    def get(self, app, env, path="/"):
        """(status, body) of GET path at APP.ENV.localhost through the nginx router."""
        connection = http.client.HTTPConnection("127.0.0.1", self.router_port, timeout=HTTP_TIMEOUT)
        try:
            connection.request("GET", path, headers={"Host": "%s.%s.localhost" % (app, env)})
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            connection.close()

    # -- what the local back end left on disk ----------------------------------------------------
    def rendered_config(self, env, app):
        """The app's rendered conf/app.json of its current release (the only one kept)."""
        app_dir = os.path.join(self.work_dir, "releases", env, app)
        paths = [
            path
            for path in glob.glob(os.path.join(app_dir, "*", "conf", "app.json"))
            if not path.startswith(os.path.join(app_dir, "current") + os.sep)
        ]
        assert len(paths) == 1, "expected one release of %s.%s, found %s" % (env, app, paths)
        current = os.path.join(app_dir, "current", "conf", "app.json")
        assert os.path.realpath(current) == os.path.realpath(paths[0])  # the one that runs
        with open(current) as handle:
            return json.load(handle)

    def route_files(self):
        return sorted(glob.glob(os.path.join(self.work_dir, "router", "current", "envs", "*")))

    def data_dirs(self):
        return sorted(glob.glob(os.path.join(self.work_dir, "envs", "*")))

    def processes(self):
        """[(pid, command line)] of live processes started from or working in the state dir."""
        return [(row.pid, row.cmdline) for row in self._own_processes()]

    def _own_processes(self):
        return [
            row
            for row in process_table()
            if self.state in row.cmdline
            or row.cwd == self.state
            or row.cwd.startswith(self.state + os.sep)
        ]

    def env_processes(self, env):
        """[(pid, command line)] of this state dir's live processes for environment env."""
        marks = [
            os.path.join(self.work_dir, folder, env) + os.sep
            for folder in ("envs", "releases", "logs")
        ]
        return [
            (row.pid, row.cmdline)
            for row in self._own_processes()
            if row.environ.get("QAECI_ENV") == env
            or any(mark in row.cmdline + " " + row.cwd + os.sep for mark in marks)
        ]

    def app_pids(self, env):
        """{app: [pid, ...]} of the running processes of env's apps (base services excluded)."""
        pids = {}
        for row in self._own_processes():
            app = row.environ.get("QAECI_APP", "svc-")
            if row.environ.get("QAECI_ENV") == env and not app.startswith("svc-"):
                pids.setdefault(app, []).append(row.pid)
        return {app: sorted(found) for app, found in pids.items()}

    def app_ports(self, env):
        """{app: PORT0} of the running processes of env's apps (base services excluded)."""
        return {
            row.environ["QAECI_APP"]: int(row.environ["PORT0"])
            for row in self._own_processes()
            if row.environ.get("QAECI_ENV") == env
            and "PORT0" in row.environ
            and not row.environ.get("QAECI_APP", "svc-").startswith("svc-")
        }


class ProcessRow(object):
    def __init__(self, pid, cmdline, cwd, environ):
        self.pid, self.cmdline, self.cwd, self.environ = pid, cmdline, cwd, environ


def _environ(pid):
    with open("/proc/%s/environ" % pid, "rb") as handle:
        pairs = handle.read().decode("utf-8", "replace").split("\0")
    return dict(pair.split("=", 1) for pair in pairs if "=" in pair)


def process_table():
    """ProcessRow of every live (non-zombie) process but this one."""
    rows = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open("/proc/%s/stat" % entry) as handle:
                if handle.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
            with open("/proc/%s/cmdline" % entry, "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
            cwd = os.readlink("/proc/%s/cwd" % entry)
            environ = _environ(entry)
        except OSError:
            continue
        rows.append(ProcessRow(int(entry), cmdline, cwd, environ))
    return rows


def git(repo, *args):
    identity = [
        "-c",
        "user.name=qaeci e2e",
        "-c",
        "user.email=e2e@qaeci.invalid",
        "-c",
        "commit.gpgsign=false",
    ]
    done = subprocess.run(
        ["git", "-C", repo] + identity + list(args), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, "git %s: %s" % (" ".join(args), done.stderr.strip())
    return done.stdout


def process_group_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def kill_process_group(process, timeout=10.0):
    """SIGKILL every process of a Popen's group (it leads its own), reap the leader, and wait
    (bounded) until nothing of the group is left; True when nothing is."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=timeout)
    return wait_until(lambda: not process_group_alive(process.pid), timeout)


def wait_until(predicate, timeout, interval=0.1):
    """predicate()'s first true value within timeout seconds, else its last (false) value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def mysql_query(config, sql):
    """Rows (lists of text) of one SQL statement, through the mariadb client, with the
    credentials qaeci rendered into the books app's config."""
    mysql = config["mysql"]
    argv = [
        "mariadb",
        "--host=%s" % mysql["host"],
        "--port=%d" % mysql["port"],
        "--user=%s" % mysql["user"],
        "--password=%s" % mysql["password"],
        "--database=%s" % mysql["database"],
        "--batch",
        "--skip-column-names",
        "--execute=%s" % sql,
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, "mariadb: %s" % done.stderr.strip()
    return [line.split("\t") for line in done.stdout.splitlines()]


def redis_command(port, *words):
    done = subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", str(port)] + list(words),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, "redis-cli: %s" % done.stderr.strip()
    return done.stdout.strip()


def app_outcomes(execution):
    """{app: (status, built, deployed)} from an env_up / env_status execution's output."""
    apps = execution["result"]["output"]["apps"]
    return {
        code: (entry["status"], entry.get("built"), entry.get("deployed"))
        for code, entry in apps.items()
    }


def deployed_apps(execution):
    return sorted(
        code
        for code, entry in execution["result"]["output"]["apps"].items()
        if entry.get("deployed")
    )


def built_apps(execution):
    return sorted(
        code for code, entry in execution["result"]["output"]["apps"].items() if entry.get("built")
    )
