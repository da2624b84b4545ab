"""env up / status / down / rebuild-failed end to end on the library, with real git repos,
real builds, real processes on loopback (FakeBackend) and the datastore API."""

import os
import tarfile
import urllib.request

import pytest
from qaeci import build_step, mysql_snapshots, plan_step, status, teardown
from qaeci.errors import PermissionRefused, PlanError, RegistryError
from qaeci.step_context import StepContext
from qaeci_envtree import demo_tree, env_up
from qaeci_testkit import commit_files


@pytest.fixture
def tree(tmp_path):
    return demo_tree(str(tmp_path), broken=True)


@pytest.fixture
def context(tmp_path, tree, datastore, backend):
    registry, _ = tree
    config = {
        "registry_path": registry,
        "work_dir": str(tmp_path / "work"),
        "artifact_store": "file://" + str(tmp_path / "artifacts"),
        "router_port": 8088,
    }
    return StepContext(config, datastore, backend=backend)


def fetch(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def test_env_up_builds_deploys_in_order_and_reports(context, backend):
    report = env_up(context, "qa1", requested_by="alice")
    output = report["output"]
    apps = output["apps"]
    assert report["healthy"] is False  # bad fails to build
    assert output["env"] == "qa1" and output["template"] == "demo" and output["creator"] == "alice"
    assert output["deploy_type"] == "dev"
    for code in ("api", "web", "jobs"):
        assert apps[code]["status"] == "healthy", apps[code]
        assert apps[code]["built"] is True and apps[code]["deployed"] is True
        assert apps[code]["url"] == "http://%s.qa1.localhost:8088/" % code
        assert len(apps[code]["commit"]) == 40
    assert apps["bad"]["status"] == "failed" and apps["bad"]["stage"] == "build"
    assert "exited with 2" in apps["bad"]["reason"] or "exited with" in apps["bad"]["reason"]
    assert "compiling" in apps["bad"]["log_tail"]
    assert apps["after_bad"] == {"status": "skipped", "reason": "depends on bad, which failed"}
    assert output["services"]["mysql"]["status"] == "healthy"
    # each app started only after its own dependency was up
    order = [app for env, app in backend.deploys]
    assert order.index("api") < order.index("web") < order.index("jobs")
    # one deploy per app, each handed out once its dependencies were launched (a later round)
    round_of = {code: index for index, batch in enumerate(report["rounds"]) for code in batch}
    assert sorted(round_of) == sorted(report["plan"]["deploy"])
    assert sum(len(batch) for batch in report["rounds"]) == len(round_of)
    assert round_of["api"] < round_of["web"] < round_of["jobs"]
    assert round_of["bad"] < round_of["after_bad"]
    # rendered config reaches the app: web knows api's direct URL
    api_port = context.backend.allocate_port("qa1", "api")
    web_port = context.backend.allocate_port("qa1", "web")
    assert fetch("http://127.0.0.1:%d/" % web_port) == "web calls http://127.0.0.1:%d" % api_port
    assert fetch("http://127.0.0.1:%d/" % api_port).startswith(
        "api in qa1 on %d db=127.0.0.1:" % api_port
    )


def test_the_back_end_learns_each_release_and_the_deploy_type(context, backend):
    # What a cluster back end needs besides the release directory: the artifact's key (it
    # fetches the artifact itself), the commit (a label) and the deploy type (the cluster).
    env_up(context, "qa1", apps=["web"], requested_by="alice")

    environment = context.existing_environment("qa1")
    assert sorted(spec.app for spec in backend.specs) == ["api", "web"]
    for spec in backend.specs:
        entry = environment["plan"][spec.app]
        assert spec.artifact_key == entry["build_key"] and context.store.exists(spec.artifact_key)
        assert len(spec.commit) == 40 and spec.commit == entry["commit"]
        assert spec.deploy_type == "dev"
    assert backend.service_deploy_types == ["dev"]


def test_artifacts_leave_out_excluded_files(context, tmp_path):
    env_up(context, "qa1", apps=["api"], requested_by="alice")
    keys = context.store.list("api/")
    assert len(keys) == 1
    with tarfile.open(str(tmp_path / "artifacts" / keys[0])) as archive:
        names = archive.getnames()
    assert "server.py" in names and "app.conf" in names and "BUILT" in names
    assert "secret.key" not in names


def test_second_env_up_is_a_noop(context, backend):
    env_up(context, "qa1", apps=["jobs"], requested_by="alice")
    deploys_before = len(backend.deploys)
    report = env_up(context, "qa1", apps=["jobs"], requested_by="alice")
    assert report["healthy"] is True
    assert report["plan"]["build"] == [] and report["plan"]["deploy"] == []
    for entry in report["output"]["apps"].values():
        assert entry["status"] == "healthy" and entry["built"] is False
        assert entry["deployed"] is False
    assert len(backend.deploys) == deploys_before


def test_a_new_commit_rebuilds_and_redeploys_only_that_app(context, tree, backend):
    _, repos = tree
    env_up(context, "qa1", apps=["jobs"], requested_by="alice")
    commit = commit_files(os.path.join(repos, "jobs"), {"app.conf": "jobs v2"}, "v2")
    report = env_up(context, "qa1", apps=["jobs"], requested_by="alice")
    assert report["plan"]["build"] == ["jobs"] and report["plan"]["deploy"] == ["jobs"]
    assert report["output"]["apps"]["jobs"]["commit"] == commit
    assert report["output"]["apps"]["web"]["deployed"] is False


def test_artifacts_are_shared_across_environments(context):
    env_up(context, "qa1", apps=["api"], requested_by="alice")
    report = env_up(context, "qa2", apps=["api"], requested_by="bob")
    assert report["plan"]["build"] == [] and report["plan"]["deploy"] == ["api"]
    assert report["output"]["apps"]["api"]["built"] is False
    assert report["output"]["apps"]["api"]["deployed"] is True


def test_a_stopped_app_is_redeployed(context, backend):
    env_up(context, "qa1", apps=["api"], requested_by="alice")
    backend.destroy("qa1", apps=["api"])
    report = env_up(context, "qa1", apps=["api"], requested_by="alice")
    assert report["plan"]["deploy"] == ["api"] and report["healthy"] is True


def test_status_reports_running_stopped_and_failed(context, backend):
    env_up(context, "qa1", requested_by="alice")
    backend.destroy("qa1", apps=["jobs"])
    now = status.status(context, "qa1")
    apps = now["apps"]
    assert apps["api"]["status"] == "healthy" and apps["api"]["last_check"]["ok"] is True
    assert apps["jobs"]["status"] == "stopped"
    assert apps["bad"]["status"] == "failed" and apps["bad"]["stage"] == "build"
    assert apps["after_bad"]["status"] == "skipped"


def test_failing_check_is_reported_with_log_tail(context, tree, tmp_path):
    _, repos = tree
    commit_files(
        os.path.join(repos, "api"),
        {"server.py": "import sys\nprint('boom at start')\nsys.exit(1)\n"},
        "crash",
    )
    report = env_up(context, "qa1", apps=["web"], requested_by="alice")
    api = report["output"]["apps"]["api"]
    assert api["status"] == "failed" and api["stage"] in ("deploy", "check")
    assert "boom at start" in api["log_tail"]
    assert report["output"]["apps"]["web"]["status"] == "skipped"


def test_rebuild_failed_selects_failures_and_their_dependents(context, tree):
    _, repos = tree
    env_up(context, "qa1", requested_by="alice")
    with pytest.raises(PermissionRefused) as refused:
        status.failed_apps(context, "qa1", user="mallory")
    assert "mia" in str(refused.value) and "alice" in str(refused.value)
    selection = status.failed_apps(context, "qa1", user="mia")
    assert selection["apps"] == ["after_bad", "bad"]
    commit_files(
        os.path.join(repos, "bad"),
        {"Makefile": "all:\n\tmkdir -p dist\n\tcp server.py app.conf dist/\n"},
        "fix",
    )
    report = env_up(context, "qa1", apps=selection["apps"], requested_by="mia")
    assert report["healthy"] is True
    assert sorted(report["plan"]["deploy"]) == ["after_bad", "bad"]
    assert status.run_report(context, "qa1")["output"]["creator"] == "alice"


def test_down_is_refused_to_others_and_allowed_to_the_creator(context, backend, datastore):
    env_up(context, "qa1", apps=["api"], requested_by="alice")
    with pytest.raises(PermissionRefused) as refused:
        teardown.down(context, "qa1", user="mallory")
    assert "managers (mia)" in str(refused.value) and "creator (alice)" in str(refused.value)
    result = teardown.down(context, "qa1", user="alice")
    assert result["removed"] == ["api"]
    assert backend.status("qa1") == {}
    assert not [key for key in datastore.values if key.startswith("qaeci.env.qa1")]
    assert status.list_environments(context) == {"environments": []}


def test_managers_may_take_down_single_apps(context, backend):
    env_up(context, "qa1", apps=["web"], requested_by="alice")
    result = teardown.down(context, "qa1", apps=["web"], user="mia")
    assert result == {"env": "qa1", "removed": ["web"], "remaining": ["api"]}
    assert list(backend.status("qa1")) == ["api"]


def test_list_shows_environments(context):
    env_up(context, "qa1", apps=["api"], requested_by="alice")
    listing = status.list_environments(context)["environments"]
    assert [(e["env"], e["creator"], e["apps"], e["healthy"]) for e in listing] == [
        ("qa1", "alice", 1, 1)
    ]


def test_refusals_happen_before_anything_is_touched(context, backend, datastore):
    with pytest.raises(RegistryError):
        plan_step.plan(context, "Bad_Name", requested_by="alice")
    with pytest.raises(PlanError) as caught:
        plan_step.plan(context, "qa1", template="demo", apps=["ghost"], requested_by="alice")
    assert "not in template demo" in str(caught.value)
    with pytest.raises(PlanError) as caught:
        plan_step.plan(
            context,
            "qa1",
            template="demo",
            branches={"web": "nope"},
            apps=["api"],
            requested_by="alice",
        )
    assert "branch override for 'web'" in str(caught.value)
    with pytest.raises(PlanError) as caught:
        plan_step.plan(
            context,
            "qa1",
            template="demo",
            branches={"api": "no-such-branch"},
            requested_by="alice",
        )
    assert "branch 'no-such-branch' not found" in str(caught.value)
    assert datastore.values == {} and backend.deploys == []


def test_template_of_an_existing_env_cannot_change(context):
    env_up(context, "qa1", apps=["api"], requested_by="alice")
    with pytest.raises(PlanError) as caught:
        plan_step.plan(context, "qa1", template="other", requested_by="alice")
    assert "made from template demo" in str(caught.value)


def test_status_after_a_partial_env_up_still_checks_every_app(context):
    env_up(context, "qa1", apps=["web"], requested_by="alice")
    env_up(context, "qa1", apps=["api"], requested_by="alice")
    apps = status.status(context, "qa1")["apps"]
    assert {code: entry["status"] for code, entry in apps.items()} == {
        "api": "healthy",
        "web": "healthy",
    }


def test_mysql_snapshots_go_through_the_back_end(context):
    env_up(context, "qa1", apps=["api"], requested_by="alice")
    assert (
        mysql_snapshots.create_snapshot(context, "qa1", "std-2024")["details"]["name"] == "std-2024"
    )
    assert mysql_snapshots.list_snapshots(context) == {"snapshots": [{"name": "std-2024"}]}
    with pytest.raises(PlanError) as caught:
        mysql_snapshots.create_snapshot(context, "qa1", "Bad Name")
    assert "snapshot name 'Bad Name' is invalid" in str(caught.value)


def test_an_unexpected_build_crash_is_recorded_so_nobody_waits(context, monkeypatch):
    from qaeci import build as build_module

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(build_module, "build_app", explode)
    report = env_up(context, "qa1", apps=["api"], requested_by="alice")
    api = report["output"]["apps"]["api"]
    assert api["status"] == "failed" and api["stage"] == "build" and api["reason"] == "disk full"


def test_an_interrupted_env_up_is_finished_by_the_next_one(context, backend):
    planned = plan_step.plan(context, "qa1", template="demo", apps=["web"], requested_by="alice")
    build_step.build(context, "qa1", "api", planned["run"])  # ...and then the runtime died
    interrupted = status.run_report(context, "qa1", planned["run"])["output"]["apps"]
    assert (
        interrupted["web"]["status"] == "failed" and "interrupted" in interrupted["web"]["reason"]
    )
    report = env_up(context, "qa1", apps=["web"], requested_by="alice")
    assert report["healthy"] is True
    assert report["plan"]["build"] == ["web"]  # api's artifact from the dead run is reused
    assert report["output"]["apps"]["api"]["built"] is False


def test_an_interrupted_env_up_can_be_taken_down(context, backend, datastore):
    planned = plan_step.plan(context, "qa1", template="demo", apps=["api"], requested_by="alice")
    build_step.build(context, "qa1", "api", planned["run"])
    teardown.down(context, "qa1", user="alice")
    assert not [key for key in datastore.values if key.startswith("qaeci.env.qa1")]


def test_two_environments_side_by_side_are_isolated(context):
    first = env_up(context, "qa1", apps=["api"], requested_by="alice")
    second = env_up(context, "qa2", apps=["api"], requested_by="bob")
    assert first["healthy"] and second["healthy"]
    port1 = context.backend.allocate_port("qa1", "api")
    port2 = context.backend.allocate_port("qa2", "api")
    assert port1 != port2
    assert fetch("http://127.0.0.1:%d/" % port1).startswith("api in qa1 on %d" % port1)
    assert fetch("http://127.0.0.1:%d/" % port2).startswith("api in qa2 on %d" % port2)
    db1 = context.state("qa1").services()["services"]["mysql"]["port"]
    db2 = context.state("qa2").services()["services"]["mysql"]["port"]
    assert db1 != db2
    teardown.down(context, "qa1", user="alice")
    assert fetch("http://127.0.0.1:%d/" % port2).startswith("api in qa2")
