"""Without Debian's chromium the browser tests fail (CI installs it) with the one line that
fixes it; they never skip and never download a browser."""

import pytest
from chromium_kit import installed


def test_a_missing_chromium_fails_with_the_fix(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(pytest.fail.Exception) as failed:
        installed("chromium", "chromium-browser")
    assert str(failed.value) == (
        "chromium is missing: run `sudo bash "
        "scripts/install-system-deps.sh` (Debian's chromium and "
        "chromium-driver)"
    )


def test_chromium_and_its_driver_are_found_on_path():
    assert installed("chromium", "chromium-browser").endswith(("chromium", "chromium-browser"))
    assert installed("chromedriver").endswith("chromedriver")
