"""Scale out: sized from the launch queue, pool machines first, then OpenStack servers that
register as agents; each guard refuses or cuts the step with a reason a person can act on."""

from qaeci import automation
from qaeci.scaling_records import ScalingRecords


def live_records(site):
    return ScalingRecords(site.datastore, "dev").nodes()


def test_the_step_is_sized_from_the_queued_tasks_plus_headroom(site):
    site.queue("/qaeci/qa1/web", 6, cpus=1.0, mem=1024)  # 6 cpus: two 4-cpu agents
    assert site.scaler().plan_out({"cluster": "dev"})["count"] == 2
    plan = site.scaler(headroom=0.5).plan_out({"cluster": "dev"})  # 9 cpus: three
    assert plan["count"] == 3 and not plan["needs_approval"]


def test_memory_can_be_what_decides_the_step(site):
    site.queue("/qaeci/qa1/db", 3, cpus=0.5, mem=6000)  # 18000 MB: three 8192 MB agents
    assert site.scaler().plan_out({"cluster": "dev"})["count"] == 3


def test_nothing_queued_means_no_scale_out_and_says_why(site):
    plan = site.scaler().plan_out({"cluster": "dev"})
    assert plan["refused"] and plan["count"] == 0
    assert "no unmet demand" in plan["message"]


def test_spare_pool_machines_are_used_before_openstack(site):
    site.write_pool(("spare-1", "spare"), ("kept", "reserved"), ("dead", "broken"))
    scaler = site.scaler()
    report = scaler.scale_out(3)
    sources = sorted(node["source"] for node in report["added"])
    assert sources == ["openstack", "openstack", "pool"], report["message"]
    pool = site.pool()
    assert pool["spare-1"]["state"] == "in_use" and pool["spare-1"]["cluster"] == "dev"
    assert pool["kept"]["state"] == "reserved" and pool["dead"]["state"] == "broken"
    hosts = {agent["hostname"] for agent in site.mesos.agents}
    assert {node["hostname"] for node in report["added"]} <= hosts
    assert "added 3 of 3 agents" in report["message"]


def test_openstack_servers_carry_the_tag_key_and_a_cloud_init_that_starts_the_agent(site):
    site.scaler(prewarm_images=["registry.qa/base/java:8"]).scale_out(1)
    (server,) = site.openstack.servers.values()
    assert server["metadata"] == {"qaeci.scaling": "qaeci-scaling", "qaeci.cluster": "dev"}
    assert server["key_name"] == "qaeci-ops"
    user_data = server["_user_data"]
    assert user_data.startswith("#cloud-config")
    master = site.mesos.url.split("://")[1]
    assert "--master=%s" % master in user_data
    assert user_data.index("docker pull registry.qa/base/java:8") < user_data.index("mesos-agent")
    agent = [agent for agent in site.mesos.agents if agent["hostname"] == server["_address"]][0]
    assert agent["attributes"] == {"pool": "burst"}


def test_cooldown_refuses_a_second_scale_out_until_it_has_passed(site):
    site.queue("/qaeci/qa1/web", 2)
    scaler = site.scaler(cooldown=300)
    assert scaler.scale_out(scaler.plan_out({"cluster": "dev"})["count"])["added"]
    plan = scaler.plan_out({"cluster": "dev"})
    assert plan["refused"] and "cooling down" in plan["reason"]
    assert "scaling.cooldown is 300 s" in plan["reason"]
    site.clock.shift += 301
    assert scaler.plan_out({"cluster": "dev"})["count"] == 1


def test_max_nodes_caps_the_step_then_refuses(site):
    site.queue("/qaeci/qa1/web", 20, cpus=1.0, mem=512)  # five agents wanted
    scaler = site.scaler(max_nodes=2, cooldown=0)
    plan = scaler.plan_out({"cluster": "dev"})
    assert plan["count"] == 2 and "capped by scaling.max_nodes 2" in plan["reason"]
    scaler.scale_out(plan["count"])
    plan = scaler.plan_out({"cluster": "dev"})
    assert (
        plan["refused"]
        and "at the maximum: 2 agents added of scaling.max_nodes 2" in plan["reason"]
    )


def test_max_per_step_caps_the_step(site):
    site.queue("/qaeci/qa1/web", 20, cpus=1.0, mem=512)
    plan = site.scaler(max_per_step=2).plan_out({"cluster": "dev"})
    assert plan["count"] == 2 and "capped by scaling.max_per_step 2" in plan["reason"]


def test_a_step_above_the_approval_threshold_needs_approval_and_a_no_is_logged(site):
    site.queue("/qaeci/qa1/web", 12, cpus=1.0, mem=512)  # three agents
    scaler = site.scaler(approval_above=2)
    plan = scaler.plan_out({"cluster": "dev"})
    assert plan["count"] == 3 and plan["needs_approval"]
    assert "needs approval in chat" in plan["message"]
    denied = scaler.deny(plan, "alice")
    assert "denied in chat by alice" in denied["message"]
    assert site.openstack.created == 0
    logged = automation.history(site.datastore, key="cluster/dev")[0]
    assert logged["decision"] == "skipped" and "denied in chat by alice" in logged["reason"]


def test_a_person_asking_for_a_count_skips_approval_but_not_the_maximum(site):
    scaler = site.scaler(approval_above=1, max_nodes=2)
    plan = scaler.plan_out(count=4)
    assert plan["count"] == 2 and not plan["needs_approval"]


def test_dry_run_creates_nothing_and_says_what_it_would_do(site):
    scaler = site.scaler(dry_run=True)
    report = scaler.scale_out(2)
    assert report["added"] == [] and site.openstack.created == 0
    assert "dry run: would add 2 agents to dev" in report["message"]


def test_the_hourly_cap_escalates_once(site):
    scaler = site.scaler(max_per_hour=1)
    assert scaler.scale_out(1)["decision"] == "acted"
    report = scaler.scale_out(1)
    assert report["decision"] == "escalated" and "left to a person" in report["message"]
    assert site.openstack.created == 1


def test_a_refused_server_mid_scale_out_leaves_none_unaccounted_for_and_says_so(site):
    site.openstack.fail_create(2, "quota")
    report = site.scaler().scale_out(3)
    assert len(report["added"]) == 1
    assert "OpenStack refused server 2 of 3" in report["message"]
    assert "Quota exceeded for cores" in report["message"]
    assert "added 1 of 3 agents" in report["message"]
    recorded = {node["server_id"] for node in live_records(site)}
    assert set(site.openstack.live_ids()) == recorded


def test_a_server_created_behind_an_error_is_found_and_deleted(site):
    site.openstack.fail_create(1, "lost_answer")
    report = site.scaler().scale_out(2)
    assert report["added"] == []
    assert "deleted stray server" in report["message"]
    assert site.openstack.live_ids() == []
    assert [node["state"] for node in ScalingRecords(site.datastore, "dev").nodes(None)] == [
        "failed"
    ]


def test_a_server_that_goes_to_error_is_deleted_and_reported(site):
    site.openstack.fail_create(2, "boot_error")
    report = site.scaler().scale_out(2)
    assert len(report["added"]) == 1
    assert "No valid host was found" in report["message"]
    assert "deleted" in report["message"]
    assert set(site.openstack.live_ids()) == {node["server_id"] for node in live_records(site)}


def test_a_failed_provision_marks_the_machine_broken_and_openstack_fills_in(site):
    site.write_pool(("spare-1", "spare"))
    report = site.scaler(provision_command=["false"]).scale_out(1)
    assert site.pool()["spare-1"]["state"] == "broken"
    assert "provision_command exited 1" in report["message"]
    assert [node["source"] for node in report["added"]] == ["openstack"]


def test_an_agent_that_never_registers_times_out_and_its_server_is_deleted(site):
    site.openstack.mesos = None  # cloud-init never starts the agent
    report = site.scaler(agent_timeout=0.3).scale_out(1)
    assert report["added"] == [] and site.openstack.live_ids() == []
    assert "did not register with Mesos within scaling.agent_timeout" in report["message"]


def test_an_unreachable_openstack_is_one_line_and_leaves_no_record_live(site):
    config = dict(site.config()["scaling"]["openstack"], auth_url="http://127.0.0.1:9/v3")
    report = site.scaler(openstack=config).scale_out(1)
    assert report["added"] == []
    line = [line for line in report["message"].splitlines() if "OpenStack" in line][0]
    assert "OpenStack is unreachable" in line and "scaling.openstack.auth_url" in line
    assert live_records(site) == []


def test_a_flavor_nova_refuses_names_the_setting(site):
    report = site.scaler(
        openstack=dict(site.config()["scaling"]["openstack"], flavor="no-such")
    ).scale_out(1)
    assert "HTTP 400" in report["message"]
    assert "fix: check scaling.openstack.flavor, .image and .network" in report["message"]


def test_a_sustained_high_allocation_with_nothing_queued_adds_agents_back_under_the_threshold(site):
    # 36 of 40 cpus used (0.9); under 0.8 needs 45 cpus in all: two more 4-cpu agents.
    trigger = {"cluster": "dev", "level": "high", "resource": "cpus", "used": 36.0, "total": 40.0}
    plan = site.scaler().plan_out(trigger)
    assert plan["count"] == 2 and not plan["refused"]
    assert site.scaler().plan_out(dict(trigger, used=20.0))["refused"]  # 0.5: nothing to do


def test_a_provision_command_with_a_bad_placeholder_leaves_the_machine_spare(site):
    site.write_pool(("spare-1", "spare"))
    report = site.scaler(provision_command=["true", "{adress}"]).scale_out(1)
    assert "unknown placeholder" in report["message"]
    assert site.pool()["spare-1"]["state"] == "spare"


def test_the_maximum_is_checked_again_when_an_approved_step_is_carried_out(site):
    scaler = site.scaler(max_nodes=3)
    assert len(scaler.scale_out(2)["added"]) == 2  # meanwhile, while a question waited
    report = scaler.scale_out(3)  # the plan approved said 3
    assert len(report["added"]) == 1 and "added 1 of 1 agent" in report["message"]
    assert (
        scaler.scale_out(1)["message"]
        == "dev: not done: at the maximum: 3 agents added of scaling.max_nodes 3"
    )
