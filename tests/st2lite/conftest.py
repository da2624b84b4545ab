import pytest
from st2lite_cli import Cli


@pytest.fixture
def cli(tmp_path):
    return Cli(tmp_path / "state")
