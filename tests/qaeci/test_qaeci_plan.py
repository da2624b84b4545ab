"""Plan decisions: selection with dependencies, branch choice, build keys, redeploy reasons,
dependency order."""

import os

import pytest
from qaeci import plan
from qaeci.errors import PlanError
from qaeci.registry import App, Template
from qaeci_testkit import commit_files, git, make_repo


def app(code, depends_on=(), branch=None, url="file:///x"):
    scm = {"url": url}
    if branch:
        scm["branch"] = branch
    return App(
        {
            "app_code": code,
            "scm": scm,
            "build": {"method": "none"},
            "runtime": {"type": "static"},
            "depends_on": list(depends_on),
        },
        "apps/%s.yaml" % code,
    )


APPS = {
    "db_api": app("db_api"),
    "web": app("web", ["db_api"]),
    "jobs": app("jobs", ["web"]),
    "solo": app("solo", branch="develop"),
}
TEMPLATE = Template(
    {
        "name": "demo",
        "apps": {"db_api": None, "web": {"branch": "release-1"}, "jobs": {}, "solo": {}},
    },
    "envs/demo.yaml",
)


def test_a_subset_pulls_in_its_dependencies_transitively():
    assert plan.select_apps(TEMPLATE, APPS, ["jobs"]) == {"jobs", "web", "db_api"}
    assert plan.select_apps(TEMPLATE, APPS, ["solo"]) == {"solo"}
    assert plan.select_apps(TEMPLATE, APPS, None) == set(APPS)


def test_a_subset_outside_the_template_is_refused():
    with pytest.raises(PlanError) as caught:
        plan.select_apps(TEMPLATE, APPS, ["nope"])
    assert "not in template demo" in str(caught.value)


def test_dependency_order_puts_dependencies_first():
    order = plan.dependency_order(APPS, set(APPS))
    assert order.index("db_api") < order.index("web") < order.index("jobs")


def test_branch_choice_most_specific_first():
    selected = set(APPS)
    chosen = plan.choose_branches(TEMPLATE, APPS, selected, None, {})
    assert chosen["web"] == ("release-1", None)  # the template pins it
    assert chosen["solo"] == ("develop", None)  # the app's own scm.branch
    assert chosen["db_api"] == ("master", None)  # nothing set anywhere
    chosen = plan.choose_branches(TEMPLATE, APPS, selected, "feature-x", {"jobs": "hotfix"})
    assert chosen["jobs"] == ("hotfix", None)  # per-app override wins
    assert chosen["web"] == ("release-1", None)  # the command's branch does not beat the template
    assert chosen["solo"] == ("feature-x", "develop")  # falls back to its own default if missing


def test_commits_come_from_git_ls_remote_with_fallback(tmp_path):
    url = make_repo(str(tmp_path / "repo"), {"a.txt": "1"})
    git(str(tmp_path / "repo"), "checkout", "-q", "-b", "feature-x")
    feature = commit_files(str(tmp_path / "repo"), {"a.txt": "2"}, "feature")
    master = git(str(tmp_path / "repo"), "rev-parse", "master")
    apps = {"one": app("one", url=url), "two": app("two", url=url)}
    chosen = {"one": ("feature-x", None), "two": ("no-such", "master")}
    assert plan.resolve_commits(apps, chosen) == {
        "one": ("feature-x", feature),
        "two": ("master", master),
    }
    with pytest.raises(PlanError) as caught:
        plan.resolve_commits(apps, {"one": ("no-such", None)})
    assert "branch 'no-such' not found" in str(caught.value)


def test_branch_names_never_reach_a_shell(tmp_path):
    url = make_repo(str(tmp_path / "repo"), {"a.txt": "1"})
    marker = tmp_path / "pwned"
    with pytest.raises(PlanError):
        plan.resolve_commits({"one": app("one", url=url)}, {"one": ("x; touch %s" % marker, None)})
    assert not os.path.exists(str(marker))


def test_build_key_changes_with_commit_and_recipe():
    first = plan.build_key(APPS["web"], "a" * 40)
    assert first.startswith("web/" + "a" * 40 + "-") and first.endswith(".tar.gz")
    assert plan.build_key(APPS["web"], "b" * 40) != first
    changed = app("web", ["db_api"])
    changed.build = {"method": "make"}
    assert plan.build_key(changed, "a" * 40) != first


def entry(**overrides):
    item = plan.AppPlan("web", "master", "c" * 40, "web/key", {"url": "http://127.0.0.1:1"}, [])
    item.context_hash = "h1"
    for key, value in overrides.items():
        setattr(item, key, value)
    return item


PREVIOUS = {"commit": "c" * 40, "build_key": "web/key", "context_hash": "h1", "status": "healthy"}


@pytest.mark.parametrize(
    "item, previous, running, reason",
    [
        (entry(needs_build=True), PREVIOUS, True, "new build"),
        (entry(), None, True, "never deployed"),
        (entry(commit="d" * 40), PREVIOUS, True, "commit changed"),
        (entry(build_key="web/other"), PREVIOUS, True, "build recipe changed"),
        (entry(context_hash="h2"), PREVIOUS, True, "config changed"),
        (entry(), dict(PREVIOUS, status="failed"), True, "last run failed"),
        (entry(), PREVIOUS, False, "not running"),
    ],
)
def test_redeploy_reasons(item, previous, running, reason):
    assert plan.decide_deploy(item, previous, running, []) == (True, reason)


def test_unchanged_running_and_healthy_is_left_alone():
    assert plan.decide_deploy(entry(), PREVIOUS, True, []) == (False, "")


def test_unchanged_but_failing_its_check_now_is_redeployed():
    needs, reason = plan.decide_deploy(entry(), PREVIOUS, True, ["/health"])
    assert needs is True and reason.startswith("check failing")


@pytest.mark.parametrize(
    "runtime, argv",
    [
        ({"type": "command", "command": "node server.js"}, ["bash", "-c", "exec node server.js"]),
        ({"type": "command", "command": "cd app && ./run"}, ["bash", "-c", "cd app && ./run"]),
        ({"type": "python"}, ["bash", "-c", "exec python3 app.py"]),
        (
            {"type": "python", "command": "server.py --port $PORT0"},
            ["bash", "-c", "exec python3 server.py --port $PORT0"],
        ),
        ({"type": "static"}, ["bash", "-c", 'exec python3 -m http.server "$PORT0" --bind "$HOST"']),
    ],
)
def test_runtime_commands(runtime, argv, tmp_path):
    from qaeci.deploy import runtime_command

    assert runtime_command(runtime, str(tmp_path)) == argv


def test_runtime_refusals(tmp_path):
    from qaeci.deploy import DeployError, runtime_command

    with pytest.raises(DeployError) as caught:
        runtime_command({"type": "command"}, str(tmp_path))
    assert "needs runtime.command" in str(caught.value)
    with pytest.raises(DeployError) as caught:
        runtime_command({"type": "java"}, str(tmp_path))
    assert "found no .jar" in str(caught.value)
    (tmp_path / "svc.jar").write_text("")
    assert runtime_command({"type": "java", "java_opts": "-Xmx64m"}, str(tmp_path))[2].startswith(
        "exec java -Xmx64m"
    )


def _variables(web_port, api_port):
    from qaeci.render import template_variables

    addresses = {
        "web": {
            "host": "127.0.0.1",
            "port": web_port,
            "url": "http://127.0.0.1:%d" % web_port,
            "public_url": "http://web.qa1.localhost:8080/",
        },
        "api": {
            "host": "127.0.0.1",
            "port": api_port,
            "url": "http://127.0.0.1:%d" % api_port,
            "public_url": "http://api.qa1.localhost:8080/",
        },
    }
    return template_variables("qa1", "localhost", "dev", "web", addresses, {})


def test_config_changes_only_when_a_variable_the_templates_read_changes():
    from qaeci.render import render_text

    reads = {}
    render_text(
        "listen={{ app.port }} api={{ apps.api.url }}", _variables(20001, 20002), "web:conf", reads
    )
    deployed = {"config_inputs": reads}
    before = plan.context_hash("key", reads)
    # another app that web's config never names moves: same config
    assert plan.config_hash("key", _variables(20001, 20002), deployed) == before
    quiet = {}
    render_text("listen={{ app.port }}", _variables(20001, 20002), "web:conf", quiet)
    assert plan.config_hash(
        "key", _variables(20001, 29999), {"config_inputs": quiet}
    ) == plan.context_hash("key", quiet)
    # the api it calls moves: its config changes
    assert plan.config_hash("key", _variables(20001, 29999), deployed) != before
    # a record from before config_inputs were noted compares every variable
    assert plan.config_hash("key", _variables(20001, 20002), {}) == plan.context_hash(
        "key", _variables(20001, 20002)
    )
