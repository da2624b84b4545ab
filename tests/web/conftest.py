"""The history page's tests drive Debian's chromium through its chromedriver (Selenium), never a
downloaded browser, against a real `st2lite serve` started by the API tests' helpers."""

import os
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
for path in (HERE, REPO, os.path.join(REPO, "tests", "api")):  # api_testkit: serve, HTTP
    if path not in sys.path:
        sys.path.insert(0, path)

from api_testkit import SCRATCH  # noqa: E402
from chromium_kit import CHROMIUM_FLAGS, installed  # noqa: E402


@pytest.fixture
def browser(tmp_path):
    """Headless chromium with a fresh profile; `browser.shot(name)` saves and prints a
    screenshot under the test's tmp dir."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("selenium is missing: pip install -e '.[test]'", pytrace=False)
    options = webdriver.ChromeOptions()
    options.binary_location = installed("chromium", "chromium-browser")
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument("--user-data-dir=" + tempfile.mkdtemp(prefix="chromium-", dir=SCRATCH))
    # An explicit driver path: Selenium Manager (which could download one) is never asked.
    service = Service(installed("chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    shots = tmp_path / "screenshots"
    shots.mkdir()

    def shot(name):
        path = str(shots / (name + ".png"))
        driver.save_screenshot(path)
        print("screenshot: %s" % path)
        return path

    driver.shot = shot
    try:
        yield driver
    finally:
        driver.quit()
