"""What st2web's Packs page, Triggers page and a rule's Enforcements tab ask of the API, in the
shapes they read (st2web's apps/st2-packs/api.js, apps/st2-triggers, apps/st2-rules), over
real HTTP against `st2lite serve` with the fixture pack `st2web_packs/webpack`."""

import json
import os
import subprocess
import tempfile

import pytest
from api_testkit import HERE, PASSWORD, SCRATCH, ST2LITE, USER, Serve, logged_in

WEB_PACKS = os.path.join(HERE, "st2web_packs")
SECRET_TOKEN = "tok-3f9a-never-shown"
SECRET_PROXY_PASSWORD = "proxy-pw-never-shown"
CONFIG = {
    "api_token": SECRET_TOKEN,
    "proxy": {"url": "http://proxy.example:3128", "password": SECRET_PROXY_PASSWORD},
}


def web_st2lite(state, *args):
    return subprocess.run(
        [ST2LITE, "--packs", WEB_PACKS, "--state", state] + list(args),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module", params=["single port", "separate ports"])
def server(request):
    state = tempfile.mkdtemp(prefix="state-", dir=SCRATCH)
    added = web_st2lite(state, "user", "add", USER, "--password", PASSWORD)
    assert added.returncode == 0, added.stderr
    os.makedirs(os.path.join(state, "configs"))
    with open(os.path.join(state, "configs", "webpack.yaml"), "w") as config:
        json.dump(CONFIG, config)  # JSON is YAML
    options = ["--bind", "127.0.0.1:0"] if request.param == "single port" else []
    serve = Serve(state, *options, packs=WEB_PACKS)
    yield serve
    code, _out, err = serve.stop()
    assert code == 0, err


@pytest.fixture(scope="module")
def http(server):
    return logged_in(server.urls)


def by_pack(items, pack):
    return [item for item in items if item["pack"] == pack]


def test_packs_page_installed_packs_count_their_content_from_files(http):
    status, _, packs = http.api("GET", "/packs")
    assert status == 200
    webpack = [pack for pack in packs if pack["ref"] == "webpack"][0]
    assert webpack["version"] == "1.2.0"
    assert {"pack.yaml", "config.schema.yaml", "sensors/watch_sensor.yaml"} <= set(webpack["files"])
    assert "rules/echo_ping.yaml" in webpack["files"]
    assert not [name for name in webpack["files"] if name.endswith(".pyc")]


def test_the_exchange_index_is_empty_and_searching_it_finds_nothing(http):
    assert http.api("GET", "/packs/index")[::2] == (200, {"status": [], "index": {}})
    assert http.api("POST", "/packs/index/search", {"query": "web"})[::2] == (200, [])
    assert http.api("POST", "/packs/index/search", {"pack": "webpack"})[::2] == (200, [])
    status, _, refused = http.api("POST", "/packs/index/search", {"text": "web"})
    assert status == 400 and '{"query": "TEXT"}' in refused["faultstring"]


def test_config_schemas_as_the_packs_page_reads_them(http):
    status, _, schemas = http.api("GET", "/config_schemas")
    assert status == 200
    (schema,) = by_pack(schemas, "webpack")
    assert schema["attributes"]["api_token"] == {
        "type": "string",
        "description": "The token the watcher sends.",
        "secret": True,
    }
    assert http.api("GET", "/config_schemas/webpack")[2] == schema
    assert not by_pack(schemas, "plainpack")  # it has no schema
    status, _, missing = http.api("GET", "/config_schemas/plainpack")
    assert status == 404 and "plainpack" in missing["faultstring"]


def test_configs_have_defaults_and_secrets_masked_even_when_shown(http):
    status, _, raw = http.api("GET", "/configs?show_secrets=true")
    assert status == 200
    text = json.dumps(raw)
    assert SECRET_TOKEN not in text and SECRET_PROXY_PASSWORD not in text
    (config,) = by_pack(raw, "webpack")
    assert config["values"] == {
        "region": "eu-west",
        "api_token": "********",
        "proxy": {"url": "http://proxy.example:3128", "password": "********"},
    }
    assert http.api("GET", "/configs/webpack?show_secrets=true")[2] == config
    status, _, missing = http.api("GET", "/configs/plainpack")
    assert status == 404 and "plainpack" in missing["faultstring"]
    status, _, unknown = http.api("GET", "/configs/nosuchpack")
    assert (status, unknown["faultstring"]) == (
        404,
        'Unable to identify resource with pack_ref "nosuchpack".',
    )


def test_a_broken_config_file_is_named_and_the_others_still_list(server, http):
    path = os.path.join(server.state, "configs", "webpack.yaml")
    with open(path) as config:
        kept = config.read()
    try:
        with open(path, "w") as config:
            config.write("- not\n- a mapping\n")
        status, _, refused = http.api("GET", "/configs/webpack")
        assert status == 400 and path in refused["faultstring"], refused
        assert "\n" not in refused["faultstring"]
        assert by_pack(http.api("GET", "/configs")[2], "webpack") == []
    finally:
        with open(path, "w") as config:
            config.write(kept)


def test_the_triggers_page_finds_each_trigger_types_sensor(http):
    status, headers, sensors = http.api("GET", "/sensortypes")
    assert status == 200 and headers["X-Total-Count"] == str(len(sensors))
    (sensor,) = by_pack(sensors, "webpack")
    assert sensor == dict(
        sensor,
        ref="webpack.WatchSensor",
        uid="sensor_type:webpack:WatchSensor",
        name="WatchSensor",
        class_name="WatchSensor",
        description="Waits; its trigger is fired by hand in the tests.",
        entry_point="sensors.watch_sensor.WatchSensor",
        enabled=True,
        trigger_types=["webpack.ping"],
        metadata_file="sensors/watch_sensor.yaml",
    )
    assert sensor["artifact_uri"].startswith("file:///")
    trigger_refs = [t["ref"] for t in http.api("GET", "/triggertypes")[2]]
    assert "webpack.ping" in trigger_refs
    assert http.api("GET", "/sensortypes/webpack.WatchSensor")[2] == sensor
    assert http.api("GET", "/sensortypes/" + sensor["id"])[2] == sensor
    assert http.api("GET", "/sensortypes?trigger=webpack.ping")[2] == [sensor]
    assert by_pack(http.api("GET", "/sensortypes?enabled=false")[2], "webpack") == []
    status, _, missing = http.api("GET", "/sensortypes/webpack.Nope")
    assert status == 404 and "webpack.Nope" in missing["faultstring"]


def test_a_rules_enforcements_tab(server, http):
    fired = web_st2lite(
        server.state, "trigger", "fire", "webpack.ping", "--payload", '{"word": "hi"}', "--json"
    )
    assert fired.returncode == 0, fired.stderr
    fired = json.loads(fired.stdout)
    execution_id = fired["enforcements"][0]["execution"]
    status, headers, views = http.api(
        "GET", "/ruleenforcements/views?rule_ref=webpack.echo_ping&limit=10"
    )
    assert status == 200 and headers["X-Total-Count"] == "1"
    (view,) = views
    assert view["rule"]["ref"] == "webpack.echo_ping"
    assert view["trigger_instance_id"] == fired["trigger_instance"]
    assert view["execution_id"] == execution_id
    assert view["trigger_instance"]["trigger"] == "webpack.ping"
    assert view["trigger_instance"]["payload"] == {"word": "hi"}
    execution = view["execution"]
    assert set(execution) == {"id", "action", "runner", "parameters", "status"}
    assert execution["id"] == execution_id and execution["action"]["ref"] == "core.echo"
    assert "message" in execution["action"]["parameters"]
    assert execution["parameters"]["message"] == "hi"
    assert execution["runner"]["name"] == "local-shell-cmd"
    assert "result" not in execution
    assert http.api("GET", "/ruleenforcements/views/" + view["id"])[2] == view
    status, _, missing = http.api("GET", "/ruleenforcements/views/nope")
    assert status == 404 and "nope" in missing["faultstring"]
    assert http.api("GET", "/ruleenforcements/" + view["id"])[2]["execution_id"] == execution_id
