"""The router's queue of route changes: a change is applied only while whoever asked for it is
alive to hear the outcome; what a killed requester leaves is removed, never applied."""

import os
import signal
import subprocess
import sys

LIB = os.path.join(os.path.dirname(__file__), "..", "..", "packs", "qaeci", "lib")


def _killed_after(queue_dir, steps):
    """Run STEPS (python, `queue` bound) in a process that then dies by SIGKILL."""
    script = (
        "import os, signal, sys\nfrom qaeci.router_queue import RouteQueue\n"
        "queue = RouteQueue(sys.argv[1])\n%s\nos.kill(os.getpid(), signal.SIGKILL)\n" % steps
    )
    result = subprocess.run(
        [sys.executable, "-c", script, queue_dir], timeout=30, env=dict(os.environ, PYTHONPATH=LIB)
    )
    assert result.returncode == -signal.SIGKILL


def test_a_live_requesters_change_is_served_and_its_outcome_read_once(tmp_path):
    from qaeci.router_queue import RouteQueue

    queue = RouteQueue(str(tmp_path))
    first = queue.submit({"op": "add", "env": "qa1", "apps": {"web": 20001}})
    second = queue.submit({"op": "remove", "env": "qa2", "apps": None})
    taken = queue.take_pending()
    assert [change["env"] for _stem, change in taken] == ["qa1", "qa2"]
    queue.mark_served(taken[0][0])
    queue.mark_served(taken[1][0], "nginx refused it")
    assert not first.is_pending() and first.failure() is None
    assert second.failure() == "nginx refused it"
    first.close()
    second.close()
    assert os.listdir(str(tmp_path)) == []


def test_changes_of_killed_requesters_are_removed_unapplied(tmp_path):
    from qaeci.router_queue import RouteQueue

    _killed_after(
        str(tmp_path),
        "ticket = queue.submit({'op': 'remove', 'env': 'x', 'apps': None})"
        "\nqueue.mark_served(queue.take_pending()[0][0], 'refused')",
    )
    _killed_after(str(tmp_path), "queue.submit({'op': 'add', 'env': 'gone', 'apps': {'web': 1}})")
    assert len(os.listdir(str(tmp_path))) == 3  # one change waiting, one outcome never read
    queue = RouteQueue(str(tmp_path))
    alive = queue.submit({"op": "add", "env": "qa1", "apps": {"web": 20001}})
    assert [change["env"] for _stem, change in queue.take_pending()] == ["qa1"]
    assert sorted(os.listdir(str(tmp_path))) == [os.path.basename(alive.stem) + ".json"]
    alive.close()
