"""What the fork server preloads for an action: the outside modules its code imports, including
those a package loads only when a name is first asked for, and never a name the pack itself
provides, even when the pack gained that module after an earlier preload."""

import json
import os
import subprocess
import sys
import textwrap

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PRELOAD = """
import json, sys
from st2lite.runners.python_preload import ActionImports
pack, steps = sys.argv[1], json.loads(sys.argv[2])
imports = ActionImports([pack])
seen = []
for entry_point, new_lib_module in steps:
    if new_lib_module:
        open(pack + "/lib/" + new_lib_module, "w").write("WHO = 'the pack'\\n")
    loaded = imports.preload_for(pack + "/actions/" + entry_point, [pack + "/lib"])
    seen.append({"loaded": loaded, "modules": sorted(m for m in sys.modules
                 if m in ("concurrent.futures.thread", "colorsys", "wave", "encodings.idna"))})
print(json.dumps(seen))
"""


def _pack(tmp_path, actions):
    pack = tmp_path / "pk"
    (pack / "lib").mkdir(parents=True)
    (pack / "actions").mkdir()
    for name, source in actions.items():
        (pack / "actions" / name).write_text(textwrap.dedent(source))
    return str(pack)


def _preload(pack, steps):
    done = subprocess.run(
        [sys.executable, "-c", PRELOAD, pack, json.dumps(steps)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
        env=dict(os.environ, PYTHONPATH=REPO_ROOT),
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_name_its_package_loads_on_first_use_is_preloaded(tmp_path):
    pack = _pack(tmp_path, {"pool.py": "from concurrent.futures import ThreadPoolExecutor\n"})
    [seen] = _preload(pack, [["pool.py", None]])
    assert "concurrent.futures.ThreadPoolExecutor" in seen["loaded"]
    assert seen["modules"] == ["concurrent.futures.thread"]


def test_a_module_the_pack_gained_since_the_last_preload_is_left_to_the_pack(tmp_path):
    pack = _pack(tmp_path, {"first.py": "import colorsys\n", "second.py": "import wave\n"})
    first, second = _preload(pack, [["first.py", None], ["second.py", "wave.py"]])
    assert first["loaded"] == ["colorsys"]
    # lib/ now has wave.py: the stdlib's wave would shadow it in the child, so it stays out
    assert second["loaded"] == [] and "wave" not in second["modules"]


def test_the_codec_a_host_name_lookup_loads_is_preloaded_with_the_network_modules(tmp_path):
    pack = _pack(tmp_path, {"fetch.py": "import urllib.request\n"})
    [seen] = _preload(pack, [["fetch.py", None]])
    assert "urllib.request" in seen["loaded"] and "encodings.idna" in seen["loaded"]
    assert "encodings.idna" in seen["modules"]
