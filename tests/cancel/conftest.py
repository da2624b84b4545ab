import pytest
from cancel_cli import CancelCli


@pytest.fixture
def cli(tmp_path):
    return CancelCli(tmp_path / "state")
