"""Bad scaling settings and a bad pool inventory are one line naming the key and the fix."""

import pytest
from qaeci import scaling_settings
from qaeci.device_pool import DevicePool
from qaeci.errors import ConfigError

OPENSTACK = {
    "auth_url": "http://keystone:5000/v3/",
    "project": "qaeci",
    "user": "bot",
    "password": "pw",
    "flavor": "3",
    "image": "img",
    "network": "net",
}


def refused(section):
    with pytest.raises(ConfigError) as raised:
        scaling_settings.read({"scaling": section})
    assert "\n" not in str(raised.value)
    return str(raised.value)


def test_defaults_hold_without_a_section():
    settings = scaling_settings.read({})
    assert (settings.max_nodes, settings.max_per_step, settings.approval_above) == (10, 3, 2)
    assert settings.openstack is None and settings.provision_command is None


def test_openstack_settings_are_completed_with_their_defaults():
    settings = scaling_settings.read({"scaling": {"openstack": OPENSTACK}})
    assert settings.openstack.auth_url == "http://keystone:5000/v3"
    assert settings.openstack.metadata_tag == "qaeci-scaling"
    assert settings.openstack.user_domain == "Default"


def test_a_missing_openstack_key_is_named():
    section = dict(OPENSTACK)
    del section["network"]
    assert refused({"openstack": section}).startswith("scaling.openstack.network is not set")


def test_an_unknown_openstack_key_is_named_with_the_known_ones():
    message = refused({"openstack": dict(OPENSTACK, flavour="3")})
    assert message.startswith("scaling.openstack.flavour is not an OpenStack setting")
    assert "flavor" in message


def test_counts_must_be_whole_and_the_minimum_below_the_maximum():
    assert (
        refused({"max_per_step": 1.5})
        == "scaling.max_per_step is 1.5; fix: set it to a whole number >= 0"
    )
    assert refused({"min_nodes": 4, "max_nodes": 2}).startswith(
        "scaling.min_nodes (4) is above scaling.max_nodes (2)"
    )


def test_agent_resources_need_cpus_and_mem():
    assert refused({"agent_resources": {"cpus": 4}}).startswith(
        "scaling.agent_resources is {'cpus': 4}; fix: write what one new agent offers"
    )


def test_a_command_is_a_list_of_arguments():
    assert scaling_settings.read(
        {"scaling": {"provision_command": "/bin/prov {address}"}}
    ).provision_command == ["/bin/prov", "{address}"]
    assert refused({"provision_command": [1, 2]}).startswith(
        "scaling.provision_command must be a command as a list of arguments"
    )


def test_a_malformed_inventory_is_one_line(tmp_path):
    path = tmp_path / "machines.yaml"
    path.write_text("machines: {spare-1: spare}\n")
    with pytest.raises(ConfigError) as raised:
        DevicePool(str(path), ["true"]).machines()
    assert str(raised.value) == (
        "%s must hold machines: [{name, address, state}, ...]; fix: "
        "write each machine with at least a name and a state" % path
    )


def test_an_unknown_placeholder_in_the_provision_command_is_named(tmp_path):
    path = tmp_path / "machines.yaml"
    path.write_text("machines: [{name: spare-1, address: 10.0.0.1, state: spare}]\n")
    pool = DevicePool(str(path), ["prov", "{adress}"])
    (machine,) = pool.take("dev", 1)
    with pytest.raises(ConfigError) as raised:
        pool.provision(machine, {"master": "m:5050"})
    assert str(raised.value).startswith("scaling.provision_command has an unknown placeholder")
    assert "{address}" in str(raised.value)


def test_scaling_without_any_cluster_says_what_to_add():
    from qaeci.scaling import _cluster

    with pytest.raises(ConfigError) as raised:
        _cluster({}, scaling_settings.read({}))
    assert str(raised.value).startswith("scaling needs a cluster, and clusters is empty")
