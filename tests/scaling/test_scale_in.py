"""Scale in: only agents this pack added, only empty ones, never below the minimum, at most once
per cooldown; Mesos maintenance and machine/down first, then the server is deleted or the
machine goes back to the pool."""

from qaeci.scaling_records import ScalingRecords


def scaled_out(site, count, **scaling):
    scaler = site.scaler(**scaling)
    assert len(scaler.scale_out(count)["added"]) == count
    site.clock.shift += scaling.get("cooldown", 600) + 1
    return scaler


def test_an_empty_openstack_agent_is_drained_then_its_server_deleted(site):
    scaler = scaled_out(site, 1)
    (node,) = ScalingRecords(site.datastore, "dev").nodes()
    report = scaler.scale_in()
    assert [removed["name"] for removed in report["removed"]] == [node["name"]]
    assert site.openstack.live_ids() == []
    calls = [path for method, path in site.mesos.requests if method == "POST"]
    assert calls.index("/master/maintenance/schedule") < calls.index("/master/machine/down")
    assert node["hostname"] not in [agent["hostname"] for agent in site.mesos.agents]
    assert site.mesos.down_machines == [] and site.mesos.schedule["windows"] == []
    assert (
        "maintenance scheduled, machine down, server %s deleted" % node["server_id"]
        in report["message"]
    )
    assert ScalingRecords(site.datastore, "dev").nodes() == []


def test_a_pool_machine_goes_back_to_the_pool(site):
    site.write_pool(("spare-1", "spare"))
    scaler = scaled_out(site, 1)
    report = scaler.scale_in()
    assert "machine returned to the pool" in report["message"]
    assert site.pool()["spare-1"]["state"] == "spare"


def test_openstack_servers_go_before_pool_machines(site):
    site.write_pool(("spare-1", "spare"))
    scaler = scaled_out(site, 2, cooldown=0)
    assert scaler.scale_in()["removed"][0]["source"] == "openstack"
    assert scaler.scale_in()["removed"][0]["source"] == "pool"


def test_an_agent_running_tasks_is_never_taken(site):
    scaler = scaled_out(site, 1)
    (node,) = ScalingRecords(site.datastore, "dev").nodes()
    site.mesos.set_used(node["hostname"], cpus=0.5, mem=256)
    report = scaler.scale_in()
    assert report["removed"] == [] and "no agent this pack added is empty" in report["message"]
    assert len(site.openstack.live_ids()) == 1


def test_agents_the_pack_did_not_add_are_never_taken(site):
    before = [agent["id"] for agent in site.mesos.agents]
    report = site.scaler(cooldown=0).scale_in()
    assert report["removed"] == [] and "at the minimum: 0 agents added" in report["message"]
    assert [agent["id"] for agent in site.mesos.agents] == before


def test_never_below_the_minimum(site):
    scaler = scaled_out(site, 2, min_nodes=1, cooldown=0)
    assert len(scaler.scale_in()["removed"]) == 1
    report = scaler.scale_in()
    assert report["removed"] == []
    assert "at the minimum: 1 agent added, scaling.min_nodes is 1" in report["message"]


def test_at_most_one_scale_in_per_cooldown(site):
    scaler = scaled_out(site, 2, cooldown=120)
    assert len(scaler.scale_in()["removed"]) == 1
    report = scaler.scale_in()
    assert report["removed"] == [] and "cooling down" in report["message"]
    site.clock.shift += 121
    assert len(scaler.scale_in()["removed"]) == 1


APP = {"qaeci.env": "qa1", "qaeci.app": "web"}
SERVICE = {"qaeci.env": "qa1", "qaeci.service": "mysql"}


def test_an_agent_running_only_app_tasks_is_taken_when_they_fit_elsewhere(site):
    scaler = scaled_out(site, 1)
    (node,) = ScalingRecords(site.datastore, "dev").nodes()
    site.mesos.run_task(node["hostname"], APP, cpus=1.0, mem=512)
    report = scaler.scale_in()
    assert [removed["name"] for removed in report["removed"]] == [node["name"]]
    assert (
        "removed agent %s (openstack) (1 task of web.qa1.qaeci moved: Marathon starts them "
        "elsewhere)" % node["hostname"] in report["message"]
    )
    assert site.openstack.live_ids() == []


def test_an_empty_agent_goes_before_one_whose_tasks_would_move(site):
    scaler = scaled_out(site, 2, cooldown=0)
    older, newer = ScalingRecords(site.datastore, "dev").nodes()
    site.mesos.run_task(newer["hostname"], APP)
    assert scaler.scale_in()["removed"][0]["name"] == older["name"]


def test_an_agent_holding_a_base_service_is_never_taken(site):
    scaler = scaled_out(site, 1)
    (node,) = ScalingRecords(site.datastore, "dev").nodes()
    site.mesos.run_task(node["hostname"], SERVICE, name="svc.mysql.qa1.qaeci")
    report = scaler.scale_in()
    assert report["removed"] == [] and len(site.openstack.live_ids()) == 1
    assert "no agent this pack added is empty or runs only tasks that can move" in report["message"]


def test_app_tasks_with_no_room_elsewhere_stay(site):
    scaler = scaled_out(site, 1)
    (node,) = ScalingRecords(site.datastore, "dev").nodes()
    for agent in site.mesos.agents:  # every other agent is full
        if agent["hostname"] != node["hostname"]:
            agent["used_resources"].update(
                cpus=agent["resources"]["cpus"], mem=agent["resources"]["mem"]
            )
    site.mesos.run_task(node["hostname"], APP, cpus=1.0)
    assert scaler.scale_in()["removed"] == []
