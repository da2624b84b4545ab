"""A real app tree for lifecycle tests: git repositories on disk (file:// URLs), real shell and
make builds, python HTTP servers as apps; and a driver that runs env_up's steps the way the
Orquesta workflows do (builds and deploys concurrently, meeting in the datastore)."""

import os
from concurrent.futures import ThreadPoolExecutor

from qaeci import build_step, deploy_dispatch, deploy_step, plan_step, services_step, status
from qaeci_testkit import SERVER_PY, make_repo, write_registry

SHELL_BUILD = "mkdir -p dist && cp server.py app.conf dist/ && echo built > dist/BUILT"
MAKEFILE = "all:\n\tmkdir -p dist\n\tcp server.py app.conf dist/\n"
BROKEN_MAKEFILE = "all:\n\t@echo compiling; exit 3\n"


def server_app(
    repos, code, conf, depends_on=(), method="shell", services=(), broken=False, check_timeout=10
):
    files = {"server.py": SERVER_PY, "app.conf": conf, "secret.key": "never shipped"}
    if method == "make":
        files["Makefile"] = BROKEN_MAKEFILE if broken else MAKEFILE
    url = make_repo(os.path.join(repos, code), files)
    build = {"method": method, "artifact": "dist", "exclude": ["secret.key"]}
    if method == "shell":
        build["command"] = SHELL_BUILD
    return {
        "app_code": code,
        "scm": {"url": url, "branch": "master"},
        "build": build,
        "runtime": {"type": "python", "command": "server.py", "config_templates": ["app.conf"]},
        "check": {"urls": ["/health"], "timeout": check_timeout},
        "depends_on": list(depends_on),
        "services": list(services),
    }


def demo_tree(root, broken=False):
    repos = os.path.join(root, "repos")
    apps = [
        server_app(
            repos,
            "api",
            "api in {{ env.name }} on {{ app.port }} "
            "db={{ services.mysql.host }}:{{ services.mysql.port }}",
            services=["mysql"],
        ),
        server_app(repos, "web", "web calls {{ apps.api.url }}", depends_on=["api"], method="make"),
        server_app(repos, "jobs", "jobs use {{ apps.web.url }}", depends_on=["web"]),
        server_app(repos, "bad", "bad", method="make", broken=broken),
        server_app(repos, "after_bad", "after", depends_on=["bad"]),
    ]
    templates = [
        {
            "name": "demo",
            "deploy_type": "dev",
            "managers": ["mia"],
            "services": {"mysql": {"snapshot": "std"}},
            "apps": {code["app_code"]: {} for code in apps},
        }
    ]
    return write_registry(os.path.join(root, "registry"), apps, templates), repos


def env_up(context, env, **overrides):
    """plan -> (services | builds | deploys) -> report, as qaeci.env_up runs them: the deploys
    in rounds, as env_deploy dispatches them."""
    overrides.setdefault("template", "demo")
    planned = plan_step.plan(context, env, **overrides)
    run = planned["run"]
    with ThreadPoolExecutor(max_workers=3 + len(planned["build"]) + len(planned["deploy"])) as pool:
        jobs = [pool.submit(services_step.start_services, context, env, run)]
        jobs += [
            pool.submit(build_step.build, context, env, code, run) for code in planned["build"]
        ]
        jobs += [pool.submit(dispatch_deploys, context, env, run, planned["deploy"], pool)]
        for job in jobs:
            job.result()
    report = status.run_report(context, env, run)
    report["plan"] = planned
    report["rounds"] = jobs[-1].result()
    return report


def dispatch_deploys(context, env, run, apps, pool):
    """env_deploy's rounds: each deploys the apps the dispatcher finds nearly ready, while the
    next round waits for the rest. Returns the apps of each round."""
    rounds, deploys = [], []
    while apps:
        batch = deploy_dispatch.next_deploys(context, env, run, apps, wait_timeout=60)
        rounds.append(batch["ready"])
        deploys += [
            pool.submit(deploy_step.deploy, context, env, code, run, 60) for code in batch["ready"]
        ]
        apps = batch["rest"]
    for deploy in deploys:
        deploy.result()
    return rounds
