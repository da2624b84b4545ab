"""The state database under many threads, as `st2lite serve` uses it: every write of every thread
is kept, a failed transaction lets the next writer in, and a thread that ended leaves its
connection to the next thread instead of each thread opening one."""

import threading

from st2lite.store.db import Database

THREADS = 12
WRITES_PER_THREAD = 40
JOIN_SECONDS = 60


def _run_threads(target, count):
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a writer is stuck"


def test_concurrent_writers_keep_every_write(tmp_path):
    db = Database(str(tmp_path))
    seen, errors = [], []

    def write():
        try:
            for _ in range(WRITES_PER_THREAD):
                with db.transaction() as conn:
                    seen.append(db.next_seq(conn, "bench"))
        except Exception as error:
            errors.append(error)

    _run_threads(write, THREADS)
    assert errors == []
    assert sorted(seen) == list(range(1, THREADS * WRITES_PER_THREAD + 1))


def test_a_failed_transaction_is_rolled_back_and_lets_the_next_writer_in(tmp_path):
    db = Database(str(tmp_path))
    try:
        with db.transaction() as conn:
            db.next_seq(conn, "n")
            raise ValueError("the writer failed")
    except ValueError:
        pass
    values = []

    def other_thread_writes():
        with db.transaction() as conn:
            values.append(db.next_seq(conn, "n"))

    _run_threads(other_thread_writes, 1)
    assert values == [1]  # the failed increment was not kept


def test_a_nested_transaction_is_part_of_the_outer_one(tmp_path):
    db = Database(str(tmp_path))
    try:
        with db.transaction() as conn:
            db.next_seq(conn, "n")
            with db.transaction() as inner:
                db.next_seq(inner, "n")
            raise ValueError("the outer writer failed")
    except ValueError:
        pass
    with db.transaction() as conn:
        assert db.next_seq(conn, "n") == 1


def test_a_thread_that_ended_leaves_its_connection_to_the_next(tmp_path):
    db = Database(str(tmp_path))
    used = []

    def use():
        used.append(db.connection())
        db.query("SELECT 1")

    for _ in range(5):
        _run_threads(use, 1)
    assert len(set(id(conn) for conn in used)) == 1
    assert used[0].execute("SELECT 1").fetchone()[0] == 1  # handed over open
