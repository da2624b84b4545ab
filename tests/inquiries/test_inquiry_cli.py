"""A workflow that asks (core.ask) pauses; `st2lite inquiry list|get|respond`, run as other
st2lite processes, answer it, and the workflow goes on, as on StackStorm."""

import json

from inquiry_cli import child


def _paused_approve(cli, *parameters):
    rc, workflow = cli.json("run", "inq.approve", *parameters)
    assert rc == 0, workflow
    assert workflow["status"] == "paused"
    return workflow, child(workflow, "ask")


def test_a_question_pauses_the_workflow_and_is_listed(cli):
    workflow, ask = _paused_approve(cli, "approvers=alice,bob")
    assert ask["status"] == "pending"
    assert child(workflow, "prepare")["status"] == "succeeded"
    assert [c["task"] for c in workflow["children"]] == ["prepare", "ask"]  # nothing after it
    (inquiry,) = cli.inquiries()
    assert inquiry == {
        "id": ask["id"],
        "route": "ops",
        "ttl": 1440,
        "users": ["alice", "bob"],
        "roles": [],
        "schema": ask["result"]["schema"],
    }
    table = cli.run("inquiry", "list").stdout
    assert ask["id"] in table and "ops" in table and "1440" in table
    shown = cli.run("inquiry", "get", ask["id"]).stdout
    assert "route: ops" in shown and "Go on with the change?" in shown


def test_an_accepted_answer_resumes_the_workflow_which_reads_it(cli):
    workflow, ask = _paused_approve(cli)
    answered = cli.respond(ask["id"], {"continue": True, "reason": "looks fine"})
    assert answered.returncode == 0, answered.stderr
    assert answered.stdout.strip() == "Response accepted for inquiry %s." % ask["id"]
    done = cli.wait_status(workflow["id"], ("succeeded", "failed"))
    assert done["status"] == "succeeded", done["result"]
    assert done["result"]["output"] == {"decision": "approved", "said": "acting on approved"}
    answered_ask = child(done, "ask")
    assert answered_ask["status"] == "succeeded"
    assert answered_ask["result"]["response"] == {"continue": True, "reason": "looks fine"}
    assert answered_ask["result"]["route"] == "ops"  # the inquiry stays in its result
    assert answered_ask["context"]["inquiry_response"]["user"] == "alice"
    assert cli.inquiries() == []


def test_the_answer_decides_the_path(cli):
    workflow, ask = _paused_approve(cli)
    assert cli.respond(ask["id"], {"continue": False}).returncode == 0
    done = cli.wait_status(workflow["id"], ("succeeded", "failed"))
    assert done["result"]["output"] == {"decision": "rejected", "said": None}
    assert [c["task"] for c in done["children"]] == ["prepare", "ask"]


def test_a_response_the_schema_refuses_is_bad_input_and_changes_nothing(cli):
    workflow, ask = _paused_approve(cli)
    wrong_type = cli.respond(ask["id"], {"continue": "yes"})
    assert wrong_type.returncode == 2
    assert wrong_type.stderr.count("\n") == 1
    assert "did not pass schema validation" in wrong_type.stderr
    assert "continue" in wrong_type.stderr and "'boolean'" in wrong_type.stderr
    missing = cli.respond(ask["id"], {"reason": "no flag"})
    assert missing.returncode == 2
    assert "'continue' is a required property" in missing.stderr
    not_an_object = cli.respond(ask["id"], ["continue"])
    assert not_an_object.returncode == 2 and "JSON object" in not_an_object.stderr
    assert cli.execution(ask["id"])["status"] == "pending"
    assert cli.execution(workflow["id"])["status"] == "paused"


def test_only_the_listed_users_may_answer(cli):
    workflow, ask = _paused_approve(cli, "approvers=bob")
    refused = cli.respond(ask["id"], {"continue": True}, user="alice")
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        'st2lite: User "alice" does not have permission to respond to inquiry "%s".' % ask["id"]
    )
    assert cli.execution(ask["id"])["status"] == "pending"
    assert cli.respond(ask["id"], {"continue": True}, user="bob").returncode == 0
    done = cli.wait_status(workflow["id"], ("succeeded", "failed"))
    assert child(done, "ask")["context"]["inquiry_response"]["user"] == "bob"


def test_an_inquiry_is_answered_once(cli):
    workflow, ask = _paused_approve(cli)
    assert cli.respond(ask["id"], {"continue": True}).returncode == 0
    again = cli.respond(ask["id"], {"continue": False})
    assert again.returncode == 2
    assert again.stderr.strip() == (
        'st2lite: Inquiry "%s" has already been responded to.' % ask["id"]
    )
    done = cli.wait_status(workflow["id"], ("succeeded", "failed"))
    assert done["result"]["output"]["decision"] == "approved"


def test_without_a_response_it_says_how_to_give_one(cli):
    _workflow, ask = _paused_approve(cli)
    proc = cli.run("inquiry", "respond", ask["id"])
    assert proc.returncode == 2
    assert "-r '{\"continue\": true}'" in proc.stderr
    not_json = cli.run("inquiry", "respond", ask["id"], "-r", "{continue: yes}")
    assert not_json.returncode == 2 and "not JSON" in not_json.stderr


def test_an_unknown_inquiry_or_another_execution_is_refused(cli):
    workflow, _ask = _paused_approve(cli)
    unknown = cli.run("inquiry", "get", "0123456789abcdef01234567")
    assert unknown.returncode == 2 and "is not found" in unknown.stderr
    not_one = cli.run("inquiry", "get", child(workflow, "prepare")["id"])
    assert not_one.returncode == 2 and "is not an inquiry" in not_one.stderr


def test_past_its_ttl_the_inquiry_times_out_and_the_workflow_fails(cli):
    workflow, ask = _paused_approve(cli, "ttl=1")
    cli.backdate(ask["id"], minutes=1.5)  # StackStorm counts whole minutes: not yet
    assert [i["id"] for i in cli.inquiries()] == [ask["id"]]
    cli.backdate(ask["id"], minutes=2)
    assert cli.inquiries() == []
    done = cli.wait_status(workflow["id"], ("succeeded", "failed"))
    assert done["status"] == "failed"
    assert child(done, "ask")["status"] == "timeout"
    assert [c["task"] for c in done["children"]] == ["prepare", "ask"]
    late = cli.respond(ask["id"], {"continue": True})
    assert late.returncode == 2
    assert "timed out and cannot be responded to" in late.stderr


def test_a_workflow_still_busy_elsewhere_takes_the_answer_itself(cli, tmp_path):
    """The --async worker still runs another branch (the workflow is pausing) when the answer
    comes: that process goes on with it; nothing else resumes it."""
    release = tmp_path / "release"
    rc, started = cli.json("run", "inq.busy", "release=%s" % release, "--async")
    assert rc == 0
    inquiry = cli.wait_for("the question", cli.inquiries)[0]
    cli.wait_status(started["id"], ("pausing",))
    worker = cli.runtime_of(started["id"])
    assert cli.respond(inquiry["id"], {"continue": True}).returncode == 0
    cli.wait_status(started["id"], ("running",))
    release.write_text("")
    done = cli.wait_status(started["id"], ("succeeded", "failed"))
    assert done["result"]["output"] == {"answer": True, "worked": "worked"}
    assert cli.runtime_of(started["id"]) == worker


def test_two_questions_at_once_the_workflow_waits_for_both(cli):
    rc, workflow = cli.json("run", "inq.pair")
    assert rc == 0 and workflow["status"] == "paused"
    left, right = child(workflow, "left"), child(workflow, "right")
    assert cli.respond(left["id"], {"continue": True}).returncode == 0
    cli.wait_for(
        "the first answer to be taken",
        lambda: (
            lambda e: (
                e["status"] == "paused"
                and child(e, "left")["status"] == "succeeded"
                and not cli.inquiries() == []
            )
        )(cli.execution(workflow["id"])),
    )
    assert [c["task"] for c in cli.execution(workflow["id"])["children"]] == [
        "start",
        "left",
        "right",
    ]
    assert cli.respond(right["id"], {"continue": False}).returncode == 0
    done = cli.wait_status(workflow["id"], ("succeeded", "failed"))
    assert done["result"]["output"] == {"left": True, "right": False}
    assert child(done, "both")["status"] == "succeeded"


def test_a_question_in_a_sub_workflow_pauses_and_resumes_both(cli):
    rc, outer = cli.json("run", "inq.outer")
    assert rc == 0 and outer["status"] == "paused"
    inner = child(outer, "inner")
    assert inner["status"] == "paused"
    (inquiry,) = cli.inquiries()
    assert cli.respond(inquiry["id"], {"continue": True}).returncode == 0
    done = cli.wait_status(outer["id"], ("succeeded", "failed"))
    assert done["status"] == "succeeded", done["result"]
    assert done["result"]["output"] == {"inner_decision": "approved"}
    assert cli.execution(inner["id"])["result"]["output"]["said"] == "acting on approved"


def test_ask_on_its_own_is_pending_until_answered_and_announced_to_rules(cli):
    rc, ask = cli.json("run", "core.ask", "route=chat")
    assert rc == 0 and ask["status"] == "pending"
    assert ask["result"] == {
        "schema": {
            "title": "response_data",
            "type": "object",
            "properties": {
                "continue": {
                    "type": "boolean",
                    "description": "Would you like to continue the workflow?",
                    "required": True,
                }
            },
        },
        "roles": [],
        "users": [],
        "route": "chat",
        "ttl": 1440,
    }
    rc, instances = cli.json("trigger-instance", "list", "--trigger", "core.st2.generic.inquiry")
    assert [i["payload"] for i in instances] == [{"id": ask["id"], "route": "chat"}]
    assert cli.respond(ask["id"], {"continue": False}).returncode == 0
    answered = cli.execution(ask["id"])
    assert answered["status"] == "succeeded"
    assert answered["result"]["response"] == {"continue": False}


def test_respond_json_is_what_the_api_answers(cli):
    _workflow, ask = _paused_approve(cli)
    proc = cli.run("inquiry", "respond", ask["id"], "-r", '{"continue": true}', "--json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == {"id": ask["id"], "response": {"continue": True}}
