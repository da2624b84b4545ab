"""env_up benchmark: a cold and a no-op `qaeci.env_up` of a synthetic 40-app tree, through st2lite
and the local back end (or, with `--backend marathon`, the Marathon back end against the Marathon
double), against the ideal schedules.

Prints one `name: value unit` line per figure and exits 1 when a figure misses its target (2 when
a run itself went wrong):

    env_up_cold: X s                  wall time of `st2lite run qaeci.env_up` with nothing built
    critical_path_lower_bound: X s    every build at once, each app started as soon as its own
                                      dependencies are healthy (bench/env_up_tree.critical_path)
    cold_vs_critical_path: X x        env_up_cold / critical_path_lower_bound (<= 1.15)
    wave_schedule: X s                all builds, then one dependency level after the other
    env_up_noop: X s                  the same env_up again: nothing to build or deploy (<= 2)
    datastore_reads_per_second: X /s  datastore reads st2lite served during the cold run (every
                                      get and list, counted by st2lite itself through
                                      $ST2LITE_DATASTORE_READ_LOG), per second of that run
    peak_waiting_deploys: N actions   the most deploy actions running at once while not yet
                                      launched (waiting for their artifact, the base services
                                      or their dependencies): each holds a process

The tree (bench/env_up_tree.make_tree: 40 apps, 5 levels, shell builds and python servers that
sleep their set times) and a fresh st2lite state dir with a qaeci config (free router port,
build_concurrency = number of apps, as the critical path assumes every build at once) live in a
temporary directory; the environment is taken down and the directory removed at the end.

`--backend marathon`: the config says `backend: marathon` with the `dev` cluster on a Marathon
double (tests/doubles/marathon.py) run by this process on loopback, and a file:// artifact store
its fetcher reads. The apps' servers do not run there: each app's tasks take its set start time
from launch to TASK_RUNNING (the double's simulated start time), then answer its checks. The
builds are the same real shell builds.
`--timeline` also prints, on stderr, where the cold run's time went: the workflow's steps and,
per app, build start and end (and its set build time), its deploy item's start and end (the
item waits for its artifact, its dependencies and the base services, then starts the app and
polls its check), when its dependencies were healthy, its set start time, and the overhead: deploy
end - (latest of build end, dependencies healthy, services ready) - set start time.
"""

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACK_LIB = os.path.join(REPO_ROOT, "packs", "qaeci", "lib")
sys.path.insert(0, os.path.join(REPO_ROOT, "bench"))

from env_up_tree import (  # noqa: E402  (after the bench folder is on the path)
    BenchTreeError,
    critical_path,
    ideal_healthy_times,
    make_tree,
    wave_schedule_time,
)

ST2LITE = os.path.join(os.path.dirname(sys.executable), "st2lite")
PACKS = os.path.join(REPO_ROOT, "packs")
ENV = "bench"
USER = "bench"
RUN_TIMEOUT_SECONDS = 900
TARGET_COLD_RATIO = 1.15
TARGET_NOOP_SECONDS = 2.0
READ_LOG_VARIABLE = "ST2LITE_DATASTORE_READ_LOG"
BACKENDS = ("local", "marathon")
MARATHON_CREDENTIALS = "bench:bench"
MARATHON_DOMAIN = "bench.example.com"


class BenchRunError(Exception):
    """A measured run did not do what it measures (e.g. an app failed): one line."""


def free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the site: tree, st2lite state, pack config -----------------------------------------------


def write_config(state, registry, build_concurrency, marathon=None):
    """The pack config: the local back end, or the Marathon back end with MARATHON (a
    MarathonDouble) as the dev cluster. Returns the work dir."""
    work = os.path.join(state, "qaeci")
    os.makedirs(os.path.join(state, "configs"))
    config = {
        "registry_path": registry,
        "backend": "local",
        "work_dir": work,
        "artifact_store": "file://" + os.path.join(work, "artifacts"),
        "domain": "localhost",
        "router_port": free_port(),
        "build_concurrency": build_concurrency,
    }
    if marathon is not None:
        config.update(
            backend="marathon",
            domain=MARATHON_DOMAIN,
            clusters={"dev": {"marathon_url": marathon.url, "marathon_auth": MARATHON_CREDENTIALS}},
        )
    with open(os.path.join(state, "configs", "qaeci.yaml"), "w") as handle:
        json.dump(config, handle)  # JSON is YAML
    return work


@contextlib.contextmanager
def cluster_for(backend, tree):
    """None for the local back end; for marathon, a Marathon double on loopback whose apps take
    their set start times, stopped at the end."""
    if backend != "marathon":
        yield None
        return
    for path in (REPO_ROOT, PACK_LIB):
        if path not in sys.path:
            sys.path.append(path)
    from qaeci.backends.marathon_ids import app_id

    from tests.doubles.marathon import MarathonDouble

    with MarathonDouble(credentials=MARATHON_CREDENTIALS) as marathon:
        for code in tree.apps:
            marathon.set_start_delay(app_id(ENV, code), tree.start_time(code))
        yield marathon


def st2lite(state, *args, **environ):
    """(exit code, parsed --json output, seconds) of one st2lite command; ENVIRON adds to its
    environment."""
    argv = [ST2LITE, "--packs", PACKS, "--state", state] + list(args) + ["--json"]
    started = time.monotonic()
    done = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        env=dict(os.environ, ST2LITE_USER=USER, **environ),
    )
    seconds = time.monotonic() - started
    try:
        return done.returncode, json.loads(done.stdout), seconds
    except ValueError as error:
        raise BenchRunError(
            "st2lite %s printed no JSON: %s"
            % (" ".join(args), (done.stderr or done.stdout).strip()[-300:])
        ) from error


def env_up(state, **environ):
    code, execution, seconds = st2lite(
        state, "run", "qaeci.env_up", "env=" + ENV, "template=" + ENV, **environ
    )
    if code != 0:
        raise BenchRunError(
            "env_up failed (execution %s): %s" % (execution.get("id"), failure_summary(execution))
        )
    execution["descendants"] = descendants(state, execution)
    return execution, seconds


def descendants(state, execution):
    """Every execution under EXECUTION (children, theirs, ...), from st2lite's history: the
    deploys of env_up run inside sub-workflows."""
    from st2lite.store.db import Database
    from st2lite.store.executions import ExecutionStore

    store = ExecutionStore(Database(state))
    found, parents = [], [execution["id"]]
    while parents:
        children = store.children(parents.pop())
        found += children
        parents += [child["id"] for child in children if child["runner"] == "orquesta"]
    return found


def failure_summary(execution):
    result = execution.get("result") or {}
    apps = (result.get("output") or {}).get("apps") or {}
    failed = [
        "%s: %s" % (code, app.get("reason"))
        for code, app in sorted(apps.items())
        if app.get("status") != "healthy"
    ]
    return "; ".join(failed[:5]) or json.dumps(result.get("errors"))[:300]


def tear_down(state, work_dir, backend="local"):
    """env_down, then (local back end) stop the work dir's supervisord and nginx if anything is
    left running."""
    try:
        st2lite(state, "run", "qaeci.env_down", "env=" + ENV)
    finally:
        if backend == "local":
            stop_local_back_end(work_dir)


def stop_local_back_end(work_dir):
    if PACK_LIB not in sys.path:
        sys.path.append(PACK_LIB)
    from qaeci.backends.local import LocalBackend

    backend = LocalBackend(work_dir)
    for env in backend.environments():
        backend.destroy(env)
    backend.shutdown()


# --- where the time went -----------------------------------------------------------------------


def moment(timestamp):
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


BUILD_ACTION = "qaeci.app_build"
DEPLOY_ACTION = "qaeci.app_deploy"
SERVICES_ACTION = "qaeci.env_services"


def spans(execution):
    """({step: (start, end)}, {app: build span}, {app: deploy span}, services ready at) in
    seconds from the start. Steps (the workflow's own tasks) are told apart by action, whatever
    the workflow names them."""
    origin = moment(execution["start_timestamp"])
    steps, builds, deploys, services_ok = {}, {}, {}, 0.0
    for child in execution["descendants"]:
        span = (moment(child["start_timestamp"]) - origin, moment(child["end_timestamp"]) - origin)
        app = (child.get("parameters") or {}).get("app")
        if child["action"] == BUILD_ACTION:
            builds[app] = span
        elif child["action"] == DEPLOY_ACTION:
            deploys[app] = span
        elif child["parent"] == execution["id"]:
            steps[child["task"]] = span
            if child["action"] == SERVICES_ACTION:
                services_ok = span[1]
    return steps, builds, deploys, services_ok


def waiting_spans(execution):
    """(start, end) of every deploy action while it had not launched its app yet (waiting for
    its artifact, the base services or its dependencies, or preparing), in epoch seconds."""
    found = []
    for child in execution["descendants"]:
        if child["action"] != DEPLOY_ACTION:
            continue
        record = ((child.get("result") or {}).get("result")) or {}
        launched = (record.get("timings") or {}).get("dependencies_healthy")
        found.append((moment(child["start_timestamp"]), launched or moment(child["end_timestamp"])))
    return found


def peak_overlap(intervals):
    """The most intervals open at one moment."""
    events = sorted(
        [(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals],
        key=lambda event: (event[0], event[1]),
    )
    peak = open_now = 0
    for _, step in events:
        open_now += step
        peak = max(peak, open_now)
    return peak


def datastore_reads(log_path):
    """[(epoch seconds, "get"|"list", key)] that st2lite logged, or [] without a log."""
    try:
        with open(log_path) as handle:
            rows = [line.split(" ", 2) for line in handle if line.strip()]
    except OSError:
        return []
    return [(float(at), kind, key.rstrip("\n")) for at, kind, key in rows]


def reads_summary(reads, execution):
    """Lines on the cold run's datastore reads: by kind and the busiest second."""
    if not reads:
        return ["  datastore reads: none logged"]
    per_second = {}
    for at, _kind, _key in reads:
        per_second[int(at)] = per_second.get(int(at), 0) + 1
    kinds = {}
    for _at, kind, _key in reads:
        kinds[kind] = kinds.get(kind, 0) + 1
    deploy_intervals = [
        (start, moment(child["end_timestamp"]))
        for child in execution["descendants"]
        if child["action"] == DEPLOY_ACTION
        for start in [moment(child["start_timestamp"])]
    ]
    rounds = sum(1 for child in execution["descendants"] if child["runner"] == "orquesta")
    return [
        "  datastore reads: %d (%s), %d in the busiest second; deploy actions running at "
        "once: %d at most; sub-workflows: %d"
        % (
            len(reads),
            ", ".join("%s %d" % item for item in sorted(kinds.items())),
            max(per_second.values()),
            peak_overlap(deploy_intervals),
            rounds,
        )
    ]


def app_timings(tree, builds, deploys, services_ok):
    """Per app: (code, level, build span, set build, deploy span, deps healthy, set start,
    overhead), ordered by when each became healthy."""
    rows = []
    for code in sorted(tree.apps, key=lambda c: deploys.get(c, (0, 0))[1]):
        build = builds.get(code, (0.0, 0.0))
        deploy = deploys.get(code, (float("nan"), float("nan")))
        deps_ok = max(
            (deploys.get(dep, (0, 0))[1] for dep in tree.apps[code].depends_on), default=0.0
        )
        # Ideally healthy once built, its dependencies and the base services are, plus its start.
        overhead = deploy[1] - max(build[1], deps_ok, services_ok) - tree.start_time(code)
        rows.append(
            (
                code,
                tree.apps[code].level,
                build,
                tree.build_time(code),
                deploy,
                deps_ok,
                tree.start_time(code),
                overhead,
            )
        )
    return rows


def timeline(execution, tree, reads):
    """Lines describing the cold run: workflow steps, a summary, then each app."""
    steps, builds, deploys, services_ok = spans(execution)
    rows = app_timings(tree, builds, deploys, services_ok)
    marks = deploy_marks(execution)
    lines = [
        "workflow %s: %.2f s"
        % (
            execution["id"],
            moment(execution["end_timestamp"]) - moment(execution["start_timestamp"]),
        )
    ]
    lines += [
        "  step %-16s %6.2f -> %6.2f s" % (name, start, end)
        for name, (start, end) in sorted(steps.items(), key=lambda item: item[1])
    ]
    lines += reads_summary(reads, execution)
    lines += summary(rows)
    lines += critical_chain(tree, builds, deploys, marks)
    lines.append(
        "  %-14s %5s %13s %8s %13s %8s %8s %8s"
        % ("app", "level", "build", "(set)", "deploy", "deps_ok", "(start)", "overhead")
    )
    lines += [
        "  %-14s %5d %6.2f-%6.2f %8.2f %6.2f-%6.2f %8.2f %8.2f %8.2f"
        % (
            code,
            level,
            build[0],
            build[1],
            set_build,
            deploy[0],
            deploy[1],
            deps_ok,
            set_start,
            overhead,
        )
        for code, level, build, set_build, deploy, deps_ok, set_start, overhead in rows
    ]
    return lines


def deploy_marks(execution):
    """{app: {mark: seconds from the start}} from the timings each deploy records."""
    origin = moment(execution["start_timestamp"])
    marks = {}
    for child in execution["descendants"]:
        if child["action"] == DEPLOY_ACTION:
            record = ((child.get("result") or {}).get("result")) or {}
            marks[(child.get("parameters") or {}).get("app")] = {
                name: at - origin for name, at in (record.get("timings") or {}).items()
            }
    return marks


def critical_chain(tree, builds, deploys, marks):
    """The chain of apps that sets the critical path, each with its ideal and actual healthy
    time: the growth of the lag from one app to the next is what that step added."""
    ideal = ideal_healthy_times(tree)
    chain = [max(ideal, key=ideal.get)]
    while True:
        app = tree.apps[chain[-1]]
        ready = max((ideal[dep] for dep in app.depends_on), default=0.0)
        if ready <= tree.build_time(app.code):
            break  # its own build, not a dependency, decided when it could start
        chain.append(max(app.depends_on, key=ideal.get))
    lines = [
        "  critical chain (ideal healthy -> actual healthy, lag; then when its deploy had "
        "it prepared, its dependencies healthy, launched, healthy, with the set start):"
    ]
    for code in reversed(chain):
        actual = deploys.get(code, (float("nan"),) * 2)[1]
        lines.append(
            "    %-14s build set %5.2f, ended %5.2f   healthy %6.2f -> %6.2f   lag %5.2f"
            % (
                code,
                tree.build_time(code),
                builds.get(code, (0.0, 0.0))[1],
                ideal[code],
                actual,
                actual - ideal[code],
            )
        )
        mark = marks.get(code, {})
        lines.append(
            "      prepared %6.2f  deps %6.2f  launched %6.2f  healthy %6.2f  (start %.2f)"
            % tuple(
                [
                    mark.get(name, float("nan"))
                    for name in ("prepared", "dependencies_healthy", "launched", "healthy")
                ]
                + [tree.start_time(code)]
            )
        )
    return lines


def summary(rows):
    mean = lambda values: sum(values) / len(values) if values else float("nan")  # noqa: E731
    took = [build[1] - build[0] for _c, _l, build, _sb, _d, _do, _ss, _o in rows]
    lines = [
        "  builds: set %.2f s on average, took %.2f s (last ended at %.2f s)"
        % (mean([row[3] for row in rows]), mean(took), max(row[2][1] for row in rows))
    ]
    for level in sorted({row[1] for row in rows}):
        overheads = [row[7] for row in rows if row[1] == level]
        lines.append(
            "  level %d: deploy overhead %.2f s on average, %.2f s at most"
            % (level, mean(overheads), max(overheads))
        )
    return lines


# --- the figures -------------------------------------------------------------------------------


def figures(cold_seconds, noop_seconds, tree, reads, cold):
    bound = critical_path(tree)
    return [
        ("env_up_cold", cold_seconds, "s"),
        ("critical_path_lower_bound", bound, "s"),
        ("cold_vs_critical_path", cold_seconds / bound, "x"),
        ("wave_schedule", wave_schedule_time(tree), "s"),
        ("env_up_noop", noop_seconds, "s"),
        ("datastore_reads_per_second", len(reads) / cold_seconds, "/s"),
        ("peak_waiting_deploys", peak_overlap(waiting_spans(cold)), "actions"),
    ]


def missed_targets(values):
    missed = []
    if values["cold_vs_critical_path"] > TARGET_COLD_RATIO:
        missed.append(
            "cold_vs_critical_path %.2f > %.2f"
            % (values["cold_vs_critical_path"], TARGET_COLD_RATIO)
        )
    if values["env_up_noop"] > TARGET_NOOP_SECONDS:
        missed.append("env_up_noop %.2f s > %.1f s" % (values["env_up_noop"], TARGET_NOOP_SECONDS))
    return missed


def check_noop(execution):
    apps = execution["result"]["output"]["apps"]
    changed = sorted(code for code, app in apps.items() if app.get("built") or app.get("deployed"))
    if changed:
        raise BenchRunError(
            "the second env_up was not a no-op: it built or deployed %s" % ", ".join(changed)
        )


def measure(args, root):
    tree = make_tree(
        os.path.join(root, "tree"),
        apps=args.apps,
        levels=args.levels,
        build_seconds=args.build_seconds,
        start_seconds=args.start_seconds,
    )
    state = os.path.join(root, "st")
    read_log = os.path.join(root, "datastore-reads.log")
    with cluster_for(args.backend, tree) as marathon:
        work_dir = write_config(
            state, str(tree.registry_path), args.build_concurrency or args.apps, marathon
        )
        try:
            cold, cold_seconds = env_up(state, **{READ_LOG_VARIABLE: read_log})
            noop, noop_seconds = env_up(state)
            check_noop(noop)
        finally:
            tear_down(state, work_dir, args.backend)
    reads = datastore_reads(read_log)
    if not reads:
        raise BenchRunError(
            "st2lite logged no datastore read to %s: does it honour $%s?"
            % (read_log, READ_LOG_VARIABLE)
        )
    if args.timeline:
        sys.stderr.write("\n".join(timeline(cold, tree, reads)) + "\n")
    return figures(cold_seconds, noop_seconds, tree, reads, cold)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=40)
    parser.add_argument("--levels", type=int, default=5)
    parser.add_argument(
        "--build-seconds", type=float, default=3.0, help="mean build time of an app (default 3)"
    )
    parser.add_argument(
        "--start-seconds", type=float, default=3.0, help="mean start-up time of an app (default 3)"
    )
    parser.add_argument(
        "--build-concurrency",
        type=int,
        default=0,
        help="the pack config's build_concurrency (default: the number of apps)",
    )
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default="local",
        help="local (supervisord + nginx) or marathon (the Marathon double)",
    )
    parser.add_argument(
        "--timeline", action="store_true", help="print where the cold run's time went on stderr"
    )
    args = parser.parse_args(argv)
    # Short path: supervisord's unix socket under it must stay under ~100 characters.
    root = tempfile.mkdtemp(prefix="qbench-", dir="/tmp")
    sys.stderr.write(
        "env_up bench (%s back end): working in %s (removed at the end)\n" % (args.backend, root)
    )
    try:
        results = measure(args, root)
    except (BenchRunError, BenchTreeError) as error:
        sys.stderr.write("env_up bench: %s\n" % error)
        return 2
    finally:
        shutil.rmtree(root, ignore_errors=True)
    for name, value, unit in results:
        print(("%s: %d %s" if isinstance(value, int) else "%s: %.2f %s") % (name, value, unit))
    missed = missed_targets({name: value for name, value, _unit in results})
    if missed:
        sys.stderr.write("env_up bench: target missed: %s\n" % "; ".join(missed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
