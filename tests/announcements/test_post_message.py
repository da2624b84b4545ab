"""chatops.post_message and the announcement runner, as StackStorm runs them: the action's own
parameters become the announcement's payload on its route, kept for a chat bot to take."""


def test_post_message_records_an_announcement_on_the_chatops_route(cli):
    rc, execution = cli.json(
        "run",
        "chatops.post_message",
        "channel=#qa",
        "message=deploy done",
        "user=bob",
        "whisper=true",
        'extra={"color": "good"}',
    )
    assert (rc, execution["status"]) == (0, "succeeded")
    payload = {
        "channel": "#qa",
        "message": "deploy done",
        "user": "bob",
        "whisper": True,
        "extra": {"color": "good"},
        "context": None,
    }
    assert execution["result"] == dict(payload, output=payload)
    [announcement] = cli.announcements()
    assert announcement["route"] == "chatops"
    assert announcement["payload"] == payload
    assert announcement["created_at"].endswith("Z")
    assert announcement["delivered_at"] is None


def test_the_route_parameter_chooses_the_route(cli):
    assert cli.run("run", "chatops.post_message", "channel=#qa", "message=one").returncode == 0
    assert (
        cli.run(
            "run", "chatops.post_message", "channel=#ops", "message=two", "route=errbot"
        ).returncode
        == 0
    )
    assert [a["payload"]["message"] for a in cli.announcements()] == ["two", "one"]
    [errbot] = cli.announcements("--route", "errbot")
    assert (errbot["route"], errbot["payload"]["channel"]) == ("errbot", "#ops")
    assert [a["payload"]["message"] for a in cli.announcements("-n", "1")] == ["two"]


def test_a_pack_action_on_the_announcement_runner_announces_its_parameters(cli):
    rc, execution = cli.json("run", "chat.page", "who=oncall")
    assert (rc, execution["status"]) == (0, "succeeded")
    [announcement] = cli.announcements()
    assert (announcement["route"], announcement["payload"]) == ("alerts", {"who": "oncall"})


def test_the_runner_refuses_without_the_experimental_flag(cli):
    rc, execution = cli.json("run", "chat.unflagged", "text=hi")
    assert (rc, execution["status"]) == (1, "failed")
    assert execution["result"]["error"] == "Experimental flag is missing for action chat.unflagged"
    assert cli.announcements() == []


def test_bad_input_is_refused_and_nothing_is_announced(cli):
    missing = cli.run("run", "chatops.post_message", "channel=#qa")
    assert missing.returncode == 2
    assert "message" in missing.stderr and len(missing.stderr.splitlines()) == 1
    immutable = cli.run(
        "run", "chatops.post_message", "channel=#qa", "message=x", "experimental=false"
    )
    assert immutable.returncode == 2 and "immutable" in immutable.stderr
    assert cli.announcements() == []
    assert cli.run("execution", "list", "--json").stdout.strip() == "[]"


def test_the_list_for_people_shows_route_channel_user_and_message(cli):
    cli.run("run", "chatops.post_message", "channel=#qa", "message=line one\nline two", "user=bob")
    table = cli.run("announcement", "list")
    assert table.returncode == 0
    [row] = [line for line in table.stdout.splitlines() if "chatops" in line]
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[1:2] + cells[3:] == ["chatops", "#qa", "bob", "line one line two", ""]


def test_a_bad_count_is_one_clear_line(cli):
    done = cli.run("announcement", "list", "-n", "0")
    assert done.returncode == 2
    assert done.stderr.strip() == "st2lite: -n must be at least 1, got 0"
