"""A dispatched deploy waits only for dependencies being checked: it reads their records
quickly only once their port listens (their checks are about to pass), and watches the port,
which costs no datastore read, until then: the port their checks go to, which their record
names once the back end has launched them (on a cluster, a task's agent and port)."""

import time

import pytest
from qaeci import checks, deploy_step
from qaeci.state import EnvState
from qaeci_testkit import MemoryDatastore

RUN = "r1"
TASK_URL = "http://127.0.0.3:31044"
LAUNCHING = {"run": RUN, "status": "deploying", "stage": "check", "check_url": None}
BEING_CHECKED = dict(LAUNCHING, check_url=TASK_URL)
HEALTHY = {"run": RUN, "status": "healthy"}


class CountingDatastore(MemoryDatastore):
    def __init__(self):
        super(CountingDatastore, self).__init__()
        self.gets = 0

    def get_value(self, name, local=True, scope="system", decrypt=False):
        self.gets += 1
        return super(CountingDatastore, self).get_value(name, local, scope, decrypt)


def environment(check_urls):
    api = {
        "app_code": "api",
        "scm": {"url": "file:///nowhere"},
        "build": {"method": "none"},
        "runtime": {"type": "python"},
        "check": {"urls": check_urls},
    }
    return {
        "env": "qa1",
        "app_defs": {"api": api},
        "addresses": {"api": {"url": "http://api.qa1.qa.example.com"}},
    }


class StartingDependency(object):
    """api's port: refused REFUSALS times, then it listens and api passes its checks."""

    def __init__(self, state, refusals):
        self.state = state
        self.refusals = refusals
        self.probes = 0

    def port_refuses(self, url, timeout=None):
        assert url == TASK_URL, "watched %s, not where api was launched" % url
        self.probes += 1
        if self.probes <= self.refusals:
            return "%s did not answer (Connection refused)" % url
        self.state.save_app("api", HEALTHY)
        return ""


def test_a_dependency_being_checked_is_read_rarely_until_its_port_listens(monkeypatch):
    datastore = CountingDatastore()
    state = EnvState(datastore, "qa1")
    state.save_app("api", BEING_CHECKED)
    api = StartingDependency(state, refusals=40)
    monkeypatch.setattr(checks, "port_refuses", api.port_refuses)
    monkeypatch.setattr(deploy_step.time, "sleep", lambda seconds: None)

    watch = deploy_step._DependencyWatch(state, environment(["/health"]), "api", RUN)
    outcome = watch.wait(time.monotonic() + 60)

    assert outcome == HEALTHY
    assert api.probes == 41
    assert datastore.gets == 2  # before the port was watched, and once it listened


def test_a_dependency_without_check_urls_is_read_quickly_without_watching(monkeypatch):
    datastore = CountingDatastore()
    state = EnvState(datastore, "qa1")
    state.save_app("api", BEING_CHECKED)
    slept = []

    def passes_meanwhile(seconds):
        slept.append(seconds)
        state.save_app("api", HEALTHY)

    def never(url, timeout=None):
        raise AssertionError("nothing to watch: api has no check URLs")

    monkeypatch.setattr(checks, "port_refuses", never)
    monkeypatch.setattr(deploy_step.time, "sleep", passes_meanwhile)

    watch = deploy_step._DependencyWatch(state, environment([]), "api", RUN)

    assert watch.wait(time.monotonic() + 60) == HEALTHY
    assert slept == [pytest.approx(deploy_step.DEPENDENCY_CHECKING_INTERVAL, abs=0.01)]
    assert datastore.gets == 2


def test_a_dependency_not_launched_yet_is_read_gently_and_its_port_not_guessed(monkeypatch):
    datastore = CountingDatastore()
    state = EnvState(datastore, "qa1")
    state.save_app("api", LAUNCHING)
    api = StartingDependency(state, refusals=3)
    slept = []

    def launched_meanwhile(seconds):
        slept.append(seconds)
        if len(slept) == 2:
            state.save_app("api", BEING_CHECKED)

    monkeypatch.setattr(checks, "port_refuses", api.port_refuses)
    monkeypatch.setattr(deploy_step.time, "sleep", launched_meanwhile)

    watch = deploy_step._DependencyWatch(state, environment(["/health"]), "api", RUN)

    assert watch.wait(time.monotonic() + 60) == HEALTHY
    waiting = deploy_step.DEPENDENCY_WAITING_INTERVAL
    assert slept[:2] == [pytest.approx(waiting, abs=0.01)] * 2  # no port to watch yet
    assert api.probes == 4
    assert datastore.gets == 4  # twice while launching, once launched, once it listened
