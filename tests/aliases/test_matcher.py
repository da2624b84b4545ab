"""Choosing the alias format for a command: one match, ambiguity, no match with suggestions."""

import pytest
from alias_helpers import make_alias

from st2lite.aliases import AliasValidationError, AmbiguousMatch, NoMatch, match_command

STATUS = make_alias(
    "status",
    [
        "status {{ env }}",
        {
            "display": "status of <env>",
            "representation": ["status of {{ env }}", "what is the status of {{ env }}"],
        },
    ],
    description="Show an environment's status.",
)
DEPLOY = make_alias("deploy", ["deploy {{ app }} to {{ env=qa1 }}"])


def test_plain_string_format_matches_with_parameters():
    found = match_command([STATUS, DEPLOY], "deploy web to qa2")
    assert (found.ref, found.representation, found.parameters) == (
        "demo.deploy",
        "deploy {{ app }} to {{ env=qa1 }}",
        {"app": "web", "env": "qa2"},
    )
    assert found.alias is DEPLOY
    assert found.to_dict() == {
        "alias": "demo.deploy",
        "representation": "deploy {{ app }} to {{ env=qa1 }}",
        "parameters": {"app": "web", "env": "qa2"},
    }


def test_default_applies_when_optional_parameter_is_left_out():
    assert match_command([DEPLOY], "deploy web to").parameters == {"app": "web", "env": "qa1"}


def test_representation_of_a_display_format_is_reported_not_its_display():
    found = match_command([STATUS], "what is the status of qa1")
    assert found.representation == "what is the status of {{ env }}"
    assert found.display == "status of <env>"
    assert found.parameters == {"env": "qa1"}


def test_extra_key_value_pairs_become_parameters():
    found = match_command([STATUS], 'status qa1 verbose=true note="two words"')
    assert found.parameters == {"env": "qa1", "verbose": "true", "note": "two words"}


def test_format_that_is_a_prefix_of_another_makes_the_command_ambiguous():
    # "status {{ env }}" also matches "status of qa1" (env = "of qa1"); StackStorm refuses.
    with pytest.raises(AmbiguousMatch) as raised:
        match_command([STATUS], "status of qa1")
    assert raised.value.candidates == [
        {"alias": "demo.status", "representation": "status {{ env }}"},
        {"alias": "demo.status", "representation": "status of {{ env }}"},
    ]
    assert "status of qa1" in raised.value.message and "\n" not in raised.value.message


def test_two_aliases_matching_the_same_command_are_ambiguous():
    restart = make_alias("restart", ["restart {{ service }}"])
    bounce = make_alias("bounce", ["restart {{ service }} now"], pack="ops")
    with pytest.raises(AmbiguousMatch) as raised:
        match_command([restart, bounce], "restart web now")
    assert [c["alias"] for c in raised.value.candidates] == ["demo.restart", "ops.bounce"]
    assert "demo.restart" in raised.value.message and "ops.bounce" in raised.value.message


def test_disabled_alias_is_never_matched():
    disabled = dict(DEPLOY, enabled=False)
    with pytest.raises(NoMatch):
        match_command([disabled], "deploy web to qa2")


def test_disabled_alias_does_not_make_a_command_ambiguous():
    twin = make_alias("deploy2", ["deploy {{ app }} to {{ env }}"], enabled=False)
    assert match_command([DEPLOY, twin], "deploy web to qa2").ref == "demo.deploy"


def test_no_match_suggests_close_commands_in_one_line():
    with pytest.raises(NoMatch) as raised:
        match_command([STATUS, DEPLOY], "STATUS qa1")
    message = raised.value.message
    assert message.startswith('No action alias matches "STATUS qa1"')
    assert '"status {{ env }}"' in message and '"status of <env>"' in message
    assert "\n" not in message
    assert {"alias": "demo.status", "representation": "status {{ env }}"} in raised.value.candidates
    assert all(c["alias"] == "demo.status" for c in raised.value.candidates)


def test_no_match_lists_at_most_five_suggestions():
    aliases = [make_alias("a%d" % i, ["deploy app%d {{ x }}" % i]) for i in range(8)]
    with pytest.raises(NoMatch) as raised:
        match_command(aliases, "deploy app")
    assert len(raised.value.candidates) == 5


def test_no_match_without_anything_similar_says_so():
    with pytest.raises(NoMatch) as raised:
        match_command([DEPLOY], "zzzz qqqq")
    assert raised.value.candidates == []
    assert "no command is similar" in raised.value.message


def test_no_aliases_at_all():
    with pytest.raises(NoMatch) as raised:
        match_command([], "deploy web")
    assert "no enabled aliases" in raised.value.message


def test_regex_characters_in_a_format_keep_their_regex_meaning():
    ping = make_alias("ping", ["ping? {{ host }} (fast)"])
    assert match_command([ping], "pin h1 fast").parameters == {"host": "h1"}
    with pytest.raises(NoMatch):
        match_command([ping], "ping? h1 (fast)")


def test_escaped_regex_characters_match_literally():
    ping = make_alias("ping", [r"ping\? {{ host }} \(fast\)"])
    assert match_command([ping], "ping? h1 (fast)").parameters == {"host": "h1"}


def test_invalid_regex_in_a_format_is_a_clear_error():
    broken = make_alias("broken", ["deploy ({{ app }}"])
    with pytest.raises(AliasValidationError) as raised:
        match_command([broken], "deploy web")
    assert "demo.broken" in raised.value.message and "backslash" in raised.value.message


def test_match_multiple_aliases_are_tried_only_when_nothing_else_matches():
    tickets = make_alias(
        "tickets",
        [
            {
                "display": "#<ticket>",
                "match_multiple": True,
                "representation": [r"(?:\s|^)#(?P<ticket>[0-9]+)(?:\s|$)"],
            }
        ],
    )
    echo = make_alias("echo", ["echo {{ text }}"])
    # "echo #1 #2" fits both, but the ordinary alias wins without ambiguity.
    assert match_command([tickets, echo], "echo #1 #2").ref == "demo.echo"
    found = match_command([tickets, echo], "see #1 and #2")
    assert found.ref == "demo.tickets" and found.match_multiple
    assert found.parameter_sets == [{"ticket": "1"}, {"ticket": "2"}]


def test_ordinary_match_has_one_parameter_set():
    found = match_command([DEPLOY], "deploy web to qa2")
    assert found.parameter_sets == [found.parameters] and not found.match_multiple


def test_failures_serialise_as_the_cli_prints_them():
    with pytest.raises(AmbiguousMatch) as ambiguous:
        match_command([STATUS], "status of qa1")
    assert ambiguous.value.to_dict()["error"] == "ambiguous"
    assert ambiguous.value.to_dict()["candidates"] == ambiguous.value.candidates
    with pytest.raises(NoMatch) as nothing:
        match_command([STATUS], "STATUS qa1")
    assert nothing.value.to_dict() == {
        "error": "no match",
        "message": nothing.value.message,
        "candidates": nothing.value.candidates,
    }


def test_format_of_unknown_shape_is_a_clear_error():
    odd = make_alias("odd", [42])
    with pytest.raises(AliasValidationError) as raised:
        match_command([odd], "anything")
    assert "demo.odd" in raised.value.message and "42" in raised.value.message
