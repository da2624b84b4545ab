"""The production ChatOps set-up in chatops/ holds what the bots read: Errbot's config.py gives
err-stackstorm 2.3.2 every setting it reads (errst2lib/config.py of that release:
PluginConfiguration.setup), with the credential from the environment, and st2chatops.env is
shell `export` lines that set every variable hubot-stackstorm 0.13 and st2chatops' bin/hubot
need. Neither bot is needed to run this."""

import os
import runpy
import shlex
import subprocess

import pytest
from api_testkit import REPO

ERRBOT_CONFIG = os.path.join(REPO, "chatops", "errbot", "config.py")
ST2CHATOPS_ENV = os.path.join(REPO, "chatops", "hubot", "st2chatops.env")

# Every key err-stackstorm 2.3.2 reads from STACKSTORM (errst2lib/config.py).
ERR_STACKSTORM_KEYS = {
    "api_url",
    "auth_url",
    "stream_url",
    "route_key",
    "plugin_prefix",
    "verify_cert",
    "secrets_store",
    "session_ttl",
    "user_token_ttl",
    "timer_update",
    "api_auth",
    "rbac_auth",
    "oob_auth_url",
    "client_cert",
    "client_key",
    "ca_cert",
}
# The ones the bot cannot work without on a real StackStorm: where it is, who it is, where
# results come back, how chat users map to StackStorm accounts.
ERR_STACKSTORM_NEEDED = {"api_url", "auth_url", "stream_url", "api_auth", "route_key", "rbac_auth"}
RBAC_HANDLERS = {"standalone", "serverside", "clientside"}
CREDENTIAL_TYPES = {"apikey", "user", "token"}

# hubot-stackstorm (src/lib/stackstorm_api.js) and st2chatops' bin/hubot, which refuses to start
# without HUBOT_ADAPTER, HUBOT_NAME and HUBOT_ALIAS; the Slack adapter bundled with st2chatops.
HUBOT_NEEDED = {
    "ST2_API_URL",
    "ST2_AUTH_URL",
    "ST2_STREAM_URL",
    "ST2_API_KEY",
    "ST2_WEBUI_URL",
    "ST2_ROUTE",
    "HUBOT_ADAPTER",
    "HUBOT_NAME",
    "HUBOT_ALIAS",
    "HUBOT_SLACK_BOT_TOKEN",
    "HUBOT_SLACK_APP_TOKEN",
}


def load_errbot_config(monkeypatch, **env):
    for name in [n for n in os.environ if n.startswith(("ST2_", "ERRBOT_", "SLACK_", "MATTER"))]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(ERRBOT_CONFIG)


def test_the_errbot_config_gives_err_stackstorm_what_it_reads(monkeypatch):
    config = load_errbot_config(monkeypatch, ST2_URL="https://st2.example.com", ST2_API_KEY="k-1")
    stackstorm = config["STACKSTORM"]
    assert set(stackstorm) <= ERR_STACKSTORM_KEYS, "keys err-stackstorm never reads"
    assert ERR_STACKSTORM_NEEDED <= set(stackstorm)
    assert (stackstorm["api_url"], stackstorm["auth_url"], stackstorm["stream_url"]) == (
        "https://st2.example.com/api/v1",
        "https://st2.example.com/auth/v1",
        "https://st2.example.com/stream/v1",
    )
    assert stackstorm["api_auth"] == {"apikey": "k-1"}
    assert set(stackstorm["rbac_auth"]) <= RBAC_HANDLERS
    assert stackstorm["route_key"] == "errbot"  # the route StackStorm's notify-errbot rule takes
    assert stackstorm["verify_cert"] is True
    assert config["BOT_PREFIX"] == "!" and "BOT_ADMINS" in config
    assert config["BOT_EXTRA_PLUGIN_DIR"].endswith("err-stackstorm")
    assert config["BOT_EXTRA_BACKEND_DIR"] == []


def test_the_errbot_config_reads_each_url_and_back_end_from_the_environment(monkeypatch):
    config = load_errbot_config(
        monkeypatch,
        ST2_API_URL="http://127.0.0.1:9101/v1",
        ST2_AUTH_URL="http://127.0.0.1:9100/v1",
        ST2_STREAM_URL="http://127.0.0.1:9102/v1",
        ST2_API_KEY="k-2",
        ST2_VERIFY_CERT="false",
        ERRBOT_BACKEND="Mattermost",
        MATTERMOST_SERVER="chat.example.com",
        MATTERMOST_TEAM="qa",
        MATTERMOST_TOKEN="t-1",
    )
    stackstorm = config["STACKSTORM"]
    assert stackstorm["stream_url"] == "http://127.0.0.1:9102/v1"
    assert stackstorm["verify_cert"] is False
    assert config["BACKEND"] == "Mattermost"
    assert config["BOT_IDENTITY"]["token"] == "t-1"


def test_without_an_api_key_the_errbot_config_says_what_to_set(monkeypatch):
    with pytest.raises(SystemExit) as stopped:
        load_errbot_config(monkeypatch, ST2_URL="https://st2.example.com")
    assert str(stopped.value).startswith("ST2_API_KEY is not set: create one with")


def env_assignments():
    """NAME -> value text of each `export NAME=VALUE` line; anything else is a failure."""
    assignments = {}
    with open(ST2CHATOPS_ENV) as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            words = shlex.split(line, posix=True)
            assert words[0] == "export" and len(words) == 2 and "=" in words[1], (number, line)
            name, value = words[1].split("=", 1)
            assignments[name] = value
    return assignments


def test_st2chatops_env_sets_every_variable_hubot_stackstorm_needs():
    assignments = env_assignments()
    assert HUBOT_NEEDED <= set(assignments)
    assert assignments["ST2_ROUTE"] == "${ST2_ROUTE:-hubot}"
    for name in assignments:
        if any(word in name for word in ("KEY", "TOKEN", "PASSWORD")):
            assert assignments[name] == "${%s}" % name, "a secret with a default: " + name
    secrets = {"ST2_API_KEY": "k", "HUBOT_SLACK_BOT_TOKEN": "b", "HUBOT_SLACK_APP_TOKEN": "a"}
    unset_ok = {n: "" for n in assignments if "${%s}" % n == assignments[n]}
    sourced = subprocess.run(
        ["bash", "-c", 'set -eu; . "$1"; env', "bash", ST2CHATOPS_ENV],
        capture_output=True,
        text=True,
        env=dict(
            unset_ok,
            PATH=os.environ.get("PATH", "/usr/bin:/bin"),
            ST2_HOSTNAME="st2.example.com",
            **secrets,
        ),
        check=True,
    )
    values = dict(line.split("=", 1) for line in sourced.stdout.splitlines() if "=" in line)
    assert (values["ST2_API_URL"], values["ST2_AUTH_URL"], values["ST2_STREAM_URL"]) == (
        "https://st2.example.com/api",
        "https://st2.example.com/auth",
        "https://st2.example.com/stream",
    )
    assert (values["HUBOT_ADAPTER"], values["HUBOT_ALIAS"], values["ST2_API_KEY"]) == (
        "slack",
        "!",
        "k",
    )
