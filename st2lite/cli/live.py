"""A live view of a running execution on a terminal: its tasks and items, state and elapsed time."""

import calendar
import sys
import threading
import time

STYLE = {
    "succeeded": "green",
    "failed": "red",
    "timeout": "red",
    "canceled": "yellow",
    "running": "cyan",
    "delayed": "yellow",
    "requested": "dim",
    "scheduled": "dim",
}
REFRESH_SECONDS = 0.25


def run_with_progress(runtime, execution_id, action, given, tty=True):
    """Run the execution in a thread; on a terminal redraw its task tree until it finishes,
    elsewhere print one plain line per task state change."""
    holder = {}
    worker = threading.Thread(
        target=lambda: holder.update(execution=runtime.run_requested(execution_id, action, given)),
        daemon=True,
    )
    worker.start()
    if tty:
        _redraw_tree(runtime, execution_id, worker)
    else:
        seen = set()
        while worker.is_alive():
            print_new_task_lines(runtime.executions.get(execution_id), seen)
            worker.join(REFRESH_SECONDS)
        print_new_task_lines(runtime.executions.get(execution_id), seen)
    return holder.get("execution") or runtime.executions.get(execution_id)


def _redraw_tree(runtime, execution_id, worker):
    from rich.console import Console
    from rich.live import Live

    with Live(console=Console(), refresh_per_second=4, transient=False) as live:
        while worker.is_alive():
            live.update(render_tree(runtime, execution_id))
            worker.join(REFRESH_SECONDS)
        live.update(render_tree(runtime, execution_id))


def print_new_task_lines(execution, seen):
    """One line per child whose (id, status) was not printed yet: time, task[item], status."""
    for child in execution.get("children") or []:
        key = (child["id"], child["status"])
        if key in seen:
            continue
        seen.add(key)
        label = child.get("task") or child["action"]
        if child.get("item") is not None:
            label += "[%d]" % child["item"]
        sys.stdout.write("%s  %-30s %s\n" % (child["start_timestamp"], label, child["status"]))
        sys.stdout.flush()


def render_tree(runtime, execution_id, depth=0):
    from rich.tree import Tree  # only a terminal's live view needs rich

    execution = runtime.executions.get(execution_id)
    tree = Tree(_label(execution, execution["action"]))
    _add_children(runtime, tree, execution, depth)
    return tree


def _add_children(runtime, tree, execution, depth):
    for child in execution.get("children") or []:
        name = child.get("task") or child["action"]
        if child.get("item") is not None:
            name += "[%d]" % child["item"]
        branch = tree.add(_label(child, "%s (%s)" % (name, child["action"])))
        if child.get("runner") == "orquesta" and depth < 5:
            _add_children(runtime, branch, runtime.executions.get(child["id"]), depth + 1)


def _label(execution, name):
    status = execution["status"]
    return "[%s]%s[/] %s %s" % (STYLE.get(status, "white"), status, name, _elapsed(execution))


def _elapsed(execution):
    start = _parse(execution.get("start_timestamp"))
    end = _parse(execution.get("end_timestamp")) or time.time()
    return "(%.1fs)" % (end - start) if start else ""


def _parse(stamp):
    """Seconds since the epoch of a stored UTC timestamp like 2026-11-23T12:00:00.123456Z."""
    if not stamp:
        return None
    return calendar.timegm(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")) + float(
        "0" + stamp[19:-1]
    )
