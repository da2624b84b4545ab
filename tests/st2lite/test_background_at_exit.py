"""A command ends only once the work it started in the background has ended: an action a rule
starts on another action's end (core.st2.generic.actiontrigger) runs to its end, though the fork
servers are stopped as the command exits. Here `trigger fire` waits for later.slow (1 s) while
after.later (2 s), started when later.first ended, runs in its own pack's fork server."""

import json
import os
import subprocess
import sys

ST2LITE = os.path.join(os.path.dirname(sys.executable), "st2lite")

PACK = {
    "pack.yaml": "ref: later\nname: later\ndescription: test\nversion: 0.0.1\n"
    "author: tests\nemail: tests@example.invalid\n",
    "triggers/event.yaml": "name: event\npack: later\ndescription: an event\n",
    "actions/first.yaml": "name: first\nrunner_type: python-script\nentry_point: first.py\n"
    "description: first\nparameters: {}\n",
    "actions/first.py": "from st2common.runners.base_action import Action\n\n\n"
    "class First(Action):\n    def run(self):\n        return 'first'\n",
    "actions/slow.yaml": "name: slow\nrunner_type: python-script\nentry_point: slow.py\n"
    "description: slow\nparameters: {}\n",
    "actions/slow.py": "import time\n\nfrom st2common.runners.base_action import Action\n\n\n"
    "class Slow(Action):\n    def run(self):\n        time.sleep(1)\n",
    "rules/on_event_slowly.yaml": "name: on_event_slowly\npack: later\nenabled: true\n"
    "trigger:\n  type: later.event\naction:\n  ref: later.slow\n",
    "rules/on_event.yaml": "name: on_event\npack: later\nenabled: true\ntrigger:\n"
    "  type: later.event\naction:\n  ref: later.first\n",
    "rules/after_first.yaml": "name: after_first\npack: later\nenabled: true\ntrigger:\n"
    "  type: core.st2.generic.actiontrigger\ncriteria:\n"
    "  trigger.action_ref: {type: equals, pattern: later.first}\n"
    "action:\n  ref: after.later\n  parameters:\n"
    '    path: "{{ st2kv.system.later_path }}"\n',
}

# In another pack: it runs in a fork server of its own, started as the rule runs it.
AFTER = {
    "pack.yaml": "ref: after\nname: after\ndescription: test\nversion: 0.0.1\n"
    "author: tests\nemail: tests@example.invalid\n",
    "actions/later.yaml": "name: later\nrunner_type: python-script\nentry_point: later.py\n"
    "description: later\nparameters:\n  path: {type: string, "
    "required: true}\n",
    "actions/later.py": "import time\n\nfrom st2common.runners.base_action import Action\n\n\n"
    "class Later(Action):\n    def run(self, path):\n"
    "        time.sleep(2)\n        open(path, 'w').write('done')\n",
}


def test_an_action_started_on_another_ones_end_finishes_before_the_command_exits(tmp_path):
    packs = tmp_path / "packs"
    for pack, files in (("later", PACK), ("after", AFTER)):
        for name, text in files.items():
            path = packs / pack / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    done = tmp_path / "done"
    argv = [ST2LITE, "--packs", str(packs), "--state", str(tmp_path / "state")]
    subprocess.run(argv + ["key", "set", "later_path", str(done)], check=True, timeout=60)
    fired = subprocess.run(
        argv + ["trigger", "fire", "later.event", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert fired.returncode == 0, fired.stderr
    assert [e["status"] for e in json.loads(fired.stdout)["enforcements"]] == ["succeeded"] * 2
    assert done.read_text() == "done"
