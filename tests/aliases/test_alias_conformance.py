"""Every chat command of the shared corpus gets StackStorm's recorded answer."""

import json
import os

import pytest
from alias_helpers import EXPECTED_ALIASES, load_conformance_aliases

from st2lite.aliases import AmbiguousMatch, NoMatch, match_command, validate_alias

if not os.path.exists(EXPECTED_ALIASES):
    pytest.skip("conformance corpus absent", allow_module_level=True)

with open(EXPECTED_ALIASES) as handle:
    EXPECTED = json.load(handle)


def outcome_of(aliases, command):
    try:
        found = match_command(aliases, command)
    except NoMatch:
        return {"outcome": "no match"}
    except AmbiguousMatch:
        return {"outcome": "ambiguous"}
    return {
        "outcome": "match",
        "alias": found.ref,
        "representation": found.representation,
        "parameters": found.parameters,
    }


@pytest.mark.parametrize("case", EXPECTED, ids=[case["command"] for case in EXPECTED])
def test_command_gets_stackstorms_answer(case):
    expected = {key: value for key, value in case.items() if key != "command"}
    assert outcome_of(load_conformance_aliases(), case["command"]) == expected


def test_corpus_covers_all_three_outcomes():
    assert {case["outcome"] for case in EXPECTED} == {"match", "ambiguous", "no match"}


def test_corpus_aliases_are_valid():
    for alias in load_conformance_aliases():
        validate_alias(alias, "aliases/%s.yaml" % alias["name"])
