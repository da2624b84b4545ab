"""The history page in headless chromium against `st2lite serve` with auth on (one port, as
StackStorm behind its nginx): log in, the list newest first, a status filter, a workflow's
tasks as a tree, a running execution turning succeeded live, secrets masked, log out."""

import os
import tempfile
import time
import urllib.parse

import pytest
from api_testkit import PASSWORD, SCRATCH, USER, logged_in, start_server
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import Select, WebDriverWait

WAIT_SECONDS = 30
FINAL = ("succeeded", "failed", "timeout", "abandoned", "canceled")
SECRET = "hush-7f3a9c"


@pytest.fixture(scope="module")
def server():
    serve = start_server(single_port=True)
    yield serve
    serve.stop()


@pytest.fixture(scope="module")
def api(server):
    return logged_in(server.urls)


def page_url(server):
    """`/` on the API's port (the only port with --bind)."""
    api = urllib.parse.urlsplit(server.urls["api"])
    return "%s://%s/" % (api.scheme, api.netloc)


def run(api, action, **parameters):
    status, _headers, body = api.api(
        "POST", "/executions", {"action": action, "parameters": parameters}
    )
    assert status == 201, body
    return body["id"]


def finished(api, execution_id):
    """The execution once it has ended (bounded wait)."""
    deadline = time.time() + WAIT_SECONDS
    while time.time() < deadline:
        _status, _headers, body = api.api("GET", "/executions/" + execution_id)
        if body["status"] in FINAL:
            return body
        time.sleep(0.1)
    raise AssertionError("execution %s did not end within %ds" % (execution_id, WAIT_SECONDS))


def wait_for(browser, condition, what):
    """A bounded wait; a row re-drawn while it was read is simply read again."""
    return WebDriverWait(
        browser, WAIT_SECONDS, ignored_exceptions=(StaleElementReferenceException,)
    ).until(condition, message=what)


def log_in(browser, server, password=PASSWORD, user=USER):
    browser.get(page_url(server))
    wait_for(browser, seen.visibility_of_element_located((By.ID, "login")), "the login form")
    browser.find_element(By.ID, "login-user").send_keys(user)
    browser.find_element(By.ID, "login-password").send_keys(password)
    browser.find_element(By.ID, "login-submit").click()


def rows(browser):
    return browser.find_elements(By.CSS_SELECTOR, "#executions tbody tr")


def row_of(browser, execution_id):
    return browser.find_element(
        By.CSS_SELECTOR, '#executions tbody tr[data-id="%s"]' % execution_id
    )


def listed(browser):
    """[(id, status)] of the list's rows, read at one instant."""
    return [
        tuple(pair)
        for pair in browser.execute_script(
            "return Array.from(document.querySelectorAll('#executions tbody tr'))"
            ".map(function (tr) { return [tr.dataset.id, tr.dataset.status]; });"
        )
    ]


def listed_ids(browser):
    return [execution_id for execution_id, _status in listed(browser)]


def logged_in_page(browser, server, user=USER, password=PASSWORD):
    log_in(browser, server, password, user)
    wait_for(browser, seen.visibility_of_element_located((By.ID, "history")), "the history")
    wait_for(
        browser,
        seen.text_to_be_present_in_element((By.ID, "list-count"), "executions"),
        "the list loaded",
    )
    assert not browser.find_element(By.ID, "login").is_displayed()


def test_login_list_newest_first_and_logout(browser, server, api):
    first = finished(api, run(api, "core.echo", message="one"))["id"]
    second = finished(api, run(api, "core.echo", message="two"))["id"]

    log_in(browser, server, password="not the password")
    wait_for(
        browser,
        seen.text_to_be_present_in_element((By.ID, "login-error"), "Login failed"),
        "the refused login",
    )
    assert "Invalid or missing credentials" in browser.find_element(By.ID, "login-error").text
    assert not browser.find_element(By.ID, "history").is_displayed() and rows(browser) == []
    browser.shot("login-refused")

    log_in(browser, server)
    wait_for(browser, lambda b: second in listed_ids(b), "the executions listed")
    ids = listed_ids(browser)
    assert ids.index(second) < ids.index(first)  # newest first
    cells = row_of(browser, second).find_elements(By.TAG_NAME, "td")
    assert [cell.text for cell in cells[:3]] == ["core.echo", "succeeded", USER]
    assert cells[3].text[:4].isdigit()  # the start time
    assert browser.find_element(By.ID, "whoami").text == USER
    assert not browser.find_element(By.ID, "login").is_displayed()
    browser.shot("history")

    browser.find_element(By.ID, "logout").click()
    wait_for(browser, seen.visibility_of_element_located((By.ID, "login")), "the login again")
    assert rows(browser) == []
    browser.refresh()  # no token left in the tab: still the login, and no data
    wait_for(browser, seen.visibility_of_element_located((By.ID, "login")), "the login")
    assert not browser.find_element(By.ID, "history").is_displayed() and rows(browser) == []
    browser.shot("logged-out")


def test_filter_by_status(browser, server, api):
    good = finished(api, run(api, "core.local", cmd="true"))
    bad = finished(api, run(api, "core.local", cmd="exit 3"))
    assert (good["status"], bad["status"]) == ("succeeded", "failed")
    logged_in_page(browser, server)
    wait_for(browser, lambda b: bad["id"] in listed_ids(b), "the failed execution listed")

    Select(browser.find_element(By.ID, "filter-status")).select_by_visible_text("failed")
    browser.find_element(By.ID, "filter-apply").click()
    wait_for(browser, lambda b: good["id"] not in listed_ids(b), "the filter applied")
    assert bad["id"] in listed_ids(browser)
    assert set(status for _id, status in listed(browser)) == {"failed"}
    browser.shot("filtered-failed")

    browser.find_element(By.ID, "filter-action").send_keys("core.echo")
    browser.find_element(By.ID, "filter-apply").click()
    wait_for(browser, lambda b: bad["id"] not in listed_ids(b), "the action filter applied")
    browser.find_element(By.ID, "filter-clear").click()
    wait_for(browser, lambda b: good["id"] in listed_ids(b), "the filters cleared")


def test_a_workflow_shows_its_tasks_as_a_tree_with_secrets_masked(browser, server, api):
    flow = finished(api, run(api, "apitest.flow", who="bob"))
    assert flow["status"] == "succeeded"
    secretive = finished(api, run(api, "apitest.greet", who="eve", token=SECRET))
    logged_in_page(browser, server)
    wait_for(browser, lambda b: flow["id"] in listed_ids(b), "the workflow listed")

    row_of(browser, flow["id"]).click()
    wait_for(
        browser,
        seen.text_to_be_present_in_element((By.ID, "detail-id"), flow["id"]),
        "the workflow's detail",
    )
    tasks = wait_for(
        browser,
        lambda b: b.find_elements(By.CSS_SELECTOR, "#detail-children > li.node"),
        "the workflow's tasks",
    )
    labels = [li.find_element(By.CSS_SELECTOR, ".task").text for li in tasks]
    assert labels == ["greet", "repeat"]
    assert [li.find_element(By.CSS_SELECTOR, ".ref").text for li in tasks] == [
        "apitest.greet",
        "core.echo",
    ]
    assert [li.get_attribute("data-status") for li in tasks] == ["succeeded", "succeeded"]
    assert '"who": "bob"' in browser.find_element(By.ID, "detail-parameters").text
    assert "again hello bob" in browser.find_element(By.ID, "detail-result").text
    browser.shot("workflow-tree")

    tasks[0].find_element(By.CSS_SELECTOR, ".label").click()  # a task opens as its own detail
    wait_for(
        browser,
        seen.text_to_be_present_in_element((By.ID, "detail-action"), "apitest.greet"),
        "the task's detail",
    )
    wait_for(
        browser,
        seen.text_to_be_present_in_element((By.ID, "detail-output"), "hello bob"),
        "the task's output",
    )

    row_of(browser, secretive["id"]).click()
    wait_for(
        browser,
        seen.text_to_be_present_in_element((By.ID, "detail-id"), secretive["id"]),
        "the greet detail",
    )
    assert '"token": "********"' in browser.find_element(By.ID, "detail-parameters").text
    assert SECRET not in browser.page_source
    browser.shot("secret-masked")


def test_a_running_execution_appears_and_turns_succeeded_live(browser, server, api):
    release = os.path.join(tempfile.mkdtemp(dir=SCRATCH), "release")
    logged_in_page(browser, server)
    wait_for(
        browser,
        seen.presence_of_element_located((By.CSS_SELECTOR, "#live.on")),
        "the stream connected",
    )
    browser.execute_script("window.notReloaded = true;")

    # Runs until the test lets it end (bounded: it gives up after 60 s).
    waiting = run(
        api,
        "core.local",
        cmd="for i in $(seq 600); do [ -e %s ] && exit 0; sleep 0.1; done; exit 1" % release,
    )
    wait_for(browser, lambda b: waiting in listed_ids(b), "the new execution appearing")
    wait_for(
        browser,
        lambda b: row_of(b, waiting).get_attribute("data-status") == "running",
        "the execution shown running",
    )
    row_of(browser, waiting).click()
    wait_for(
        browser,
        seen.text_to_be_present_in_element((By.ID, "detail-elapsed"), "still running"),
        "the running detail",
    )
    browser.shot("running")

    open(release, "w").close()
    wait_for(
        browser,
        lambda b: row_of(b, waiting).get_attribute("data-status") == "succeeded",
        "the execution shown succeeded",
    )
    wait_for(
        browser,
        seen.text_to_be_present_in_element((By.ID, "detail-status"), "succeeded"),
        "the detail updated",
    )
    assert browser.execute_script("return window.notReloaded === true;")
    assert listed_ids(browser)[0] == waiting
    shown = len(listed(browser))
    assert browser.find_element(By.ID, "list-count").text == "%d of %d executions" % (shown, shown)
    browser.shot("succeeded")


def test_the_page_works_on_the_api_port_of_separate_ports(browser):
    """Without --bind the page is on the API port (9101) and reaches auth and stream there
    through their prefixes."""
    serve = start_server()
    try:
        api = logged_in(serve.urls)
        done = finished(api, run(api, "core.echo", message="apart"))
        logged_in_page(browser, serve)
        wait_for(
            browser,
            seen.presence_of_element_located((By.CSS_SELECTOR, "#live.on")),
            "the stream connected",
        )
        assert listed(browser) == [(done["id"], "succeeded")]
        live = run(api, "core.echo", message="live")
        wait_for(browser, lambda b: (live, "succeeded") in listed(b), "the live execution")
        browser.shot("separate-ports")
    finally:
        serve.stop()


def test_with_auth_off_there_is_no_login_and_no_logout(browser):
    serve = start_server(auth=False)
    try:
        browser.get(page_url(serve))
        wait_for(browser, seen.visibility_of_element_located((By.ID, "history")), "the history")
        assert not browser.find_element(By.ID, "login").is_displayed()
        assert not browser.find_element(By.ID, "logout").is_displayed()
        assert browser.find_element(By.ID, "whoami").text == "stanley"
    finally:
        serve.stop()
