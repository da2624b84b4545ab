"""The SQLite database under the state directory: one file, WAL mode, safe for several processes.

Every process and thread gets its own connection; writes are short transactions, so a second
st2lite process on the same state directory waits on the busy timeout instead of failing.
Writers of one process queue on a lock of their own instead (see _Transaction), and a thread's
connection goes back to a small pool when the thread ends: `st2lite serve` runs each execution
in a new thread, which would otherwise open (and set up) a connection of its own every time.
"""

import contextlib
import fcntl
import os
import sqlite3
import threading
import weakref

SCHEMA = """
CREATE TABLE IF NOT EXISTS executions (
    id TEXT PRIMARY KEY,
    action TEXT NOT NULL,
    runner TEXT,
    status TEXT NOT NULL,
    parameters TEXT NOT NULL DEFAULT '{}',
    result TEXT,
    context TEXT NOT NULL DEFAULT '{}',
    parent_id TEXT,
    task TEXT,
    item INTEGER,
    start_timestamp TEXT,
    end_timestamp TEXT,
    pid INTEGER,
    seq INTEGER,
    runtime TEXT,
    notify TEXT
);
CREATE INDEX IF NOT EXISTS executions_parent ON executions(parent_id);
CREATE INDEX IF NOT EXISTS executions_action ON executions(action);
CREATE TABLE IF NOT EXISTS kv (
    scope TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    secret INTEGER NOT NULL DEFAULT 0,
    expire_at REAL,
    PRIMARY KEY (scope, name)
);
CREATE TABLE IF NOT EXISTS trigger_instances (
    id TEXT PRIMARY KEY,
    trigger TEXT NOT NULL,
    payload TEXT NOT NULL,
    occurrence_time TEXT NOT NULL,
    status TEXT NOT NULL,
    seq INTEGER
);
CREATE TABLE IF NOT EXISTS rule_enforcements (
    id TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    trigger_instance_id TEXT NOT NULL,
    execution_id TEXT,
    status TEXT NOT NULL,
    failure_reason TEXT,
    enforced_at TEXT NOT NULL,
    seq INTEGER
);
CREATE TABLE IF NOT EXISTS auth_tokens (
    token_hash TEXT PRIMARY KEY,
    id TEXT NOT NULL,
    user TEXT NOT NULL,
    expiry REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
    key_hash TEXT PRIMARY KEY,
    id TEXT NOT NULL,
    user TEXT NOT NULL,
    created_at TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS workflow_states (
    execution_id TEXT PRIMARY KEY,
    definition TEXT NOT NULL,
    parameters TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    saved_at TEXT NOT NULL
);
"""
# Columns added since the first release: {table: [(column, definition)]}, added where missing.
ADDED_COLUMNS = {"executions": [("runtime", "TEXT"), ("notify", "TEXT")]}
BUSY_TIMEOUT_SECONDS = 30
IDLE_CONNECTIONS = 8  # kept for the next threads; each holds its own page cache


class Database(object):
    """A handle on state_dir/st2lite.sqlite with one connection per thread."""

    def __init__(self, state_dir):
        os.makedirs(state_dir, exist_ok=True)
        self.path = os.path.join(state_dir, "st2lite.sqlite")
        self._start_process_state()
        with _setup_lock(self.path):
            self.connection().executescript(SCHEMA)
            self._add_missing_columns()

    def _start_process_state(self):
        """Connections and locks belong to one process: a forked child starts with none."""
        self._pid = os.getpid()
        self._local = threading.local()
        self._idle = []
        self.write_lock = threading.Lock()

    def connection(self):
        """This thread's connection: a pooled one if any is idle, else a new one."""
        if self._pid != os.getpid():
            self._start_process_state()
        lease = getattr(self._local, "lease", None)
        if lease is None:
            lease = self._local.lease = _Lease(self._take_idle() or self._open())
            # the thread-local lease dies with its thread: its connection is reused
            weakref.finalize(lease, _give_back, self._idle, lease.conn)
        return lease.conn

    def _take_idle(self):
        try:
            return self._idle.pop()
        except IndexError:
            return None

    def _open(self):
        conn = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_SECONDS,
            isolation_level=None,
            check_same_thread=False,
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=%d" % (BUSY_TIMEOUT_SECONDS * 1000))
        return conn

    def _add_missing_columns(self):
        """A state directory made by an older st2lite gets the columns added since."""
        for table, columns in ADDED_COLUMNS.items():
            present = self._columns(self.connection(), table)
            if all(name in present for name, _definition in columns):
                continue
            with self.transaction() as conn:  # another process may be adding them too
                present = self._columns(conn, table)
                for name, definition in columns:
                    if name not in present:
                        conn.execute("ALTER TABLE %s ADD COLUMN %s %s" % (table, name, definition))

    @staticmethod
    def _columns(conn, table):
        return set(row["name"] for row in conn.execute("PRAGMA table_info(%s)" % table))

    def transaction(self):
        """A write transaction; inside another one of this thread it joins that one."""
        return _Transaction(self.connection(), self.write_lock)

    def query(self, sql, args=()):
        return self.connection().execute(sql, args).fetchall()

    def next_seq(self, conn, name):
        """A monotonically increasing number shared by every process (ordering newest-first)."""
        conn.execute("INSERT OR IGNORE INTO counters(name, value) VALUES (?, 0)", (name,))
        conn.execute("UPDATE counters SET value = value + 1 WHERE name = ?", (name,))
        return conn.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()[0]


@contextlib.contextmanager
def _setup_lock(path):
    """One process at a time opens and sets up the database: two connections switching a new
    database to WAL together get `database is locked` at once, not after the busy timeout (two
    st2lite commands started together on a new state directory)."""
    with open(path + ".setup-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


class _Lease(object):
    """A thread's hold on a connection (weakly referenced to know when the thread has ended)."""

    def __init__(self, conn):
        self.conn = conn


def _give_back(idle, conn):
    if conn.in_transaction:  # never the case after a `with transaction()`; never reuse it
        conn.close()
    elif len(idle) < IDLE_CONNECTIONS:
        idle.append(conn)
    else:
        conn.close()


class _Transaction(object):
    """BEGIN IMMEDIATE ... COMMIT, rolled back on error: writers never interleave half-written rows.
    Nested in a transaction already open on the connection, it is part of that one, so that
    several stores' writes can be made atomic together (as a workflow pausing is).

    The outermost one first takes the process's write lock: SQLite makes a second writer poll
    with growing sleeps (up to 100 ms) while a Python lock hands over at once, and st2lite serve
    has many threads writing. Another process still waits on SQLite's busy timeout; after that
    long a writer goes on to BEGIN without the lock, failing exactly as it did without one."""

    def __init__(self, conn, write_lock):
        self.conn = conn
        self.write_lock = write_lock
        self.outermost = False
        self.locked = False

    def __enter__(self):
        if not self.conn.in_transaction:
            self.locked = self.write_lock.acquire(timeout=BUSY_TIMEOUT_SECONDS)
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except BaseException:
                self._unlock()
                raise
            self.outermost = True
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        if self.outermost:
            try:
                self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
            finally:
                self._unlock()
        return False

    def _unlock(self):
        if self.locked:
            self.locked = False
            self.write_lock.release()
