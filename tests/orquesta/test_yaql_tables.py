"""The YAQL parser's LR tables come from a disk cache after the first start: same parses, and a
damaged cache file is simply rebuilt. On a yaql release the cache was not written for, yaql
builds its own tables: same parses, nothing cached or read."""

import json
import os
import subprocess
import sys

EXPRESSIONS = [
    "$.a + 1 > 2 and len($.b) = 0 or {a=>[1,2]}.a[0] in list(1)",
    "ctx().report.apps.values().where($.status != 'healthy').select($.code)",
    "not succeeded() and result().get('x', 3) * -2 >= 4 / 2",
]

PARSE = (
    "import json\n"
    "from st2lite.orquesta.expressions import yaql_engine as y\n"
    "print(json.dumps([str(y._parse(e)) for e in %r]))\n" % (EXPRESSIONS,)
)


UPGRADED = (
    "import collections.abc, yaql\nyaql.__version__ = '3.3.0'  # as if yaql had been upgraded\n"
)


def parse_in_fresh_interpreter(cache_dir, before=""):
    done = subprocess.run(
        [sys.executable, "-c", before + PARSE],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, ST2LITE_CACHE_DIR=str(cache_dir)),
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def cache_files(cache_dir):
    return sorted(p for p in os.listdir(cache_dir) if p.startswith("yaql-lr-"))


def test_the_second_start_reads_the_tables_and_parses_alike(tmp_path):
    first = parse_in_fresh_interpreter(tmp_path)
    files = cache_files(tmp_path)
    assert len(files) == 1
    written = os.path.getmtime(tmp_path / files[0])
    assert parse_in_fresh_interpreter(tmp_path) == first
    assert os.path.getmtime(tmp_path / files[0]) == written  # read, not rebuilt


def test_a_damaged_cache_file_is_rebuilt(tmp_path):
    expected = parse_in_fresh_interpreter(tmp_path)
    path = tmp_path / cache_files(tmp_path)[0]
    path.write_text('{"action": {"0": ')
    assert parse_in_fresh_interpreter(tmp_path) == expected
    assert json.loads(path.read_text())["action"]


def test_an_unwritable_cache_dir_still_parses(tmp_path):
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    assert parse_in_fresh_interpreter(blocked / "cache")[0].startswith("#operator_or")


def test_another_yaql_release_builds_its_own_tables_and_ignores_the_cache(tmp_path):
    expected = parse_in_fresh_interpreter(tmp_path)
    path = tmp_path / cache_files(tmp_path)[0]
    path.write_text('{"action": {}, "goto": {}}')  # tables that would parse nothing
    assert parse_in_fresh_interpreter(tmp_path, before=UPGRADED) == expected
    assert cache_files(tmp_path) == [path.name]
    assert json.loads(path.read_text()) == {"action": {}, "goto": {}}
    fresh = tmp_path / "fresh"
    assert parse_in_fresh_interpreter(fresh, before=UPGRADED) == expected
    assert not fresh.exists()  # nothing written for a release the cache does not know
