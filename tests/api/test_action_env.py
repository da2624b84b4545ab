"""StackStorm's action environment under `st2lite serve`: a python and a shell action call the API
with ST2_ACTION_API_URL and ST2_ACTION_AUTH_TOKEN (a token of the execution's user) and get their
own execution; the token is refused once the action has ended and is written nowhere else. A
`st2lite run` in a terminal gets the URL of a serve of the same state directory, none without."""

import json
import os
import subprocess
import time

import pytest
from api_testkit import HERE, ST2LITE, USER, Http, logged_in, start_server

PACKS = os.path.join(HERE, "action_env_packs")
WAIT_SECONDS = 60


@pytest.fixture
def served():
    server = start_server(packs=PACKS)
    yield server, logged_in(server.urls)
    code, _out, err = server.stop()
    assert code == 0, err


def run_to_end(http, action, parameters):
    status, _, created = http.api(
        "POST", "/executions", {"action": action, "parameters": parameters}
    )
    assert status == 201, created
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        status, _, execution = http.api("GET", "/executions/" + created["id"])
        if execution["status"] not in ("requested", "scheduled", "running"):
            return execution
        time.sleep(0.1)
    raise AssertionError("%s did not end within %ds" % (action, WAIT_SECONDS))


def st2lite_run(state, *args):
    return subprocess.run(
        [ST2LITE, "--packs", PACKS, "--state", state, "run"] + list(args) + ["--json"],
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS,
    )


def assert_token_refused_and_unrecorded(server, http, token, execution):
    assert token
    refused = Http(http.urls, token=token).api("GET", "/executions/" + execution["id"])
    assert refused[0] == 401 and refused[2]["faultstring"] == "Unauthorized - Token not found."
    assert token not in json.dumps(execution)
    with open(os.path.join(server.state, "logs", "serve.log")) as log:
        assert token not in log.read()


def test_a_python_action_calls_the_api_as_its_user(served, tmp_path):
    server, http = served
    token_file = str(tmp_path / "token")
    execution = run_to_end(http, "envprobe.py_probe", {"token_file": token_file})
    assert execution["status"] == "succeeded", execution["result"]
    assert execution["result"]["result"] == {
        "api_url": server.urls["api"],
        "pack": "envprobe",
        "id": execution["id"],
        "status": "running",
        "user": USER,
    }
    with open(token_file) as handle:
        assert_token_refused_and_unrecorded(server, http, handle.read(), execution)


def test_a_shell_action_calls_the_api_with_curl(served, tmp_path):
    server, http = served
    token_file = str(tmp_path / "token")
    execution = run_to_end(http, "envprobe.sh_probe", {"token_file": token_file})
    assert execution["status"] == "succeeded", execution["result"]
    pack_line, fetched = execution["result"]["stdout"].split("\n", 1)
    assert pack_line == "pack=envprobe"
    fetched = json.loads(fetched)
    assert (fetched["id"], fetched["status"], fetched["context"]["user"]) == (
        execution["id"],
        "running",
        USER,
    )
    with open(token_file) as handle:
        assert_token_refused_and_unrecorded(server, http, handle.read(), execution)


def test_st2lite_run_uses_the_url_of_a_running_serve(served, tmp_path):
    server, http = served
    token_file = str(tmp_path / "token")
    ran = st2lite_run(server.state, "envprobe.py_probe", "token_file=" + token_file)
    assert ran.returncode == 0, ran.stderr
    execution = json.loads(ran.stdout)
    result = execution["result"]["result"]
    assert (result["api_url"], result["id"]) == (server.urls["api"], execution["id"])
    with open(token_file) as handle:
        token = handle.read()
    assert token not in ran.stdout + ran.stderr
    assert_token_refused_and_unrecorded(server, http, token, execution)


def test_without_serve_the_url_and_token_are_empty(tmp_path):
    token_file = str(tmp_path / "token")
    ran = st2lite_run(str(tmp_path / "state"), "envprobe.py_probe", "token_file=" + token_file)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["result"]["result"] == {"api_url": "", "token_given": False}
