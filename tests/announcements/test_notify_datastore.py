"""An action's notify message and data read the datastore, as StackStorm's notifier renders
them: `st2kv.system.KEY` is the key's value ("" when absent), `| decrypt_kv` decrypts a secret,
and a template that cannot render (here decrypt_kv of a missing key) is sent as written. A rule
on the notify route posts the message to chat, as a StackStorm user's rule does."""

import textwrap

import pytest

PING = """\
name: ping
pack: ops
runner_type: local-shell-cmd
description: Answers; its notification reads the datastore.
parameters:
  name: {type: string, required: true}
  cmd: {default: "echo pong", immutable: true}
notify:
  on-complete:
    routes: [ops]
    message: "{{ action_parameters.name }} pinged for {{ st2kv.system.team }}"
    data:
      token: "{{ st2kv.system.ops_token | decrypt_kv }}"
      owner: {team: "{{ st2kv.system.team }}", absent: "[{{ st2kv.system.nowhere }}]"}
"""

PING_BADLY = """\
name: ping_badly
pack: ops
runner_type: local-shell-cmd
description: Answers; its notification decrypts a key that does not exist.
parameters:
  cmd: {default: "echo pong", immutable: true}
notify:
  on-complete:
    routes: [ops]
    message: "token {{ st2kv.system.nowhere | decrypt_kv }}"
    data:
      team: "{{ st2kv.system.team }}"
      token: "{{ st2kv.system.nowhere | decrypt_kv }}"
"""

OPS_POST = """\
name: ops_post
pack: ops
description: Posts the notification message of route ops to the ops channel.
trigger: {type: core.st2.generic.notifytrigger}
criteria:
  trigger.route: {type: equals, pattern: ops}
action:
  ref: chatops.post_message
  parameters:
    channel: "#ops"
    route: ops
    message: "{{ trigger.message }}"
"""


@pytest.fixture
def ops(cli, tmp_path):
    pack = tmp_path / "packs" / "ops"
    files = {
        "pack.yaml": "ref: ops\nname: ops\nversion: 1.0.0\nauthor: us\ndescription: ops\n",
        "actions/ping.yaml": PING,
        "actions/ping_badly.yaml": PING_BADLY,
        "rules/ops_post.yaml": OPS_POST,
    }
    for name, text in files.items():
        (pack / name).parent.mkdir(parents=True, exist_ok=True)
        (pack / name).write_text(textwrap.dedent(text))
    cli.packs.append(str(tmp_path / "packs"))
    for args in (("team", "platform"), ("ops_token", "s3cr3t", "--encrypt")):
        assert cli.run("key", "set", *args).returncode == 0
    return cli


def run_and_notice(cli, *args):
    """(the notify payload of the run, the messages posted to #ops)."""
    rc, execution = cli.json("run", *args)
    assert (rc, execution["status"]) == (0, "succeeded"), execution
    rc, instances = cli.json(
        "trigger-instance", "list", "--trigger", "core.st2.generic.notifytrigger"
    )
    assert rc == 0, instances
    [notice] = [i["payload"] for i in instances if i["payload"]["execution_id"] == execution["id"]]
    posted = [a["payload"]["message"] for a in cli.announcements("--route", "ops")]
    return notice, posted


def test_notify_templates_read_and_decrypt_the_datastore(ops):
    notice, posted = run_and_notice(ops, "ops.ping", "name=db")
    assert posted == ["db pinged for platform"]
    assert notice["message"] == "db pinged for platform"
    assert notice["data"]["token"] == "s3cr3t"
    assert notice["data"]["owner"] == {"team": "platform", "absent": "[]"}


def test_a_notify_template_that_cannot_render_is_sent_as_written(ops):
    notice, posted = run_and_notice(ops, "ops.ping_badly")
    assert posted == ["token {{ st2kv.system.nowhere | decrypt_kv }}"]
    assert (notice["data"]["team"], notice["data"]["token"]) == (
        "{{ st2kv.system.team }}",
        "{{ st2kv.system.nowhere | decrypt_kv }}",
    )
