"""Which command lines start the fork server before the command line loads (st2lite.cli.entry):
a synchronous `run PACK.ACTION`, with the packs it names; nothing else."""

import os

import pytest

from st2lite.cli.entry import run_target


@pytest.mark.parametrize(
    "argv, target",
    [
        (["run", "qaeci.env_up", "env=a"], ([os.path.abspath("packs")], "qaeci.env_up")),
        (["--packs", "/p1", "--state", "/s", "run", "x.y", "--json"], (["/p1"], "x.y")),
        (["run", "--packs=/p1", "--packs", "/p2", "--user", "bob", "x.y"], (["/p1", "/p2"], "x.y")),
        (["run", "x.y", "--async"], None),
        (["execution", "list"], None),
        (["run"], None),
        (["run", "noaction"], None),
        (["--state", "run", "x.y"], None),  # `run` is the state dir's name here
    ],
)
def test_run_target(argv, target, monkeypatch):
    monkeypatch.delenv("ST2LITE_PACKS_PATH", raising=False)
    assert run_target(argv) == target
