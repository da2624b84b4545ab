"""Several st2lite processes started together on a new state directory (two `st2lite run` at
once on first use): each one opens and sets up the database, none fails on a locked one."""

import multiprocessing

from st2lite.store.db import Database

ROUNDS = 10  # each a new state directory
PROCESSES = 4
WAIT_SECONDS = 120


def _open_and_write(state_dir, barrier, outcomes):
    barrier.wait(WAIT_SECONDS)  # all open the new database at the same moment
    try:
        db = Database(state_dir)
        with db.transaction() as conn:
            db.next_seq(conn, "opened")
        outcomes.put("ok")
    except Exception as error:  # reported to the test, which names it
        outcomes.put("%s: %s" % (type(error).__name__, error))


def test_processes_setting_up_a_new_database_together_all_succeed(tmp_path):
    spawn = multiprocessing.get_context("spawn")
    for round_number in range(ROUNDS):
        state_dir = str(tmp_path / ("state%d" % round_number))
        barrier, outcomes = spawn.Barrier(PROCESSES), spawn.Queue()
        processes = [
            spawn.Process(target=_open_and_write, args=(state_dir, barrier, outcomes))
            for _ in range(PROCESSES)
        ]
        for process in processes:
            process.start()
        results = [outcomes.get(timeout=WAIT_SECONDS) for _ in processes]
        for process in processes:
            process.join(WAIT_SECONDS)
        assert results == ["ok"] * PROCESSES, results
        db = Database(state_dir)
        assert db.query("SELECT value FROM counters WHERE name = 'opened'")[0][0] == PROCESSES
