"""One st2lite site for remediation tests: a state dir with the qaeci pack config, an app tree of
two python apps (web depends on api), the qaeci pack and a stand-in chatops pack whose
post_message writes to an outbox file; environments brought up with `st2lite run qaeci.env_up`
and triggers fired with `st2lite trigger fire`, as a person (or a sensor) does."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import yaml
from qaeci import triggers
from qaeci.backends.local_event_triggers import CLUSTER
from qaeci_envtree import SHELL_BUILD
from qaeci_testkit import SERVER_PY, make_repo, write_registry

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PACKS = os.path.join(REPO, "packs")
TEST_PACKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "packs")
ST2LITE = os.path.join(os.path.dirname(sys.executable), "st2lite")
TIMEOUT = 300
CHANNEL = "#qa-ops"
# The tests' app server, saying on its output that it started (what a report's log tail shows).
LOGGING_SERVER_PY = SERVER_PY.replace(
    "HTTPServer((", 'print("listening on port %s" % os.environ["PORT0"], flush=True)\nHTTPServer(('
)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def exit_payload(env, app, pid, code=137):
    """What the local events sensor dispatches when ENV.APP's process PID ends with CODE."""
    program = "%s.%s" % (env, app)
    return triggers.container_exit(
        CLUSTER,
        program,
        program,
        "127.0.0.1",
        "%s:%s" % (program, pid),
        container_name=program,
        exit_code=code,
        labels={triggers.ENV_LABEL: env, triggers.APP_LABEL: app},
    )


def oom_payload(env, app, pid):
    """What the local events sensor dispatches when the kernel's OOM killer ended ENV.APP."""
    program = "%s.%s" % (env, app)
    return triggers.container_oom(
        CLUSTER,
        program,
        program,
        "127.0.0.1",
        "%s:%s" % (program, pid),
        container_name=program,
        labels={triggers.ENV_LABEL: env, triggers.APP_LABEL: app},
    )


def logging_app(repos, code, conf, mem=None, depends_on=()):
    """A python app (checked at /health) that logs a line when it starts."""
    url = make_repo(os.path.join(repos, code), {"server.py": LOGGING_SERVER_PY, "app.conf": conf})
    runtime = {"type": "python", "command": "server.py", "config_templates": ["app.conf"]}
    if mem:
        runtime["mem"] = mem
    return {
        "app_code": code,
        "scm": {"url": url, "branch": "master"},
        "build": {"method": "shell", "command": SHELL_BUILD, "artifact": "dist"},
        "runtime": runtime,
        "check": {"urls": ["/health"], "timeout": 20},
        "depends_on": list(depends_on),
        "services": [],
    }


class Site(object):
    def __init__(
        self,
        root,
        backend="local",
        clusters=None,
        remediation=None,
        links=None,
        chat=True,
        mem=None,
        chatops_pack=True,
    ):
        self.root = str(root)
        self.state = os.path.join(self.root, "state")
        self.work_dir = os.path.join(self.root, "work")
        self.router_port = free_port()
        self.outbox = os.path.join(self.root, "chat.jsonl")
        self.backend = backend
        self.packs = [PACKS, TEST_PACKS] if chatops_pack else [PACKS]
        os.makedirs(os.path.join(self.state, "configs"))
        self.registry = self._registry(mem)
        self.config = {
            "registry_path": self.registry,
            "work_dir": self.work_dir,
            "router_port": self.router_port,
            "backend": backend,
            "artifact_store": "file://" + os.path.join(self.root, "artifacts"),
            "clusters": clusters or {},
            "links": links or {},
            "remediation": dict({"chat_channel": CHANNEL if chat else ""}, **(remediation or {})),
        }
        self.write_config()
        with open(os.path.join(self.state, "configs", "chatops.yaml"), "w") as handle:
            yaml.safe_dump({"outbox": self.outbox}, handle)

    def _registry(self, mem):
        repos = os.path.join(self.root, "repos")
        api = logging_app(repos, "api", "api in {{ env.name }}", mem)
        web = logging_app(repos, "web", "web calls {{ apps.api.url }}", mem, depends_on=["api"])
        template = {
            "name": "demo",
            "deploy_type": "dev",
            "managers": ["mia"],
            "apps": {"api": {}, "web": {}},
        }
        return write_registry(os.path.join(self.root, "registry"), [api, web], [template])

    def write_config(self, **changes):
        self.config.update(changes)
        with open(os.path.join(self.state, "configs", "qaeci.yaml"), "w") as handle:
            yaml.safe_dump(self.config, handle)

    def set_remediation(self, **settings):
        self.write_config(remediation=dict(self.config["remediation"], **settings))

    # -- st2lite --------------------------------------------------------------------------------
    def st2lite(self, *args):
        argv = (
            [ST2LITE]
            + sum([["--packs", path] for path in self.packs], [])
            + ["--state", self.state]
        )
        done = subprocess.run(
            argv + list(args),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            cwd=REPO,
            env=dict(os.environ, ST2LITE_USER="carol"),
        )
        return done.returncode, done.stdout, done.stderr

    def json(self, *args):
        code, out, err = self.st2lite(*(list(args) + ["--json"]))
        assert out.strip(), "st2lite %s printed nothing: %s" % (" ".join(args), err)
        return code, json.loads(out)

    def env_up(self, env="qa1", apps=None):
        params = ["env=" + env, "template=demo"] + (["apps=" + apps] if apps else [])
        code, execution = self.json("run", "qaeci.env_up", *params)
        assert code == 0, json.dumps(execution.get("result"), indent=1)[:3000]
        return execution["result"]["output"]

    def fire(self, trigger, payload):
        """The remediate execution (as `st2lite execution get` shows it) each rule started."""
        code, fired = self.json(
            "trigger", "fire", "qaeci." + trigger, "--payload", json.dumps(payload)
        )
        assert code == 0, fired
        executions = []
        for enforcement in fired["enforcements"]:
            assert enforcement["status"] == "succeeded", enforcement
            executions.append(self.execution(enforcement["execution"]))
        return executions

    def fire_burst(self, trigger_ref, payloads, timeout=600):
        """Dispatch every payload at once, as a sensor does (without waiting), through st2lite's
        runtime in this process; wait (bounded) until all the work they started has ended.
        Returns the qaeci.remediate executions, newest first."""
        from st2lite.runtime import Runtime

        runtime = Runtime(self.packs, self.state)
        for payload in payloads:
            runtime.fire_trigger(trigger_ref, payload, wait=False)
        runtime.wait_background(timeout=timeout)
        return runtime.executions.list(action="qaeci.remediate", limit=len(payloads) + 100)

    def remediate(self, kind, payload):
        """`st2lite run qaeci.remediate` on PAYLOAD, as a rule on a trigger type that no sensor
        of this tree declares yet (qaeci.deployment) would start it."""
        code, execution = self.json(
            "run", "qaeci.remediate", "kind=" + kind, "trigger=" + json.dumps(payload)
        )
        return execution

    def rules_matching(self, trigger_ref, payload):
        """The enabled rules st2lite's rules engine would apply to PAYLOAD of TRIGGER_REF."""
        from st2lite.packs.loader import load_packs
        from st2lite.rules import evaluate_rules

        rules = load_packs(self.packs).rules
        return [decision.rule_ref for decision in evaluate_rules(rules, trigger_ref, payload)]

    def execution(self, execution_id):
        code, execution = self.json("execution", "get", execution_id)
        assert code == 0, execution
        return execution

    def history(self, app=""):
        code, execution = self.json("run", "qaeci.remediation_history", "app=" + app, "limit=200")
        assert code == 0, execution
        return execution["result"]["result"]["decisions"]

    def key(self, name):
        code, out, err = self.st2lite("key", "get", name, "--json")
        return json.loads(out)["value"] if code == 0 and out.strip() else None

    def chat(self):
        """Messages the chatops stand-in posted, oldest first."""
        if not os.path.exists(self.outbox):
            return []
        with open(self.outbox) as handle:
            return [json.loads(line) for line in handle if line.strip()]

    # -- the local back end ---------------------------------------------------------------------
    def local_backend(self):
        from qaeci.backends.local import LocalBackend

        return LocalBackend(self.work_dir, "localhost", self.router_port)

    def kill(self, env, app, sig=signal.SIGKILL):
        """Kill the app's process and wait (bounded) until supervisord has it failed."""
        backend = self.local_backend()
        info = backend.supervisor.info(backend.program_name(env, app))
        os.kill(info["pid"], sig)
        deadline = time.monotonic() + 15
        while backend.app_status(env, app).state != "failed":
            assert time.monotonic() < deadline, "supervisord did not see %s/%s die" % (env, app)
            time.sleep(0.05)
        return info["pid"]

    def answers(self, env, app):
        """The HTTP status of http://APP.ENV.localhost:PORT/health through the router, or None."""
        request = urllib.request.Request(
            "http://127.0.0.1:%d/health" % self.router_port,
            headers={"Host": "%s.%s.localhost" % (app, env)},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return None

    def pid(self, env, app):
        backend = self.local_backend()
        info = backend.supervisor.info(backend.program_name(env, app)) or {}
        return info.get("pid") or None

    def close(self):
        if self.backend != "local" or not os.path.isdir(self.work_dir):
            return
        backend = self.local_backend()
        for env in backend.environments():
            backend.destroy(env)
        backend.shutdown()
