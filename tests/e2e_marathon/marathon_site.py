"""One st2lite state directory whose qaeci pack config says `backend: marathon`, with the
Marathon double as the `dev` cluster, a file:// artifact store the double's fetcher reads, and
an app tree of real git repositories built by real shell builds; driven as a user drives it,
through the `st2lite` command line.

The tree (template `shop`, deploy type dev, base services mysql and redis):

    api  <-  web  <-  jobs
     ^
     +-- order_svc          (an app code with `_`: Marathon id segment `order-svc`)
"""

import json
import os
import subprocess
import sys

import yaml
from qaeci_envtree import server_app
from qaeci_testkit import commit_files, write_registry

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ST2LITE = os.path.join(os.path.dirname(sys.executable), "st2lite")
PACKS = os.path.join(REPO, "packs")
COMMAND_TIMEOUT = 300

ENV = "e1"
TEMPLATE = "shop"
CREATOR = "alice"
DOMAIN = "qa.example.com"
CREDENTIALS = "qaeci:secret"
APPS = ["api", "jobs", "order_svc", "web"]
SANDBOX_LINK = (
    "https://mesos.example/#/agents/{agent_id}/frameworks/{framework_id}/executors/{task_id}/browse"
)
SANDBOX_FILES_LINK = "https://mesos.example/#/agents/{agent_id}/browse?path={sandbox}"


def shop_tree(root):
    """(registry path, repositories directory) of the shop tree under ROOT."""
    repos = os.path.join(root, "repos")
    apps = [
        server_app(
            repos,
            "api",
            "api in {{ env.name }} db={{ services.mysql.host }}:{{ services.mysql.port }}",
            services=["mysql", "redis"],
        ),
        server_app(repos, "web", "web calls {{ apps.api.url }}", depends_on=["api"]),
        server_app(repos, "order_svc", "orders call {{ apps.api.url }}", depends_on=["api"]),
        server_app(repos, "jobs", "jobs use {{ apps.web.url }}", depends_on=["web"]),
    ]
    templates = [
        {
            "name": TEMPLATE,
            "deploy_type": "dev",
            "managers": ["mia"],
            "services": {"mysql": {}, "redis": {}},
            "apps": {app["app_code"]: {} for app in apps},
        }
    ]
    return write_registry(os.path.join(root, "registry"), apps, templates), repos


def app_id(code, env=ENV):
    return "/qaeci/%s/%s" % (env, code.replace("_", "-"))


class MarathonSite(object):
    def __init__(self, root, marathon_url, mesos_url=None):
        self.root = root
        self.registry, self.repos = shop_tree(root)
        self.state = os.path.join(root, "state")
        self.work_dir = os.path.join(root, "work")
        self.store_dir = os.path.join(root, "artifacts")
        os.makedirs(os.path.join(self.state, "configs"))
        with open(os.path.join(self.state, "configs", "qaeci.yaml"), "w") as handle:
            yaml.safe_dump(self.config(marathon_url, mesos_url), handle)

    def config(self, marathon_url, mesos_url):
        cluster = {"marathon_url": marathon_url, "marathon_auth": CREDENTIALS}
        if mesos_url:
            cluster["mesos_url"] = mesos_url
        return {
            "registry_path": self.registry,
            "backend": "marathon",
            "work_dir": self.work_dir,
            "artifact_store": "file://" + self.store_dir,
            "domain": DOMAIN,
            "clusters": {"dev": cluster},
            "marathon": {"lock_wait": 60, "deployment_timeout": 60},
            "links": {"sandbox": SANDBOX_LINK, "sandbox_files": SANDBOX_FILES_LINK},
        }

    # -- st2lite ------------------------------------------------------------------------------
    def argv(self, *args):
        return [ST2LITE, "--packs", PACKS, "--state", self.state] + list(args)

    def environ(self, user):
        environ = dict(os.environ, ST2LITE_USER=user)
        environ.pop("ST2LITE_STATE", None)
        return environ

    def run(self, ref, *params, user=CREATOR):
        """(exit code, execution) of `st2lite run REF key=value ... --json`."""
        done = subprocess.run(
            self.argv("run", ref, *(list(params) + ["--json"])),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            cwd=REPO,
            env=self.environ(user),
        )
        assert done.stdout.strip(), "st2lite run %s printed nothing; stderr: %s" % (
            ref,
            done.stderr[-2000:],
        )
        return done.returncode, json.loads(done.stdout)

    def start(self, ref, *params, user=CREATOR):
        """`st2lite run REF ...` in the background; its JSON through communicate()."""
        return subprocess.Popen(
            self.argv("run", ref, *(list(params) + ["--json"])),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=self.environ(user),
        )

    def env_up(self, *params, user=CREATOR):
        return self.run("qaeci.env_up", "env=" + ENV, "template=" + TEMPLATE, *params, user=user)

    def env_status(self):
        code, execution = self.run("qaeci.env_status", "env=" + ENV)
        assert code == 0, execution["result"]
        return execution["result"]["output"]

    def env_info(self, app):
        code, execution = self.run("qaeci.env_info", "env_name=" + ENV, "app=" + app)
        assert code == 0, execution["result"]
        return execution["result"]["result"]

    # -- the app repositories ------------------------------------------------------------------
    def commit_to(self, app, text):
        """A developer pushes a change to APP's repository; the new commit."""
        return commit_files(os.path.join(self.repos, app), {"CHANGES": text}, text)


def outcomes(execution):
    """{app: status} of an env_up, env_status or env_rebuild_failed output."""
    return {code: entry["status"] for code, entry in execution["apps"].items()}


def why(execution):
    """What a failed assertion shows: the apps not healthy, else the workflow's errors."""
    result = execution.get("result") or {}
    apps = (result.get("output") or {}).get("apps") or {}
    failed = {
        code: (entry.get("stage"), entry.get("reason"))
        for code, entry in apps.items()
        if entry.get("status") != "healthy"
    }
    return failed or result.get("errors") or result


def actions_run(execution, site):
    """The actions env_up ran, its deploy rounds (env_deploy sub-workflows) included."""
    found = []
    for child in execution["children"]:
        found.append(child["action"])
        if child["action"] == "qaeci.env_deploy":
            found += actions_run(_execution(site, child["id"]), site)
    return found


def _execution(site, execution_id):
    done = subprocess.run(
        site.argv("execution", "get", execution_id, "--json"),
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        cwd=REPO,
        env=site.environ(CREATOR),
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
