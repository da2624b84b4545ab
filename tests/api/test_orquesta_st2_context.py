"""`ctx(st2)` of an Orquesta workflow holds what StackStorm's orquesta runner puts there; its
api_url is the API of the `st2lite serve` that runs it (with `/v1`), empty without a serve."""

import json
import os
import subprocess
import tempfile

from api_testkit import HERE, PASSWORD, SCRATCH, ST2LITE, USER, St2, start_server

PACKS = os.path.join(HERE, "st2ctx_packs")


def test_a_workflow_under_serve_sees_its_api_url_and_its_caller(tmp_path):
    server = start_server(packs=PACKS)
    try:
        st2 = St2(server.urls)
        code, output = st2("login", USER, "-p", PASSWORD)
        assert code == 0, output
        code, printed = st2("run", "st2ctx.show", "-j")
        assert code == 0, printed
        # the execution, then the table of its tasks
        execution, _end = json.JSONDecoder().raw_decode(printed, printed.index("{"))
    finally:
        stopped, _out, err = server.stop()
        assert stopped == 0, err
    output = execution["result"]["output"]
    assert output["st2"] == {
        "api_url": server.urls["api"],
        "user": USER,
        "pack": "st2ctx",
        "action": "st2ctx.show",
        "runner": "orquesta",
        "action_execution_id": execution["id"],
        "workflow_execution_id": execution["id"],
    }
    assert output["api_url_jinja"] == server.urls["api"]


def test_without_a_serve_the_api_url_is_empty():
    state = tempfile.mkdtemp(prefix="state-", dir=SCRATCH)
    ran = subprocess.run(
        [ST2LITE, "--packs", PACKS, "--state", state, "run", "st2ctx.show", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    output = json.loads(ran.stdout)["result"]["output"]
    assert output["st2"]["api_url"] == "" and output["api_url_jinja"] == ""
