"""Engine overhead stays small: a long sequential workflow and a large with-items task.

Measured in CPU time of this process (the executor is instant, so that is the engine's own work),
so that other programs loading this shared machine do not make the figures lie."""
import time

from st2lite.orquesta import run_workflow


def _instant(task, item, action, parameters):
    return "succeeded", {"stdout": "", "stderr": "", "return_code": 0, "succeeded": True,
                         "failed": False}


def test_200_sequential_tasks_cost_at_most_5_ms_each():
    count = 200
    tasks = "".join(
        "  t%d:\n    action: core.noop v=<%% ctx().n %%>\n    next:\n      - when: <%% succeeded() %%>\n"
        "        publish: n=<%% ctx().n + 1 %%>\n        do: t%d\n" % (i, i + 1) for i in range(count - 1))
    tasks += "  t%d:\n    action: core.noop\n" % (count - 1)
    wf = "version: 1.0\nvars:\n  - n: 0\ntasks:\n" + tasks + "output:\n  - n: <% ctx().n %>\n"
    started = time.process_time()
    outcome = run_workflow(wf, {}, _instant)
    elapsed = time.process_time() - started
    assert outcome.output == {"n": count - 1}
    assert elapsed / count <= 0.005, "%.1f ms per task" % (elapsed * 1000 / count)


def test_1000_items_at_concurrency_50_within_5_seconds():
    wf = """
version: 1.0
input:
  - xs
tasks:
  each:
    with:
      items: x in <% ctx().xs %>
      concurrency: 50
    action: core.echo message=<% item(x) %>
    next:
      - when: <% succeeded() %>
        publish: n=<% result().len() %>
output:
  - n: <% ctx().n %>
"""
    started = time.process_time()
    outcome = run_workflow(wf, {"xs": list(range(1000))}, _instant)
    assert outcome.output == {"n": 1000}
    assert time.process_time() - started <= 5.0
