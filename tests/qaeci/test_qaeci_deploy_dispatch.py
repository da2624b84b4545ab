"""env_deploy's dispatcher: which pending deploys may start now, and how it waits for them
(one process, one datastore list per poll, gentler while nothing moves)."""

import pytest
from qaeci import deploy_dispatch
from qaeci.deploy_dispatch import POLL_FIRST_INTERVAL, POLL_LONGEST_INTERVAL, nearly_ready
from qaeci.errors import EnvironmentNotFound
from qaeci.state import EnvState
from qaeci.step_context import StepContext
from qaeci_testkit import MemoryDatastore

RUN = "r1"


class CountingDatastore(MemoryDatastore):
    """Counts the reads a step makes, as st2api would serve them on StackStorm."""

    def __init__(self):
        super(CountingDatastore, self).__init__()
        self.gets = 0
        self.lists = 0

    def get_value(self, name, local=True, scope="system", decrypt=False):
        self.gets += 1
        return super(CountingDatastore, self).get_value(name, local, scope, decrypt)

    def list_values(self, local=True, prefix=None):
        self.lists += 1
        return super(CountingDatastore, self).list_values(local, prefix)


def entry(code, *depends_on):
    return {"code": code, "depends_on": list(depends_on)}


def records(services=None, builds=None, apps=None):
    return services, builds or {}, apps or {}


BUILT = {"run": RUN, "status": "built"}
SERVICES_UP = {"run": RUN, "status": "healthy", "services": {}}


@pytest.mark.parametrize(
    "build, services, dependency, ready",
    [
        (None, SERVICES_UP, None, False),  # still building
        ({"run": RUN, "status": "building"}, SERVICES_UP, None, False),
        ({"run": "old", "status": "built"}, SERVICES_UP, None, False),  # another run's
        ({"run": RUN, "status": "failed"}, None, None, True),  # fails at once
        (BUILT, None, None, False),  # services unknown
        ({"run": RUN, "status": "cached"}, SERVICES_UP, {"run": RUN, "status": "healthy"}, True),
        (BUILT, {"run": RUN, "status": "failed"}, {"run": RUN, "status": "failed"}, True),
        (BUILT, SERVICES_UP, {"run": RUN, "status": "skipped"}, True),
        (BUILT, SERVICES_UP, {"run": RUN, "status": "deploying", "stage": "check"}, True),
        (BUILT, SERVICES_UP, {"run": RUN, "status": "deploying", "stage": "deploy"}, False),
        (BUILT, SERVICES_UP, {"run": "old", "status": "healthy"}, False),
        (BUILT, SERVICES_UP, None, False),  # not dispatched
    ],
)
def test_a_deploy_is_ready_once_it_would_wait_only_for_dependencies_being_checked(
    build, services, dependency, ready
):
    run_records = records(
        services, {"web": build} if build else {}, {"api": dependency} if dependency else {}
    )
    assert nearly_ready(entry("web", "api"), run_records, RUN) is ready


def test_an_app_without_dependencies_is_ready_once_built_with_the_services_up():
    assert nearly_ready(entry("api"), records(SERVICES_UP, {"api": BUILT}), RUN) is True


def planned(datastore, *entries):
    state = EnvState(datastore, "qa1")
    state.save_environment(
        {"env": "qa1", "run": RUN, "plan": {item["code"]: item for item in entries}}
    )
    return state


def context_over(datastore):
    return StepContext({"registry_path": "/nowhere"}, datastore)


def test_the_ready_apps_are_handed_back_with_the_rest():
    datastore = CountingDatastore()
    state = planned(datastore, entry("api"), entry("web", "api"), entry("jobs", "web"))
    state.save_services(SERVICES_UP)
    for code in ("api", "web", "jobs"):
        state.save_build(code, BUILT)
    datastore.gets = 0

    answer = deploy_dispatch.next_deploys(
        context_over(datastore), "qa1", RUN, ["api", "web", "jobs"]
    )

    assert answer == {"ready": ["api"], "rest": ["web", "jobs"]}
    assert (datastore.gets, datastore.lists) == (1, 1)  # the plan, then one poll


class Builds(object):
    """A sleep that lets time pass for the dispatcher: each call records the interval and
    may record what happened meanwhile (a build starting or ending)."""

    def __init__(self, state, events):
        self.state = state
        self.events = events
        self.intervals = []

    def __call__(self, seconds):
        self.intervals.append(seconds)
        for app, status in self.events.pop(len(self.intervals), []):
            self.state.save_build(app, {"run": RUN, "status": status})


def test_the_wait_reads_one_list_per_poll_and_slows_down_while_nothing_moves():
    datastore = CountingDatastore()
    state = planned(datastore, entry("api"), entry("web"))
    state.save_services(SERVICES_UP)
    state.save_build("web", {"run": RUN, "status": "building"})
    builds = Builds(state, {6: [("web", "building"), ("api", "building")], 12: [("api", "built")]})

    answer = deploy_dispatch.next_deploys(
        context_over(datastore), "qa1", RUN, ["api", "web"], sleep=builds
    )

    assert answer == {"ready": ["api"], "rest": ["web"]}
    assert datastore.lists == len(builds.intervals) + 1 and datastore.gets == 1
    quiet, after_change = builds.intervals[:6], builds.intervals[6:]
    assert quiet[0] == POLL_FIRST_INTERVAL and quiet == sorted(quiet)
    assert quiet[-1] == POLL_LONGEST_INTERVAL
    assert after_change[0] == POLL_FIRST_INTERVAL  # api's build started: quick again
    assert max(builds.intervals) == POLL_LONGEST_INTERVAL


def test_when_the_wait_times_out_every_app_goes_to_its_deploy():
    datastore = MemoryDatastore()
    state = planned(datastore, entry("api"), entry("web", "api"))
    state.save_services(SERVICES_UP)

    answer = deploy_dispatch.next_deploys(
        context_over(datastore), "qa1", RUN, ["api", "web"], wait_timeout=0
    )

    assert answer == {"ready": ["api", "web"], "rest": []}


def test_nothing_pending_is_answered_at_once_and_an_unknown_environment_is_refused():
    datastore = CountingDatastore()
    assert deploy_dispatch.next_deploys(context_over(datastore), "qa1", RUN, []) == {
        "ready": [],
        "rest": [],
    }
    assert datastore.gets == datastore.lists == 0
    with pytest.raises(EnvironmentNotFound) as refused:
        deploy_dispatch.next_deploys(context_over(datastore), "qa1", RUN, ["api"])
    assert "environment qa1 does not exist" in str(refused.value)


def test_run_records_are_read_in_one_list(datastore):
    state = EnvState(datastore, "qa1")
    state.save_environment({"env": "qa1"})
    state.save_services(SERVICES_UP)
    state.save_build("api", BUILT)
    state.save_app("api", {"run": RUN, "status": "healthy"})
    EnvState(datastore, "qa10").save_build("api", {"run": RUN, "status": "failed"})
    datastore.set_value("qaeci.env.qa1.app.web", "not json", local=False)

    services, builds, apps = state.run_records()

    assert services == SERVICES_UP and builds == {"api": BUILT}
    assert apps == {"api": {"run": RUN, "status": "healthy"}}  # not qa10's, nor bad JSON
