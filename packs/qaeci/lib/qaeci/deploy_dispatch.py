"""When to start each deploy of a run (action env_next_deploys, the dispatcher of the
env_deploy workflow).

A deploy item that waits for its artifact and its dependencies holds a process and polls the
datastore (an API call each time on StackStorm): started all at once, a 40-app run keeps 40 of
them polling. So env_deploy starts a deploy only once its app is nearly ready: its build
outcome and the base services' outcome are recorded, and each of its dependencies is either
final (healthy, failed or skipped) or launched and being checked. The deploy then unpacks and
renders its release while those checks finish and starts the moment they pass; only
dependents of apps being checked ever wait.

One process waits for all pending apps instead: it reads the run's records in one datastore
read per poll, quickly while they change and more gently while nothing moves, and hands back
the apps that are nearly ready and the rest, which the next round of env_deploy waits for.
"""

import time

from qaeci.state import BUILD_OUTCOMES, FINAL_APP_STATUSES, SERVICES_OUTCOMES, being_checked, of_run
from qaeci.waiting import Backoff, wait_for

DEFAULT_WAIT_TIMEOUT = 3600
# Quick after a change (a build or a check just ended: another may follow), gentler while
# nothing moves (long builds).
POLL_FIRST_INTERVAL = 0.05
POLL_LONGEST_INTERVAL = 0.15


def next_deploys(context, env, run, apps, wait_timeout=DEFAULT_WAIT_TIMEOUT, sleep=time.sleep):
    """{"ready": the pending APPS nearly ready to deploy, "rest": the others}, once at least
    one is ready. When WAIT_TIMEOUT passes first, every pending app is ready: its deploy
    records why it could not come up."""
    pending = list(apps or [])
    if not pending:
        return {"ready": [], "rest": []}
    plan = context.existing_environment(env)["plan"]
    watch = _ReadinessWatch(context.state(env), plan, run, pending)
    ready = wait_for(watch.poll, time.monotonic() + wait_timeout, watch.pace, sleep) or pending
    return {"ready": ready, "rest": [code for code in pending if code not in ready]}


class _ReadinessWatch(object):
    """Polls the run's records for the pending apps; paced by whether they changed."""

    def __init__(self, state, plan, run, pending):
        self.state = state
        self.plan = plan
        self.run = run
        self.pending = pending
        self.backoff = Backoff(POLL_FIRST_INTERVAL, POLL_LONGEST_INTERVAL)
        self.records = None
        self.changed = False

    def poll(self):
        """The pending apps nearly ready now, or None."""
        records = self.state.run_records()
        self.changed, self.records = records != self.records, records
        return [
            code for code in self.pending if nearly_ready(self.plan[code], records, self.run)
        ] or None

    def pace(self):
        return self.backoff.after(self.changed)


def nearly_ready(entry, records, run):
    """Whether the planned app ENTRY can be handed to its deploy now, given RECORDS
    (services, builds, apps) of RUN: its deploy would then wait only for dependencies being
    checked, or record at once why it cannot come up."""
    services, builds, apps = records
    build = of_run(builds.get(entry["code"]), run, BUILD_OUTCOMES)
    if build is None:
        return False
    if build["status"] == "failed":
        return True
    if of_run(services, run, SERVICES_OUTCOMES) is None:
        return False
    return all(
        of_run(apps.get(dependency), run, FINAL_APP_STATUSES)
        or being_checked(apps.get(dependency), run)
        for dependency in entry["depends_on"]
    )
