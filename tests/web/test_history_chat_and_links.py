"""The history page's chat panel, time filters, links from an environment report and the live
workflow tree, in headless chromium against `st2lite serve` with auth on (one port), with the
fixture pack tests/web/packs/webtest (a quick `env up` alias, a workflow that waits)."""

import os
import tempfile

import pytest
from api_testkit import SCRATCH, USER, logged_in, st2lite, start_server
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import Select
from test_chat_results import kept_announcements, wait_until
from test_history_page import (
    finished,
    listed_ids,
    logged_in_page,
    page_url,
    row_of,
    run,
    wait_for,
)

OTHER_USER, OTHER_PASSWORD = "bob", "builder of things"
WEB_PACKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "packs")


@pytest.fixture(scope="module")
def server():
    serve = start_server(single_port=True, packs=WEB_PACKS)
    yield serve
    serve.stop()


@pytest.fixture(scope="module")
def api(server):
    return logged_in(server.urls)


def chat(browser, text):
    field = browser.find_element(By.ID, "chat-input")
    field.send_keys(text)
    field.send_keys(Keys.ENTER)


def chat_lines(browser, kind):
    return browser.find_elements(By.CSS_SELECTOR, "#chat-log li.chat-%s" % kind)


def nth_line(browser, kind, count):
    """The text of the COUNT-th line of KIND once it is there."""
    return wait_for(
        browser,
        lambda b: len(chat_lines(b, kind)) >= count and chat_lines(b, kind)[count - 1],
        "chat line %d of %s" % (count, kind),
    )


def hrefs(element):
    return [a.get_attribute("href") for a in element.find_elements(By.TAG_NAME, "a")]


def test_chat_acks_then_answers_with_the_result_and_refusals_say_why(browser, server, api):
    logged_in_page(browser, server)
    wait_for(browser, seen.presence_of_element_located((By.CSS_SELECTOR, "#live.on")), "live")
    assert browser.find_element(By.ID, "chat-user").text == USER

    chat(browser, "env up demo")
    mine = nth_line(browser, "mine", 1)
    assert mine.find_element(By.CSS_SELECTOR, ".chat-who").text == USER
    ack = nth_line(browser, "ack", 1)
    assert ack.find_element(By.CSS_SELECTOR, ".chat-text").text == "Bringing up demo <b>now</b>"
    assert ack.value_of_css_property("border-left-color") == "rgba(46, 125, 50, 1)"  # extra
    result = nth_line(browser, "result", 1).find_element(By.CSS_SELECTOR, ".chat-text")
    assert result.text.startswith("demo: api failed http://api.demo.localhost:8080/ docs healthy")
    assert result.text.endswith("<script>window.injected=2</script>")  # shown, never run
    assert hrefs(result) == ["http://api.demo.localhost:8080/", "http://web.demo.localhost:8080/"]
    assert browser.execute_script("return window.injected === undefined;")
    posted = [a for a in kept_announcements(server.state) if a["route"] == "web-" + USER]
    assert posted[0]["payload"]["context"]["id"]  # the command's own id (result after ack)
    assert posted[0]["delivered_at"]  # the page, a listener of its route, took it
    browser.shot("chat-ack-and-result")

    execution_id = ack.get_attribute("data-execution")
    ack.find_element(By.CSS_SELECTOR, "button.chat-open").click()
    wait_for(
        browser,
        seen.text_to_be_present_in_element((By.ID, "detail-id"), execution_id),
        "the chat's execution opened",
    )
    assert browser.find_element(By.ID, "detail-user").text == USER

    refusal = api.api(
        "POST",
        "/aliasexecution/match_and_execute",
        {"command": "env explode demo", "user": USER, "notification_route": "web-" + USER},
    )
    assert refusal[0] == 400
    chat(browser, "env explode demo")
    refused = nth_line(browser, "refused", 1)
    assert refused.text.endswith("Refused: " + refusal[2]["faultstring"])

    chat(browser, "help")
    helped = nth_line(browser, "ack", 2)
    assert "env up {{ env_name }} - Bring an environment up" in helped.text

    field = browser.find_element(By.ID, "chat-input")
    recalled = []
    for key in (Keys.ARROW_UP, Keys.ARROW_UP, Keys.ARROW_UP, Keys.ARROW_DOWN, Keys.ARROW_DOWN):
        field.send_keys(key)
        recalled.append(field.get_attribute("value"))
    assert recalled == ["help", "env explode demo", "env up demo", "env explode demo", "help"]
    browser.shot("chat-refused-and-help")

    browser.find_element(By.ID, "logout").click()
    wait_for(browser, seen.visibility_of_element_located((By.ID, "login")), "the login")
    assert chat_lines(browser, "line") == [] and not browser.find_element(By.ID, "chat-log").text


def test_the_page_takes_no_chat_bots_results(browser, server, api):
    """The page's stream asks for execution events and its own route only: a result for an
    absent chat bot, published while the page is connected, stays kept for the bot (a stream
    taking the bot's route with the page's query token would have taken it)."""
    logged_in_page(browser, server)
    wait_for(browser, seen.presence_of_element_located((By.CSS_SELECTOR, "#live.on")), "live")
    status, _headers, body = api.api(
        "POST",
        "/aliasexecution/match_and_execute",
        {"command": "env up qa9", "user": "dora", "notification_route": "errbot"},
    )
    assert status == 201, body
    kept = wait_until(
        "the errbot result published",
        lambda: [a for a in kept_announcements(server.state) if a["route"] == "errbot"],
    )
    assert kept[0]["payload"]["message"].startswith("qa9: api failed")
    assert kept[0]["delivered_at"] is None  # still kept for the bot
    assert chat_lines(browser, "result") == []


def test_a_result_kept_while_its_users_page_is_closed_waits_for_that_user(browser, server, api):
    """Each user's page listens on the user's own route (web-USER): a result that arrives while
    its user has no page open is kept for that user, untouched by another user's open page, and
    shown when its user opens the page again."""
    added = st2lite(server.state, "user", "add", OTHER_USER, "--password", OTHER_PASSWORD)
    assert added.returncode == 0, added.stderr
    logged_in_page(browser, server, OTHER_USER, OTHER_PASSWORD)
    wait_for(browser, seen.presence_of_element_located((By.CSS_SELECTOR, "#live.on")), "live")
    status, _headers, body = api.api(  # as USER's page sends it; then USER's tab was closed
        "POST",
        "/aliasexecution/match_and_execute",
        {
            "command": "env up qa7",
            "user": USER,
            "source_channel": "history-page",
            "notification_route": "web-" + USER,
        },
    )
    assert status == 201, body
    [kept] = wait_until(
        "the result kept for %s" % USER,
        lambda: [
            a
            for a in kept_announcements(server.state)
            if a["route"] == "web-" + USER and a["payload"]["message"].startswith("qa7: ")
        ],
    )
    assert kept["delivered_at"] is None  # the other user's open page did not take it
    assert chat_lines(browser, "result") == []
    browser.shot("chat-other-user-sees-nothing")

    browser.find_element(By.ID, "logout").click()
    wait_for(browser, seen.visibility_of_element_located((By.ID, "login")), "the login")
    logged_in_page(browser, server)
    shown = nth_line(browser, "result", 1).find_element(By.CSS_SELECTOR, ".chat-text")
    assert shown.text.startswith("qa7: api failed http://api.qa7.localhost:8080/")
    [taken] = [a for a in kept_announcements(server.state) if a["id"] == kept["id"]]
    assert taken["delivered_at"]
    browser.shot("chat-result-kept-for-its-user")


def test_an_env_report_result_shows_its_apps_with_links(browser, server, api):
    done = finished(api, run(api, "webtest.env_up", env_name="qa2"))
    logged_in_page(browser, server)
    wait_for(browser, lambda b: done["id"] in listed_ids(b), "the env up listed")
    row_of(browser, done["id"]).click()
    table = wait_for(
        browser,
        lambda b: b.find_elements(By.CSS_SELECTOR, "#detail-reports table.report"),
        "the report table",
    )[0]
    rows = {
        tr.get_attribute("data-app"): tr for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr")
    }
    assert sorted(rows) == ["api", "docs", "web"]

    def cells(app):
        return [td.text for td in rows[app].find_elements(By.TAG_NAME, "td")]

    assert cells("web")[:4] == [
        "web",
        "healthy",
        "http://web.qa2.localhost:8080/",
        "passed (2026-01-02T03:04:05Z)",
    ]
    assert hrefs(rows["web"]) == [
        "http://web.qa2.localhost:8080/",
        "https://logs.example/?q=env:qa2+app:web",
    ]
    api_cells = cells("api")
    assert api_cells[:2] == ["api", "failed"]
    assert api_cells[3] == 'check: GET /health answered 502 <img src=x onerror="window.injected=1">'
    assert "/var/lib/qaeci/logs/qa2/api.log" in api_cells[4]
    rows["api"].find_element(By.CSS_SELECTOR, "details.log-tail summary").click()
    assert "Traceback: boom" in rows["api"].find_element(By.CSS_SELECTOR, "details pre").text
    assert hrefs(rows["docs"]) == []  # javascript: is shown as text, never a link
    assert cells("docs")[2] == "javascript:alert(document.cookie)"

    result_links = hrefs(browser.find_element(By.ID, "detail-result"))
    assert "http://api.qa2.localhost:8080/" in result_links
    every_link = hrefs(browser.find_element(By.ID, "detail"))
    assert every_link and all(url.startswith(("http://", "https://")) for url in every_link)
    assert browser.execute_script("return window.injected === undefined;")
    browser.shot("env-report-links")


def shown_time(execution):
    """An execution's start as a person types it in the filter (UTC, no zone)."""
    return execution["start_timestamp"].replace("T", " ").rstrip("Z")


def test_time_filter_narrows_the_list_and_survives_a_reload(browser, server, api):
    early = finished(api, run(api, "core.echo", message="early"))
    late = finished(api, run(api, "core.echo", message="late"))
    env_up = finished(api, run(api, "webtest.env_up", env_name="qa3"))
    logged_in_page(browser, server)
    wait_for(browser, lambda b: env_up["id"] in listed_ids(b), "all listed")

    Select(browser.find_element(By.ID, "filter-range")).select_by_visible_text("between...")
    browser.find_element(By.ID, "filter-from").send_keys(shown_time(early))
    browser.find_element(By.ID, "filter-action").send_keys("core.echo")
    browser.find_element(By.ID, "filter-apply").click()
    wait_for(browser, lambda b: early["id"] not in listed_ids(b), "the time filter applied")
    assert late["id"] in listed_ids(browser) and env_up["id"] not in listed_ids(browser)
    assert "from=" in browser.current_url and "action=core.echo" in browser.current_url

    browser.refresh()
    wait_for(browser, lambda b: late["id"] in listed_ids(b), "the list after the reload")
    assert early["id"] not in listed_ids(browser) and env_up["id"] not in listed_ids(browser)
    assert browser.find_element(By.ID, "filter-from").get_attribute("value") == shown_time(early)
    assert browser.find_element(By.ID, "filter-from").is_displayed()
    browser.shot("time-filter-after-reload")

    browser.find_element(By.ID, "filter-from").clear()
    browser.find_element(By.ID, "filter-to").send_keys(shown_time(late))
    browser.find_element(By.ID, "filter-apply").click()
    wait_for(browser, lambda b: late["id"] not in listed_ids(b), "the upper bound applied")
    assert early["id"] in listed_ids(browser)

    Select(browser.find_element(By.ID, "filter-range")).select_by_visible_text("in the last hour")
    browser.find_element(By.ID, "filter-apply").click()
    wait_for(browser, lambda b: late["id"] in listed_ids(b), "the last hour")
    assert early["id"] in listed_ids(browser) and env_up["id"] not in listed_ids(browser)
    assert "range=1h" in browser.current_url and "to=" not in browser.current_url

    Select(browser.find_element(By.ID, "filter-range")).select_by_visible_text("between...")
    browser.find_element(By.ID, "filter-from").send_keys("yesterday")
    browser.find_element(By.ID, "filter-apply").click()
    wait_for(
        browser,
        seen.text_to_be_present_in_element((By.ID, "list-error"), 'From: "yesterday"'),
        "the bad time refused",
    )
    assert "write it as YYYY-MM-DD HH:MM:SS" in browser.find_element(By.ID, "list-error").text


def test_a_running_workflow_tree_updates_live(browser, server, api):
    release = os.path.join(tempfile.mkdtemp(dir=SCRATCH), "release")
    flow = run(api, "webtest.slow_flow", release=release)
    logged_in_page(browser, server)
    browser.execute_script("window.notReloaded = true;")
    wait_for(browser, lambda b: flow in listed_ids(b), "the workflow listed")
    row_of(browser, flow).click()

    def tasks(b):
        return {
            li.find_element(By.CSS_SELECTOR, ".task").text: li.get_attribute("data-status")
            for li in b.find_elements(By.CSS_SELECTOR, "#detail-children > li.node")
        }

    wait_for(
        browser,
        lambda b: tasks(b) == {"start": "succeeded", "wait": "running"},
        "the waiting task shown running",
    )
    assert browser.find_element(By.ID, "detail-elapsed").text == "still running"
    browser.shot("workflow-running")

    open(release, "w").close()
    wait_for(
        browser,
        lambda b: tasks(b) == {"start": "succeeded", "wait": "succeeded", "finish": "succeeded"},
        "the last task appearing succeeded",
    )
    wait_for(
        browser,
        seen.text_to_be_present_in_element((By.ID, "detail-status"), "succeeded"),
        "the workflow shown succeeded",
    )
    assert browser.execute_script("return window.notReloaded === true;")
    assert page_url(server) in browser.current_url
    browser.shot("workflow-done")
