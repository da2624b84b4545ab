"""The pack's sensors register on st2lite (`st2lite pack validate`, trigger types with their
payload schemas) and run under `st2lite serve` against the doubles: trigger instances recorded,
SIGTERM stops them promptly."""

import json
import os
import signal

import jsonschema
import pytest
import yaml
from qaeci import triggers

from st2lite.packs.loader import load_packs
from tests.doubles.docker_engine import DockerEngineDouble
from tests.doubles.marathon_queue import MarathonQueueDouble
from tests.doubles.mesos import MesosMasterDouble
from tests.sensors_qaeci.serve_site import PACKS, ST2LITE, st2lite, start_serve
from tests.testkit_wait import wait_until

pytestmark = pytest.mark.skipif(
    not os.path.exists(ST2LITE), reason="st2lite is not installed in .venv"
)


def test_pack_validate_accepts_the_sensors(tmp_path):
    out = st2lite(tmp_path, "pack", "validate", os.path.join(PACKS, "qaeci"))
    assert "0 problem(s)" in out


def test_every_trigger_type_is_registered_with_its_schema(tmp_path):
    listed = {t["ref"] for t in json.loads(st2lite(tmp_path, "trigger", "list", "--json"))}
    content = load_packs([PACKS])
    assert content.problems == []
    emitted = (
        "capacity",
        "agent_change",
        "launch_stalled",
        "container_oom",
        "container_exit",
        "app_health",
    )
    for name in emitted:
        assert "qaeci." + name in listed
        assert (
            content.trigger_types["qaeci." + name]["payload_schema"]
            == triggers.trigger_type_metadata(name)["payload_schema"]
        )
    sensors = {sensor["class_name"]: sensor for sensor in content.sensors}
    assert sensors["MesosCapacitySensor"]["enabled"] and sensors["DockerEventsSensor"]["enabled"]


def _write_config(state, mesos, marathon, docker):
    configs = state / "configs"
    configs.mkdir(parents=True)
    config = {
        "registry_path": str(state / "registry"),
        "clusters": {
            "dev": {
                "mesos_url": mesos.url,
                "marathon_url": marathon.url,
                "docker_hosts": [docker.address],
            }
        },
        "sensors": {"capacity_polls": 1, "retry_first": 0.05, "retry_max": 0.5},
    }
    (configs / "qaeci.yaml").write_text(yaml.safe_dump(config))


def _instances(state):
    return json.loads(st2lite(state, "trigger-instance", "list", "--json", "-n", "100"))


def test_serve_runs_both_sensors_against_the_doubles(tmp_path):
    state = tmp_path / "state"
    with MesosMasterDouble() as mesos, MarathonQueueDouble() as marathon, DockerEngineDouble(
        socket_path=str(tmp_path / "docker.sock")
    ) as docker:
        mesos.set_allocation(cpus=0.5, mem=0.95, disk=0.5)
        _write_config(state, mesos, marathon, docker)
        serve = start_serve(state)
        try:
            wait_until("Docker /events subscriber", lambda: docker.subscribers() >= 1)
            container = docker.run_task(
                "/qaeci/env1/web",
                "qaeci_env1_web.instance-7b4d2d2e._app.1",
                labels={"qaeci.env": "env1", "qaeci.app": "web"},
            )
            docker.oom_kill(container)
            found = wait_until(
                "trigger instances",
                lambda: (
                    {
                        i["trigger"]: i["payload"]
                        for i in _instances(state)
                        if i["trigger"] in ("qaeci.container_oom", "qaeci.capacity")
                    }
                    if len({i["trigger"] for i in _instances(state)}) >= 2
                    else None
                ),
            )
            keys = wait_until(
                "saved resume point",
                lambda: {
                    k["name"]
                    for k in json.loads(st2lite(state, "key", "list", "--json"))
                    if "docker_since" in k["name"]
                },
            )
        finally:
            serve.send_signal(signal.SIGTERM)
            out, err = serve.communicate(timeout=30)
        assert serve.returncode == 0, err
        # the resume point is the sensor's own key, written from its watcher thread
        assert all(key.startswith("qaeci.DockerEventsSensor:docker_since.dev.") for key in keys)
    assert found["qaeci.container_oom"]["app"] == "web"
    assert (found["qaeci.capacity"]["resource"], found["qaeci.capacity"]["level"]) == (
        "mem",
        "high",
    )
    for ref, payload in found.items():
        jsonschema.validate(payload, triggers.trigger_type_metadata(ref[6:])["payload_schema"])
