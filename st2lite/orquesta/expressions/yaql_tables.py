"""A disk cache for the YAQL parser's LR tables.

yaql builds its parser with a vendored PLY whose LALR table generation takes ~65 ms of pure
Python on every interpreter start (a quarter of a small workflow's `st2lite run`), and PLY's own
table files are gone from that version. The tables are a pure function of the grammar, so they
are kept in a JSON file named by a hash of yaql's version and the grammar. A missing, unreadable
or stale file only means the tables are computed (and written) again.

There is no public way to hand yaql tables: this swaps PLY's private LRTable class while yaql
builds its parser. It does so only on the yaql release it was written for (KNOWN_YAQL, pinned in
pyproject.toml); on any other, yaql builds its tables itself, as without this module.
"""

import contextlib
import hashlib
import json
import os
import tempfile

from st2lite.caching import cache_dir

KNOWN_YAQL = ("3.2.0",)


def known_yacc():
    """yaql's vendored PLY yacc module, if this yaql is one the cache was written for."""
    try:
        import yaql
        from yaql._ply import yacc
    except ImportError:
        return None
    if getattr(yaql, "__version__", None) not in KNOWN_YAQL:
        return None
    return yacc if isinstance(getattr(yacc, "LRTable", None), type) else None


def grammar_key(grammar):
    import yaql

    text = json.dumps(
        [
            yaql.__version__,
            [str(p) for p in grammar.Productions],
            sorted((k, list(v)) for k, v in grammar.Precedence.items()),
            grammar.Start,
        ],
        sort_keys=True,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _load(path):
    try:
        with open(path) as handle:
            data = json.load(handle)
        return (
            {int(s): acts for s, acts in data["action"].items()},
            {int(s): gotos for s, gotos in data["goto"].items()},
        )
    except (OSError, ValueError, KeyError, AttributeError):
        return None


def _save(path, action, goto):
    with contextlib.suppress(OSError):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".yaql-lr-")
        with os.fdopen(fd, "w") as handle:
            json.dump({"action": action, "goto": goto}, handle)
        os.replace(tmp, path)


def _cached_lr_table(yacc):
    class CachedLRTable(yacc.LRTable):
        """PLY's LRTable, read from the cache when the grammar is one already seen."""

        def __init__(self, grammar, log=None):
            path = os.path.join(cache_dir(), "yaql-lr-%s.json" % grammar_key(grammar))
            cached = _load(path)
            if cached is None:
                super().__init__(grammar, log)
                _save(path, self.lr_action, self.lr_goto)
                return
            self.grammar = grammar
            self.log = log or yacc.NullLogger()
            self.lr_action, self.lr_goto = cached
            self.lr_productions = grammar.Productions
            self.sr_conflicts, self.rr_conflicts = [], []

    return CachedLRTable


@contextlib.contextmanager
def cached_tables():
    """While active, yacc.yacc() builds parsers from cached tables (on a known yaql only)."""
    yacc = known_yacc()
    if yacc is None:
        yield
        return
    original = yacc.LRTable
    yacc.LRTable = _cached_lr_table(yacc)
    try:
        yield
    finally:
        yacc.LRTable = original
