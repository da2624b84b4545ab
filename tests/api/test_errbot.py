"""A real chat bot on `st2lite serve`: Errbot with the err-stackstorm plugin (from PyPI, in
its own virtualenv: `make errbot`) in Errbot's test back end. A chat user types `!st2 ...` and
sees the ack, then the result; a refused command gets its refusal; the bot keeps working across
an `st2lite serve` restart and gets the result of a command that finished meanwhile."""

import json
import os
import queue
import socket
import subprocess
import tempfile
import threading

import pytest
from api_testkit import HERE, PASSWORD, REPO, SCRATCH, USER, Http, Serve, start_server

CHAT_PACKS = os.path.join(HERE, "chat_packs")
ERRBOT_PYTHON = os.environ.get("ERRBOT_PYTHON") or os.path.join(
    REPO, ".venv-errbot", "bin", "python"
)
DRIVER = os.path.join(HERE, "errbot_driver.py")
WAIT_SECONDS = 60


class Chat(object):
    """The bot's process; `type(user, text)` and `said()` as a chat room shows them."""

    def __init__(self, urls, wait_seconds=WAIT_SECONDS):
        self.wait_seconds = wait_seconds
        if not os.path.exists(ERRBOT_PYTHON):
            raise AssertionError(
                "Errbot is missing at %s: run `make errbot` (or set "
                "ERRBOT_PYTHON to a python with errbot and err-stackstorm)" % ERRBOT_PYTHON
            )
        server = dict(urls, user=USER, password=PASSWORD)
        self.log = tempfile.mkstemp(prefix="errbot-", suffix=".log", dir=SCRATCH)[1]
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                [ERRBOT_PYTHON, DRIVER, json.dumps(server)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                cwd=SCRATCH,
                env=dict(os.environ, HOME=SCRATCH),
            )
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        assert self._next() == {"ready": True}

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(json.loads(line))
        self.lines.put(None)

    def _next(self):
        try:
            line = self.lines.get(timeout=self.wait_seconds)
        except queue.Empty as error:
            raise AssertionError(
                "the bot said nothing in %d s (its log: %s)" % (self.wait_seconds, self.log)
            ) from error
        assert line is not None, "the bot's process ended (its log: %s)" % self.log
        return line

    def type(self, user, text):
        self.process.stdin.write(json.dumps({"as": user, "say": text}) + "\n")
        self.process.stdin.flush()

    def said(self):
        return self._next()["said"]

    def close(self):
        try:
            self.process.stdin.write(json.dumps({"quit": True}) + "\n")
            self.process.stdin.flush()
            self.process.wait(30)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def chat():
    server = start_server(packs=CHAT_PACKS)  # separate ports, as StackStorm's defaults
    bot = Chat(server.urls)
    yield bot
    bot.close()
    server.stop()


def test_a_chat_user_gets_the_ack_then_the_result(chat):
    chat.type("dora", "!st2 env status demo")
    assert [chat.said(), chat.said()] == ["checking demo", "env demo: running ✓"]


def test_a_command_refused_by_the_action_answers_with_the_refusal(chat):
    chat.type("dora", "!st2 env down prod")
    assert [chat.said(), chat.said()] == [
        "taking prod down",
        "refused: dora is not a manager of prod",
    ]
    chat.type("boss", "!st2 env down qa1")
    assert [chat.said(), chat.said()] == ["taking qa1 down", "env qa1 is down"]


def test_commands_the_api_refuses_get_the_reason(chat):
    chat.type("dora", "!st2 env explode demo")
    assert "'env explode demo' not found" in chat.said()
    chat.type("dora", "!st2 env scale demo to lots")
    assert "count" in chat.said()


def test_the_bot_keeps_working_across_a_restart_and_loses_no_result():
    port = free_port()
    first = start_server(packs=CHAT_PACKS, options=["--bind", "127.0.0.1:%d" % port])
    bot = Chat(first.urls)
    try:
        bot.type("dora", "!st2 env status before")
        assert [bot.said(), bot.said()] == ["checking before", "env before: running ✓"]
        assert first.stop()[0] == 0
        again = Serve(first.state, "--bind", "127.0.0.1:%d" % port, packs=CHAT_PACKS)
        try:
            # Another chat client's command, run at once: err-stackstorm reconnects 3 s after
            # its stream drops (then every 10 s), so the result is most likely out before the
            # bot is back (test_chat_results covers a bot that is away deterministically).
            http = Http(again.urls)
            token = http.login()[2]["token"]
            status, _, started = Http(again.urls, token=token).api(
                "POST",
                "/aliasexecution/match_and_execute",
                {
                    "command": "env status meanwhile",
                    "user": "dora",
                    "notification_route": "errbot",
                    "source_channel": "dora",
                },
            )
            assert status == 201, started
            assert bot.said() == "env meanwhile: running ✓"
            bot.type("dora", "!st2 env status after")
            assert [bot.said(), bot.said()] == ["checking after", "env after: running ✓"]
        finally:
            again.stop()
    finally:
        bot.close()
