"""The environment lifecycle end to end, with real processes: the demo brought up by
scripts/demo.py (supervisord, nginx, MariaDB, Redis, six apps), then driven through
`st2lite` as a user and a chat user drive it.

The tests share one state dir and run in file order: each leaves the environments as the next
expects them (qa1 up throughout, restored by the tests that break it on purpose; qa2 up from the
isolation test on; qa3 and qa4 only inside the crash tests; nothing after the last test)."""

import contextlib
import json
import os
import re
import socket

import pytest
from e2e_site import (
    CREATOR,
    FIRST_ENV,
    MANAGER,
    app_outcomes,
    built_apps,
    deployed_apps,
    kill_process_group,
    mysql_query,
    redis_command,
    wait_until,
)

pytestmark = pytest.mark.e2e

DEMO_APPS = ["books", "prices", "search", "shop", "status", "stock"]
MANAGERS_TEXT = "alice, qa.lead"
SECOND_ENV = "qa2"
CRASH_ENV = "qa3"
BUILD_CRASH_ENV = "qa4"
APP_READY_SECONDS = 120.0
BUILD_START_SECONDS = 60.0


def env_up(site, env, user=None):
    return site.run("qaeci.env_up", "env=" + env, "template=demo", user=user)


def why(execution):
    """The failed apps' reasons, else the workflow's errors: what a failed assertion shows."""
    result = execution.get("result") or {}
    apps = (result.get("output") or {}).get("apps") or {}
    failed = {
        code: (entry.get("stage"), entry.get("reason"))
        for code, entry in apps.items()
        if entry.get("status") != "healthy"
    }
    return failed or result.get("errors") or result


def assert_all_healthy(execution):
    assert execution["status"] == "succeeded", why(execution)
    statuses = {code: entry[0] for code, entry in app_outcomes(execution).items()}
    assert statuses == {code: "healthy" for code in DEMO_APPS}


def assert_every_app_answers(site, env):
    for app in DEMO_APPS:
        status, body = site.get(app, env)
        assert status == 200, "%s.%s answered %d: %s" % (app, env, status, body[:300])


def shop_row(page, title):
    """The cells of the shop page's table row for a title, or None."""
    match = re.search(r"<tr><td>%s</td>(.*?)</tr>" % re.escape(title), page)
    return re.findall(r"<td>(.*?)</td>", match.group(1)) if match else None


@contextlib.contextmanager
def holding_port(port):
    """A listening socket on 127.0.0.1:port for the duration (SO_REUSEADDR: the port's last
    connections may still linger in TIME_WAIT)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
        sock.listen(1)
        yield sock
    finally:
        sock.close()


def bring_back(site, env):
    """After a test that breaks env on purpose: env_up again unless every app is healthy, so
    one failed test does not fail the ones after it."""
    code, status = site.run("qaeci.env_status", "env=" + env)
    states = {entry[0] for entry in app_outcomes(status).values()}
    if code != 0 or states != {"healthy"} or len(app_outcomes(status)) != len(DEMO_APPS):
        env_up(site, env)


def plan_reasons(execution):
    plan = next(child for child in execution["children"] if child["action"] == "qaeci.env_plan")
    return plan["result"]["result"].get("reasons")


def env_up_history(site, env):
    """env_up executions of env, oldest first, as `st2lite execution list` shows them."""
    code, out, err = site.st2lite(
        "execution", "list", "--action", "qaeci.env_up", "-n", "50", "--json"
    )
    assert code == 0, err
    runs = [run for run in json.loads(out) if run["parameters"].get("env") == env]
    return sorted(runs, key=lambda run: run["start_timestamp"])


def services_of(site, env):
    code, execution = site.run("qaeci.env_status", "env=" + env)
    assert code == 0, execution["result"]
    return execution["result"]["output"]["services"]


def books_titles(site, env):
    status, body = site.get("books", env, "/api/books")
    assert status == 200, body[:300]
    return body


def test_st2lite_takes_a_relative_packs_directory(site):
    # DESIGN section 2 and the outside checks call `st2lite --packs packs ...` from the repo root.
    code, out, err = site.st2lite_relative_packs("run", "qaeci.env_list", "--json")
    assert code == 0, (out + err)[-1500:]


def test_every_app_answers_through_the_router(site):
    assert_every_app_answers(site, FIRST_ENV)
    for app in DEMO_APPS:
        status, body = site.get(app, FIRST_ENV, "/health")
        assert status == 200, "%s /health: %s" % (app, body[:300])
    status, _ = site.get("nosuchapp", FIRST_ENV)
    assert status == 404


def test_the_shop_page_shows_rows_from_mariadb_and_levels_from_redis(site):
    services = services_of(site, FIRST_ENV)
    mysql_query(
        site.rendered_config(FIRST_ENV, "books"),
        "INSERT INTO books (id, title, author, published_year, list_price_cents) "
        "VALUES (901, 'Only In qa1', 'E2E Tester', 2024, 1000)",
    )
    redis_command(services["redis"]["port"], "HSET", "stock:levels", "3", "4242")

    status, page = site.get("shop", FIRST_ENV)

    assert status == 200
    assert shop_row(page, "Only In qa1") is not None, page[:2000]
    assert shop_row(page, "Designing Data-Intensive Applications")[-1] == "4242", page[:2000]


def test_env_up_again_changes_nothing(site):
    # how fast such a no-op is: bench/env_up.py (env_up_noop)
    code, execution = env_up(site, FIRST_ENV)
    assert code == 0, why(execution)
    assert_all_healthy(execution)
    assert app_outcomes(execution) == {code: ("healthy", False, False) for code in DEMO_APPS}
    assert not {child["action"] for child in execution["children"]} & {
        "qaeci.app_build",
        "qaeci.app_deploy",
    }


def test_two_env_up_of_one_environment_never_interleave(site):
    runners = [
        site.start_background("qaeci.env_up", "env=" + FIRST_ENV, "template=demo", capture=True)
        for _ in range(2)
    ]
    executions = []
    for runner in runners:
        out, _err = runner.communicate(timeout=300)
        assert runner.returncode == 0, out[-1500:]
        executions.append(json.loads(out))

    first, second = sorted(executions, key=lambda e: steps_span(e)[0])
    assert steps_span(second)[0] >= steps_span(first)[1], (
        "the second env_up's steps ran while the first's still did"
    )


def steps_span(execution):
    """(first step's start, last step's end) of an execution, as ISO-8601 text (sortable)."""
    children = execution["children"]
    return (min(c["start_timestamp"] for c in children), max(c["end_timestamp"] for c in children))


def test_env_status_through_chat_lists_every_app_with_its_url(site):
    code, answer = site.alias("env status %s" % FIRST_ENV)
    assert code == 0, answer
    assert FIRST_ENV in answer["ack"]
    assert answer["execution"]["context"]["action_alias_ref"] == "qaeci.env_status"
    for app in DEMO_APPS:
        url = "http://%s.%s.localhost:%d/" % (app, FIRST_ENV, site.router_port)
        line = next(
            (text for text in answer["result"].splitlines() if text.startswith("✓ %s " % app)), None
        )
        assert line is not None and url in line, answer["result"]
    assert "✗" not in answer["result"]


def test_only_managers_or_the_creator_may_take_an_environment_down(site):
    code, execution = site.run("qaeci.env_down", "env=" + FIRST_ENV, user="mallory")
    assert code == 1 and execution["status"] == "failed"
    error = execution["result"]["output"]["error"]
    assert MANAGERS_TEXT in error and CREATOR in error, error

    code, answer = site.alias("env down %s" % FIRST_ENV, user="mallory")
    assert code == 1 and answer["execution"]["status"] == "failed"
    assert answer["execution"]["context"]["user"] == "mallory"
    assert MANAGERS_TEXT in answer["result"], answer["result"]

    code, status = site.run("qaeci.env_status", "env=" + FIRST_ENV)
    assert {code_: entry[0] for code_, entry in app_outcomes(status).items()} == {
        app: "healthy" for app in DEMO_APPS
    }
    assert_every_app_answers(site, FIRST_ENV)


def test_others_may_not_rebuild_an_environment_either(site):
    code, answer = site.alias("env rebuild-failed %s" % FIRST_ENV, user="mallory")
    assert code == 1 and answer["execution"]["status"] == "failed"
    assert MANAGERS_TEXT in answer["result"], answer["result"]


@pytest.mark.parametrize(
    "params, says",
    [
        (["env=QA_1", "template=demo"], ["QA_1", "DNS label"]),
        (["env=qa9", "template=nosuch"], ["nosuch", "demo"]),
        (["env=" + FIRST_ENV, "apps=books,nosuch"], ["nosuch"]),
    ],
)
def test_bad_requests_are_refused_before_anything_is_touched(site, params, says):
    pids = site.app_pids(FIRST_ENV)

    code, execution = site.run("qaeci.env_up", *params)

    assert code == 1 and execution["status"] == "failed"
    message = step_error(execution)
    assert all(word in message for word in says), message
    assert "\n" not in message
    assert_nothing_touched(site, pids)


def test_a_dependency_cycle_is_refused_and_named(site):
    pids = site.app_pids(FIRST_ENV)
    registry_app = os.path.join(site.registry_path(), "apps", "books.yaml")
    with open(registry_app) as handle:
        original = handle.read()
    try:
        with open(registry_app, "w") as handle:
            handle.write(re.sub(r"(?m)^depends_on:.*$", "depends_on: [status]", original))

        code, execution = env_up(site, FIRST_ENV)
    finally:
        with open(registry_app, "w") as handle:
            handle.write(original)

    assert code == 1 and execution["status"] == "failed"
    message = step_error(execution)
    assert "cycle" in message and "books" in message and "status" in message, message
    assert_nothing_touched(site, pids)


def step_error(execution):
    """The one-line error of the step that refused (what the chat reply shows)."""
    for error in execution["result"].get("errors") or []:
        result = error.get("result")
        if isinstance(result, dict) and isinstance(result.get("result"), dict):
            if result["result"].get("error"):
                return result["result"]["error"]
    raise AssertionError("no step error in %s" % execution["result"])


def assert_nothing_touched(site, pids_before):
    code, listing = site.run("qaeci.env_list")
    assert [entry["env"] for entry in listing["result"]["result"]["environments"]] == [FIRST_ENV]
    assert site.app_pids(FIRST_ENV) == pids_before
    assert_every_app_answers(site, FIRST_ENV)


def take_status_down(site):
    code, execution = site.run("qaeci.env_down", "env=" + FIRST_ENV, "apps=status", user=MANAGER)
    assert code == 0, execution["result"]
    assert execution["result"]["output"]["removed"] == ["status"]
    assert site.get("status", FIRST_ENV)[0] == 404
    assert site.get("shop", FIRST_ENV)[0] == 200


def assert_only_status_came_back(execution):
    assert_all_healthy(execution)
    assert built_apps(execution) == []
    assert deployed_apps(execution) == ["status"], "redeployed, with the plan's reasons: %s" % (
        plan_reasons(execution)
    )


def test_one_app_taken_down_comes_back_alone(site):
    # `status` watches the five others and nothing depends on it: bringing it back must not
    # rebuild or restart any other app.
    take_status_down(site)

    code, execution = env_up(site, FIRST_ENV)

    assert code == 0, why(execution)
    assert_only_status_came_back(execution)
    assert site.get("status", FIRST_ENV)[0] == 200


def test_one_app_comes_back_alone_when_its_old_port_was_taken_meanwhile(site):
    # On a busy machine another program may bind the port of an app that is down: the app
    # comes back on a free port, and still no other app is restarted (none names status's URL).
    old_port = site.app_ports(FIRST_ENV)["status"]
    take_status_down(site)

    try:
        with holding_port(old_port):
            code, execution = env_up(site, FIRST_ENV)

        assert code == 0, why(execution)
        assert_only_status_came_back(execution)
        assert site.app_ports(FIRST_ENV)["status"] != old_port
        assert site.get("status", FIRST_ENV)[0] == 200
    finally:
        bring_back(site, FIRST_ENV)


def test_a_failed_build_is_rebuilt_alone(site):
    broken_commit = site.commit_to_app(
        "prices", "server.py", "\ndef broken(:\n", "a syntax error slips in"
    )
    try:
        code, execution = env_up(site, FIRST_ENV)

        assert code == 1 and execution["status"] == "failed"
        outcomes = execution["result"]["output"]["apps"]
        assert outcomes["prices"]["status"] == "failed", outcomes["prices"]
        assert outcomes["prices"]["stage"] == "build"
        assert "server.py" in outcomes["prices"]["log_tail"]
        # Nothing was deployed: the running prices, and shop and status that call it, stay.
        for untouched in ("books", "search", "stock", "shop", "status"):
            assert app_outcomes(execution)[untouched] == ("healthy", False, False)
        assert site.get("shop", FIRST_ENV)[0] == 200

        fixed_commit = site.revert_last_commit("prices")
        code, answer = site.alias("env rebuild-failed %s" % FIRST_ENV, user=MANAGER)

        assert code == 0, answer["result"]
        for app in ("prices", "shop", "status"):
            assert "✓ %s" % app in answer["result"], answer["result"]
        rebuilt = answer["execution"]["result"]["output"]["apps"]
        assert rebuilt["prices"]["built"] and rebuilt["prices"]["deployed"]
        assert rebuilt["prices"]["commit"] == fixed_commit
        assert [
            code_ for code_, entry in rebuilt.items() if entry.get("built") or entry.get("deployed")
        ] == ["prices"]
        assert_every_app_answers(site, FIRST_ENV)
    finally:
        if site.app_head("prices") == broken_commit:
            site.revert_last_commit("prices")
        bring_back(site, FIRST_ENV)


def test_a_second_environment_runs_side_by_side_in_isolation(site):
    code, execution = env_up(site, SECOND_ENV)
    assert code == 0, why(execution)
    assert_all_healthy(execution)
    assert built_apps(execution) == []  # same commits: artifacts are shared across environments

    first, second = services_of(site, FIRST_ENV), services_of(site, SECOND_ENV)
    first_apps, second_apps = site.app_ports(FIRST_ENV), site.app_ports(SECOND_ENV)
    assert set(first_apps) == set(second_apps) == set(DEMO_APPS), (first_apps, second_apps)
    first_ports = set(first_apps.values()) | {s["port"] for s in first.values()}
    second_ports = set(second_apps.values()) | {s["port"] for s in second.values()}
    assert len(first_ports) == len(second_ports) == len(DEMO_APPS) + 2, (first, second)
    assert first_ports.isdisjoint(second_ports)

    config = site.rendered_config(SECOND_ENV, "books")
    assert config["env"] == SECOND_ENV
    assert config["mysql"]["port"] == second["mysql"]["port"] != first["mysql"]["port"]
    shop_links = site.rendered_config(SECOND_ENV, "shop")["links"]
    assert shop_links["books"] == "http://books.%s.localhost:%d/" % (SECOND_ENV, site.router_port)

    mysql_query(
        config,
        "INSERT INTO books (id, title, author, published_year, "
        "list_price_cents) VALUES (902, 'Only In qa2', 'E2E Tester', 2024, 1000)",
    )
    assert "Only In qa2" in books_titles(site, SECOND_ENV)
    assert "Only In qa2" not in books_titles(site, FIRST_ENV)
    assert "Only In qa1" in books_titles(site, FIRST_ENV)
    assert "Only In qa1" not in books_titles(site, SECOND_ENV)
    assert_every_app_answers(site, FIRST_ENV)
    assert_every_app_answers(site, SECOND_ENV)


def test_a_crash_in_the_middle_of_env_up_is_finished_by_the_next_one(site):
    runner = site.start_background("qaeci.env_up", "env=" + CRASH_ENV, "template=demo")
    try:
        # Deploys are under way once the first app answers; the apps after it are not yet.
        first_app_up = wait_until(
            lambda: site.get("books", CRASH_ENV)[0] == 200, APP_READY_SECONDS, interval=0.2
        )
        assert runner.poll() is None, "env_up ended (exit %s) before it was killed" % runner.poll()
    finally:
        killed = kill_process_group(runner)
    assert first_app_up and killed
    assert site.get("status", CRASH_ENV)[0] != 200, "env_up was not killed in its middle"

    try:
        code, execution = env_up(site, CRASH_ENV)
        assert code == 0, why(execution)
        assert_all_healthy(execution)
        assert_every_app_answers(site, CRASH_ENV)
        assert [run["status"] for run in env_up_history(site, CRASH_ENV)] == [
            "abandoned",
            "succeeded",
        ]
    finally:
        code, execution = site.run("qaeci.env_down", "env=" + CRASH_ENV)  # by its creator

    assert code == 0, execution["result"]
    assert sorted(execution["result"]["output"]["removed"]) == DEMO_APPS
    assert site.env_processes(CRASH_ENV) == []
    assert not [path for path in site.route_files() if CRASH_ENV in path]
    assert not [path for path in site.data_dirs() if path.endswith("/" + CRASH_ENV)]
    assert site.get("books", CRASH_ENV)[0] == 404
    assert_every_app_answers(site, FIRST_ENV)


def test_a_crash_in_the_middle_of_a_build_is_finished_by_the_next_env_up(site):
    slow_commit = site.commit_to_app("prices", "build.sh", "sleep 6\n", "a slow build step")
    runner = site.start_background("qaeci.env_up", "env=" + BUILD_CRASH_ENV, "template=demo")
    try:
        building = wait_until(
            lambda: running_build(site, BUILD_CRASH_ENV, "prices"),
            BUILD_START_SECONDS,
            interval=0.3,
        )
    finally:
        killed = kill_process_group(runner)
    try:
        assert building and killed

        code, execution = env_up(site, BUILD_CRASH_ENV)

        assert code == 0, why(execution)
        assert_all_healthy(execution)
        prices = execution["result"]["output"]["apps"]["prices"]
        assert prices["built"] and prices["commit"] == slow_commit
        assert_every_app_answers(site, BUILD_CRASH_ENV)
    finally:
        code, execution = site.run("qaeci.env_down", "env=" + BUILD_CRASH_ENV)
        site.revert_last_commit("prices")
    assert code == 0, execution["result"]
    assert site.env_processes(BUILD_CRASH_ENV) == []


def running_build(site, env, app):
    """True while the history shows env's running env_up building app."""
    running = [run for run in env_up_history(site, env) if run["status"] == "running"]
    if not running:
        return False
    code, out, _err = site.st2lite("execution", "get", running[-1]["id"], "--json")
    children = json.loads(out)["children"] if code == 0 else []
    return any(
        child["action"] == "qaeci.app_build"
        and child["status"] == "running"
        and child["parameters"].get("app") == app
        for child in children
    )


def test_taking_every_environment_down_leaves_nothing_behind(site):
    code, listing = site.run("qaeci.env_list")
    names = sorted(entry["env"] for entry in listing["result"]["result"]["environments"])

    for env in names:
        code, execution = site.run("qaeci.env_down", "env=" + env, user=MANAGER)
        assert code == 0, execution["result"]

    code, listing = site.run("qaeci.env_list")
    assert listing["result"]["result"]["environments"] == []
    gone = wait_until(lambda: not site.processes(), 10.0)
    assert gone, "left running: %s" % site.processes()
    assert site.route_files() == []
    assert site.data_dirs() == []
    assert names == [FIRST_ENV, SECOND_ENV]
