"""Where Debian's chromium and chromedriver are, and the flags the tests start chromium with."""

import shutil

import pytest

INSTALL_HINT = (
    "run `sudo bash scripts/install-system-deps.sh` (Debian's chromium and chromium-driver)"
)
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1400,1000",
)


def installed(*names):
    """The path of the first of `names` on PATH; else the test fails with how to install it."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("%s is missing: %s" % (names[0], INSTALL_HINT), pytrace=False)
