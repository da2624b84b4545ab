"""chatops.post_result as StackStorm's chatops pack runs it: the execution's result formatted
with its alias's `result` (format and extra; `enabled: false` posts nothing; no format gives the
default summary), posted with chatops.post_message; and the pack's notify rules, which post the
result of an execution whose notification route is `hubot` or `errbot`."""


def alias_execution(cli, command):
    rc, done = cli.json("action-alias", "execute", command, "--channel", "#qa")
    assert rc == 0, done
    return done["execution"]["id"]


def post_result(cli, execution_id, *extra):
    rc, execution = cli.json(
        "run",
        "chatops.post_result",
        "execution_id=" + execution_id,
        "channel=#qa",
        "user=bob",
        *extra,
    )
    assert rc == 0, execution
    return execution


def test_the_alias_result_format_and_extra_are_posted(cli):
    posted = post_result(cli, alias_execution(cli, "greet world"))
    assert posted["result"] == {"output": {"note": "Execution result has been posted."}}
    [announcement] = cli.announcements()
    assert announcement["route"] == "chatops"
    assert announcement["payload"] == {
        "channel": "#qa",
        "user": "bob",
        "whisper": False,
        "context": None,
        "message": "greeted: hello world",
        "extra": {"color": "good", "slack": {"thread_response": True}},
    }


def test_a_disabled_result_posts_nothing(cli):
    posted = post_result(cli, alias_execution(cli, "whisper hello to world"))
    assert posted["result"] == {"output": {"note": "Execution result is disabled."}}
    assert [c["task"] for c in posted["children"]] == ["format_execution_result", "result_disabled"]
    assert cli.announcements() == []


def test_without_a_result_format_the_default_summary_is_posted(cli):
    execution_id = alias_execution(cli, "say hello to world")
    post_result(cli, execution_id, "route=errbot", "whisper=true")
    [announcement] = cli.announcements("--route", "errbot")
    assert announcement["payload"]["whisper"] is True
    assert announcement["payload"]["extra"] == {}
    lines = announcement["payload"]["message"].splitlines()
    assert lines[:3] == [
        "Action chat.greet completed.",
        "status : succeeded",
        "execution: %s" % execution_id,
    ]
    assert lines[-3:] == ["result :", "--------", "stdout : hello world"]


def test_an_unknown_execution_fails_the_workflow_and_posts_nothing(cli):
    rc, posted = cli.json(
        "run", "chatops.post_result", "execution_id=0123456789abcdef01234567", "channel=#qa"
    )
    assert (rc, posted["status"]) == (1, "failed")
    [formatting] = posted["children"]
    assert formatting["status"] == "failed"
    assert "no execution with id '0123456789abcdef01234567'" in formatting["result"]["error"]
    assert cli.announcements() == []


def test_a_completed_execution_routed_to_errbot_is_announced_to_its_channel_and_user(cli):
    rc, failed = cli.json("run", "chat.broken")
    assert (rc, failed["status"]) == (1, "failed")
    [announcement] = cli.announcements()
    assert announcement["route"] == "errbot"
    payload = announcement["payload"]
    assert (payload["channel"], payload["user"], payload["context"]) == (
        "#ops",
        "carol",
        {"thread": "t-42"},
    )
    lines = payload["message"].splitlines()
    assert lines[:3] == [
        "Action chat.broken completed.",
        "status : failed",
        "execution: %s" % failed["id"],
    ]
    assert lines[-2:] == ["return_code : 3", "stderr : disk full"]
    [enforcement] = cli.json("rule-enforcement", "list")[1]
    assert (enforcement["rule"], enforcement["status"]) == ("chatops.notify-errbot", "succeeded")


def test_a_pack_named_chatops_replaces_the_built_in_one(cli, tmp_path):
    own = tmp_path / "packs" / "chatops"
    (own / "actions").mkdir(parents=True)
    (own / "pack.yaml").write_text(
        "ref: chatops\nname: chatops\nversion: 1.0.0\nauthor: us\ndescription: our own chatops\n"
    )
    (own / "actions" / "post_message.yaml").write_text(
        "name: post_message\nrunner_type: noop\ndescription: posts nowhere\nparameters:\n"
        "  channel: {type: string}\n  message: {type: string}\n"
    )
    cli.packs.append(str(tmp_path / "packs"))
    rc, execution = cli.json("run", "chatops.post_message", "channel=#qa", "message=hi")
    assert (rc, execution["status"]) == (0, "succeeded")
    assert cli.announcements() == []
    assert cli.run("run", "chatops.post_result", "execution_id=x", "channel=#qa").returncode == 2


def test_an_extra_that_cannot_render_still_posts_the_message_with_the_reason(cli):
    rc, posted = cli.json(
        "run",
        "chatops.post_result",
        "execution_id=" + alias_execution(cli, "wave to world"),
        "channel=#qa",
    )
    assert (rc, posted["status"]) == (0, "succeeded")
    [announcement] = cli.announcements()
    message, reason = announcement["payload"]["message"].split("\n")
    assert message == "waved"
    assert reason.startswith(
        '(Cannot render "extra" in field "result" for alias chat.greet_badly: '
    )
    assert "no_such_field" in reason
    assert announcement["payload"]["extra"] == {}
