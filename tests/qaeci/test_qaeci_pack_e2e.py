"""The pack run by st2lite, as outside checks run it: the Orquesta workflows, python actions,
aliases and the real local back end (supervisord + nginx) on loopback."""

import json
import os
import subprocess
import sys
import urllib.request

import pytest
import yaml
from qaeci_envtree import demo_tree
from qaeci_fake_backend import free_port
from qaeci_testkit import commit_files

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ST2LITE = os.path.join(os.path.dirname(sys.executable), "st2lite")
OUTPUT_KEYS = {"env", "template", "deploy_type", "creator", "apps", "services"}

pytestmark = pytest.mark.e2e


def without_services(registry):
    for folder in ("apps", "envs"):
        for name in os.listdir(os.path.join(registry, folder)):
            path = os.path.join(registry, folder, name)
            data = yaml.safe_load(open(path))
            data["services"] = [] if folder == "apps" else {}
            yaml.safe_dump(data, open(path, "w"))


@pytest.fixture
def site(tmp_path):
    registry, repos = demo_tree(str(tmp_path), broken=True)
    without_services(registry)
    commit_files(os.path.join(repos, "api"), {"app.conf": "api in {{ env.name }}"}, "no db")
    state = tmp_path / "state"
    (state / "configs").mkdir(parents=True)
    port = free_port()
    work = str(tmp_path / "work")
    (state / "configs" / "qaeci.yaml").write_text(
        yaml.safe_dump(
            {
                "registry_path": registry,
                "work_dir": work,
                "router_port": port,
                "artifact_store": "file://" + str(tmp_path / "artifacts"),
            }
        )
    )
    yield {"state": str(state), "port": port, "repos": repos, "work": work}
    sys.path.insert(0, os.path.join(REPO, "packs", "qaeci", "lib"))
    from qaeci.backends.local import LocalBackend

    backend = LocalBackend(work, "localhost", port)
    for env in backend.environments():
        backend.destroy(env)
    backend.shutdown()


def st2lite(site, *args):
    command = [ST2LITE, "--packs", os.path.join(REPO, "packs"), "--state", site["state"]]
    completed = subprocess.run(
        command + list(args), capture_output=True, text=True, timeout=300, cwd=REPO
    )
    return completed.returncode, completed.stdout, completed.stderr


def run_json(site, *args):
    code, out, err = st2lite(site, "run", *args, "--json")
    assert out.strip(), err
    return code, json.loads(out)


def descendants(site, execution):
    """Every execution under EXECUTION, read back as `st2lite execution get` shows them (the
    deploys run in rounds of the env_deploy sub-workflow)."""
    found = []
    for child in execution["children"]:
        found.append(child)
        if child["action"] == "qaeci.env_deploy":
            code, out, err = st2lite(site, "execution", "get", child["id"], "--json")
            assert code == 0, err
            found += descendants(site, json.loads(out))
    return found


def through_router(site, app, env):
    request = urllib.request.Request(
        "http://127.0.0.1:%d/" % site["port"], headers={"Host": "%s.%s.localhost" % (app, env)}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


def test_env_lifecycle_through_st2lite(site):
    code, execution = run_json(site, "qaeci.env_up", "env=qa1", "template=demo", "--user", "alice")
    output = execution["result"]["output"]
    assert code == 1 and execution["status"] == "failed"
    assert set(output) == OUTPUT_KEYS
    apps = output["apps"]
    assert {code_: entry["status"] for code_, entry in apps.items()} == {
        "api": "healthy",
        "web": "healthy",
        "jobs": "healthy",
        "bad": "failed",
        "after_bad": "skipped",
    }
    assert apps["bad"]["stage"] == "build" and apps["bad"]["log_tail"]
    assert apps["web"]["url"] == "http://web.qa1.localhost:%d/" % site["port"]
    deploys = [
        child for child in descendants(site, execution) if child["action"] == "qaeci.app_deploy"
    ]
    assert sorted(child["parameters"]["app"] for child in deploys) == sorted(apps)  # one each
    assert all(child["task"] == "deploy" and child["item"] is not None for child in deploys)
    assert through_router(site, "api", "qa1") == "api in qa1"
    assert through_router(site, "web", "qa1").startswith("web calls http://127.0.0.1:")

    code, again = run_json(site, "qaeci.env_up", "env=qa1", "apps=jobs", "--user", "bob")
    assert code == 0 and again["status"] == "succeeded"
    assert all(
        not entry["built"] and not entry["deployed"]
        for entry in again["result"]["output"]["apps"].values()
    )
    assert again["result"]["output"]["creator"] == "alice"

    code, out, _ = st2lite(site, "action-alias", "execute", "env down qa1", "--user", "mallory")
    assert code == 1 and "only its managers (mia) and its creator (alice)" in out

    commit_files(
        os.path.join(site["repos"], "bad"),
        {"Makefile": "all:\n\tmkdir -p dist\n\tcp server.py app.conf dist/\n"},
        "fix the build",
    )
    code, out, _ = st2lite(
        site, "action-alias", "execute", "env rebuild-failed qa1", "--user", "mia"
    )
    assert code == 0, out
    assert "✓ bad healthy" in out and "✓ after_bad healthy" in out and "✓ api" not in out

    code, status = run_json(site, "qaeci.env_status", "env=qa1")
    assert code == 0 and set(status["result"]["output"]) == OUTPUT_KEYS
    assert {entry["status"] for entry in status["result"]["output"]["apps"].values()} == {"healthy"}

    code, out, _ = st2lite(site, "action-alias", "execute", "env down qa1", "--user", "alice")
    assert code == 0 and "removed after_bad, api, bad, jobs, web" in out
    code, listing = run_json(site, "qaeci.env_list")
    assert listing["result"]["result"] == {"environments": []}
    assert not os.path.exists(os.path.join(site["work"], "releases", "qa1"))


def test_refusals_fail_the_workflow_with_one_line(site):
    code, execution = run_json(site, "qaeci.env_up", "env=qa1", "template=nope")
    assert code == 1 and execution["status"] == "failed"
    assert execution["result"]["output"]["apps"] == {}
    messages = [
        error.get("result", {}).get("result", {}).get("error")
        for error in execution["result"]["errors"]
        if isinstance(error.get("result"), dict)
    ]
    assert any(m and m.startswith("unknown environment template 'nope'") for m in messages)
    code, out, _ = st2lite(site, "action-alias", "execute", "env up qa1 from demo")
    assert code == 1 and "template=demo" in out


@pytest.mark.parametrize(
    "command, alias, parameters",
    [
        ("env up qa1", "qaeci.env_up", {"env": "qa1"}),
        (
            "env up qa1 template=demo apps=web,api branch=dev branches=web=feat,api:fix",
            "qaeci.env_up",
            {
                "env": "qa1",
                "template": "demo",
                "apps": "web,api",
                "branch": "dev",
                "branches": "web=feat,api:fix",
            },
        ),
        ("env up x from y", "qaeci.env_up", {"env": "x from y"}),
        ("env down qa1", "qaeci.env_down", {"env": "qa1"}),
        ("env down qa1 apps=web", "qaeci.env_down", {"env": "qa1", "apps": "web"}),
        ("env status qa1", "qaeci.env_status", {"env": "qa1"}),
        ("env rebuild-failed qa1", "qaeci.env_rebuild_failed", {"env": "qa1"}),
        ("env list", "qaeci.env_list", {}),
    ],
)
def test_every_command_form_matches_exactly_one_format(site, command, alias, parameters):
    code, out, err = st2lite(site, "action-alias", "match", command, "--json")
    assert code == 0, out + err
    match = json.loads(out)
    assert match["alias"] == alias and match["parameters"] == parameters


def test_two_env_up_on_one_environment_never_interleave(site):
    command = [
        ST2LITE,
        "--packs",
        os.path.join(REPO, "packs"),
        "--state",
        site["state"],
        "run",
        "qaeci.env_up",
        "env=qa2",
        "template=demo",
        "apps=api",
        "--json",
    ]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=REPO, text=True)
    second = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=REPO, text=True)
    runs = [json.loads(process.communicate(timeout=300)[0]) for process in (first, second)]
    assert [run["status"] for run in runs] == ["succeeded", "succeeded"]
    spans = sorted(
        (
            min(child["start_timestamp"] for child in run["children"]),
            max(child["end_timestamp"] for child in run["children"]),
        )
        for run in runs
    )
    assert spans[0][1] <= spans[1][0], spans  # the later one's steps all start after the first ends


def test_the_requesting_user_cannot_be_overridden(site):
    code, out, err = st2lite(
        site, "run", "qaeci.env_down", "env=qa1", "requested_by=mia", "--user", "mallory"
    )
    assert code == 2 and "immutable" in (out + err)


def test_env_info_through_chat_on_the_local_back_end(site):
    config_path = os.path.join(site["state"], "configs", "qaeci.yaml")
    config = yaml.safe_load(open(config_path))
    config["links"] = {
        "logs": "https://kibana.example/?q=env:{env}+app:{app}",
        "console": "http://{host}:{port}/",
    }
    yaml.safe_dump(config, open(config_path, "w"))
    code, _ = run_json(
        site, "qaeci.env_up", "env=qa1", "template=demo", "apps=web", "--user", "alice"
    )
    assert code == 0

    code, out, err = st2lite(
        site, "action-alias", "execute", "env info qa1 web", "--json", "--user", "bob"
    )
    assert code == 0, out + err
    answer = json.loads(out)
    info = answer["execution"]["result"]["result"]
    assert answer["ack"] == "Looking at web in qa1 now."
    assert (info["status"], info["host"], info["deployed_by"]) == ("healthy", "127.0.0.1", "alice")
    assert through_router(site, "web", "qa1").startswith("web calls http://127.0.0.1:")
    assert answer["result"].splitlines()[:5] == [
        "bob: ✓ web in qa1: healthy",
        "http://web.qa1.localhost:%d/" % site["port"],
        "commit %s (master), on 127.0.0.1:%d since %s"
        % (info["commit"][:10], info["port"], info["started_at"]),
        "deployed %s by alice" % info["deployed_at"],
        "console: http://127.0.0.1:%d/ | logs: https://kibana.example/?q=env:qa1+app:web"
        % info["port"],
    ]

    code, out, _ = st2lite(site, "action-alias", "execute", "env status qa1")
    assert code == 0
    line = next(text for text in out.splitlines() if text.startswith("✓ web "))
    assert (
        "(master) http://web.qa1.localhost:%d/ on 127.0.0.1:%d, deployed %s by alice"
        % (site["port"], info["port"], info["deployed_at"])
    ) in line, out

    code, out, _ = st2lite(site, "action-alias", "execute", "env info qa1 nope", "--user", "bob")
    assert code == 1
    assert out.strip().splitlines()[-1] == (
        "bob: ✗ nope in qa1: app 'nope' is not in environment qa1; fix: ask about one of its apps "
        "(api, web)"
    )
