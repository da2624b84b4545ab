"""Errbot with the err-stackstorm plugin in Errbot's test back end, driven over stdin/stdout
(run with the interpreter of `make errbot`'s virtualenv; tests/api/test_errbot.py drives it).

Argument: a JSON object {"api", "auth", "stream", "user", "password"}. Input lines (JSON):
{"as": CHAT_USER, "say": TEXT} types TEXT as that chat user; {"quit": true} stops the bot.
Output lines (JSON): {"ready": true} once the bot has logged in to StackStorm, then {"said": TEXT} for every
message the bot posts, whoever it is for.
"""

import json
import logging
import os
import sys
import threading
import time
from queue import Empty

import errbot
from errbot.backends.test import TestBot

PLUGIN_DIR = os.path.join(os.path.dirname(os.path.dirname(errbot.__file__)), "err-stackstorm")


# The protocol keeps the real stdout to itself: the bot and its libraries print there too.
PROTOCOL = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)
sys.stdout = sys.stderr


def emit(record):
    PROTOCOL.write(json.dumps(record) + "\n")
    PROTOCOL.flush()


def relay(bot, stopping):
    while not stopping.is_set():
        try:
            emit({"said": bot.pop_message(timeout=0.2)})
        except Empty:
            continue


def wait_for_login(bot, seconds=60):
    """The plugin logs in to StackStorm in the background after the bot starts; a command
    typed before that fails. Its help answers with the aliases (`[pack]` first) once it has."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        bot.push_message("!st2help")
        try:
            if bot.pop_message(timeout=5).startswith("["):
                return
        except Empty:
            pass
        time.sleep(0.2)
    raise SystemExit("err-stackstorm did not log in within %d s: see its log above" % seconds)


def main():
    server = json.loads(sys.argv[1])
    config = {
        "BOT_PREFIX": "!",
        "BOT_ADMINS": ("@admin",),
        "STACKSTORM": {
            "api_url": server["api"],
            "auth_url": server["auth"],
            "stream_url": server["stream"],
            "route_key": "errbot",
            "plugin_prefix": "st2",
            "verify_cert": False,
            "api_auth": {"user": {"name": server["user"], "password": server["password"]}},
            "rbac_auth": {"standalone": {}},
        },
    }
    bot = TestBot(extra_plugin_dir=PLUGIN_DIR, loglevel=logging.INFO, extra_config=config)
    bot.start(timeout=5)
    wait_for_login(bot)
    stopping = threading.Event()
    threading.Thread(target=relay, args=(bot, stopping), daemon=True).start()
    emit({"ready": True})
    for line in sys.stdin:
        command = json.loads(line)
        if command.get("quit"):
            break
        bot.bot.sender = bot.bot.build_identifier(command["as"])
        bot.push_message(command["say"])
    stopping.set()
    os._exit(0)  # the plugin's stream thread blocks on its socket; nothing is left to save


if __name__ == "__main__":
    main()
