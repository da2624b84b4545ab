"""The engine at scale: a long sequential workflow and a large with-items task still carry their
data through every task. How fast it does so is measured by bench/st2lite_engine.py
(orquesta_task_overhead, with_items_fanout_1000), not here."""

from engine_helpers import RecordingExecutor

from st2lite.orquesta import run_workflow


def test_a_200_task_chain_publishes_through_every_task():
    count = 200
    tasks = "".join(
        "  t%d:\n    action: core.noop v=<%% ctx().n %%>\n    next:\n      - when: <%% succeeded() %%>\n"
        "        publish: n=<%% ctx().n + 1 %%>\n        do: t%d\n" % (i, i + 1)
        for i in range(count - 1)
    )
    tasks += "  t%d:\n    action: core.noop\n" % (count - 1)
    wf = "version: 1.0\nvars:\n  - n: 0\ntasks:\n" + tasks + "output:\n  - n: <% ctx().n %>\n"
    executor = RecordingExecutor()
    outcome = run_workflow(wf, {}, executor)
    assert outcome.status == "succeeded" and outcome.output == {"n": count - 1}
    assert executor.tasks() == ["t%d" % i for i in range(count)]
    assert [call[3] for call in executor.calls[:3]] == [{"v": 0}, {"v": 1}, {"v": 2}]


def test_1000_items_at_concurrency_50_all_return_their_results():
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
    executor = RecordingExecutor()
    outcome = run_workflow(wf, {"xs": list(range(1000))}, executor)
    assert outcome.status == "succeeded" and outcome.output == {"n": 1000}
    assert sorted(call[1] for call in executor.calls) == list(range(1000))
    assert executor.peak <= 50
