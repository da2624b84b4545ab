"""Parameter extraction, one format at a time.

Expected values are StackStorm's own answers (its parser's unit tests and observed
behaviour), including the surprising ones.
"""

import pytest

from st2lite.aliases import extract_parameters
from st2lite.aliases.errors import FormatMismatch
from st2lite.aliases.parser import CompiledFormat

MATCHING = [
    # plain parameters, in the middle and at the end
    (
        "skip {{a}} more skip {{b}} and skip more.",
        "skip a1 more skip b1 and skip more.",
        {"a": "a1", "b": "b1"},
    ),
    ("skip {{a}} more skip {{b}}", "skip a1 more skip b1", {"a": "a1", "b": "b1"}),
    (
        "{{ captain }} is my captain",
        "Malcolm Reynolds is my captain",
        {"captain": "Malcolm Reynolds"},
    ),
    # quoting: quotes are stripped, spaces inside kept
    ("skip {{a}} more", 'skip "a1 a2" more', {"a": "a1 a2"}),
    ("skip {{a}} more", "skip 'a1 a2' more", {"a": "a1 a2"}),
    (
        "acl {{a}} {{b}} {{c}} {{d=1}}",
        'acl "a1 a2" "b1" "c1"',
        {"a": "a1 a2", "b": "b1", "c": "c1", "d": "1"},
    ),
    # JSON-ish values in braces
    (
        "skip {{a}} more skip {{b}}.",
        'skip {"a": "b", "c": "d"} more skip x.',
        {"a": '{"a": "b", "c": "d"}', "b": "x"},
    ),
    # defaults, with every spacing around "="
    ("acl {{a=test}}", "acl", {"a": "test"}),
    (
        "s {{a}} more {{ b }} more {{ c=99 }} more {{ d = 99 }}",
        "s one more two more three more",
        {"a": "one", "b": "two", "c": "three", "d": "99"},
    ),
    ("skip {{ a = value }} more", "skip one more", {"a": "one"}),
    ("skip {{ a = value }} more", "skip more", {"a": "value"}),
    ("skip {{d=test1}} more skip {{e=test1}}.", "skip more skip", {"d": "test1", "e": "test1"}),
    (
        "two by two hands of {{ color = {{ colors.default_color }} }}",
        "two by two hands of",
        {"color": "{{ colors.default_color }}"},
    ),
    (
        "{{ p0='http' }} g {{ p1=p }} a {{ url }} {{ p2={'a':'b'} }} {{ p3={{ e.i }} }}",
        "g a http://google.com {{ execution.id }} p4='testing' p5={'a':'c'}",
        {
            "p0": "http",
            "p1": "p",
            "url": "http://google.com",
            "p2": "{{ execution.id }}",
            "p3": "{{ e.i }}",
            "p4": "testing",
            "p5": "{'a':'c'}",
        },
    ),
    # trailing key=value extras: words, quoted, braced; they override format values
    (
        "",
        'a=foobar1 b="boobar2 3 4" c=\'coobar3 4\' d={"a": "b"}',
        {"a": "foobar1", "b": "boobar2 3 4", "c": "coobar3 4", "d": '{"a": "b"}'},
    ),
    ("foo bar", "foo bar pony1=foo pony2=bar", {"pony1": "foo", "pony2": "bar"}),
    ("testing {{ a=new }}", 'testing b="another value"', {"a": "new", "b": "another value"}),
    (
        "somestuff {{a}} more stuff {{b}}",
        "somestuff ponies more stuff coobar b=foo",
        {"a": "ponies", "b": "foo"},
    ),
    # whitespace: the format's spaces are literal, extra ones stay in the value
    ("status {{ value }}", "status  qa1", {"value": " qa1"}),
    ("echo {{ value }}", "  echo hi  ", {"value": "hi"}),
    # a format is a regular expression, anchors included
    ("ping? {{ value }} (fast)", "pin h1 fast", {"value": "h1"}),
    ("^\\s*foo (?P<issue_key>[A-Z][A-Z0-9]+-[0-9]+)", "foo ASDF-1234", {"issue_key": "ASDF-1234"}),
    ("foo (?P<issue_key>[A-Z][A-Z0-9]+-[0-9]+)\\s*$", "foo ASDF-1234", {"issue_key": "ASDF-1234"}),
    ("", "", {}),
]

NOT_MATCHING = [
    ("foo bar ponies", "foo lulz ponies"),
    ("skip {{d}} more skip {{e}}.", ""),
    ("status {{ value }}", "STATUS qa1"),
    ("status {{ value }}", "statusqa1"),
    ("echo {{ value }}", "echo a=b"),
    ("ping? {{ value }} (fast)", "ping h1 (fast)"),
    ("^\\s*foo (?P<issue_key>[A-Z][A-Z0-9]+-[0-9]+)", "bar foo ASDF-1234"),
    ("foo (?P<issue_key>[A-Z][A-Z0-9]+-[0-9]+)\\s*$", "foo ASDF-1234 bar"),
]


@pytest.mark.parametrize("format_string, command, expected", MATCHING)
def test_extracts_parameters_as_stackstorm(format_string, command, expected):
    assert extract_parameters(format_string, command) == expected


@pytest.mark.parametrize("format_string, command", NOT_MATCHING)
def test_command_that_does_not_fit_is_refused(format_string, command):
    with pytest.raises(FormatMismatch) as raised:
        extract_parameters(format_string, command)
    assert format_string in str(raised.value) or "No value" in str(raised.value)


def test_only_second_alternative_is_searched_for_anchors():
    # StackStorm looks for "^"/"$" in the second alternative of "|" only. "^x|..." thus
    # still gets "^\s*" added - to the first alternative alone - so the second one is
    # searched anywhere in the padded command and keeps its leading space.
    assert CompiledFormat("^a|b").regex.pattern == r"^\s*^a|b\s*$"
    assert CompiledFormat("a|^b").regex.pattern == r"a|^b\s*$"
    assert extract_parameters("^x|{{ v }}", "hello") == {"v": " hello"}


def test_every_occurrence_of_trailing_pairs_text_is_removed():
    # The trailing " x=1" is cut from the whole command, also from the middle.
    assert extract_parameters("echo {{ v }}", "echo a x=1 b x=1") == {"v": "a b", "x": "1"}


def test_format_with_own_anchors_can_match_several_times():
    # A format carrying both anchors gets none added, so it can match more than once:
    # match_multiple aliases start one execution per match.
    compiled = CompiledFormat(r"(?:\s|^)#(?P<ticket>[0-9]+)(?:\s|$)")
    assert compiled.extract_all("see #12 and #34") == [{"ticket": "12"}, {"ticket": "34"}]
    assert compiled.extract("see #12 and #34") == {"ticket": "12"}


def test_anchored_format_matches_once():
    assert CompiledFormat("deploy {{ app }}").extract_all("deploy a deploy b") == [
        {"app": "a deploy b"}
    ]
