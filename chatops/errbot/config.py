"""Errbot's config.py for the qaeci pack on StackStorm 3.x (or `st2lite serve`): Errbot 6.2.1
with the err-stackstorm 2.3.2 plugin. Every secret and address comes from the environment
(see chatops/README.md); nothing secret is written here.

Run: errbot -c chatops/errbot/config.py
"""

import logging
import os
import sysconfig


def _required(name, how):
    value = os.environ.get(name, "")
    if not value:
        raise SystemExit("%s is not set: %s" % (name, how))
    return value


def _flag(name, default):
    return os.environ.get(name, default).strip().lower() not in ("0", "false", "no", "")


# --- Errbot ----------------------------------------------------------------------------
# SlackV3 (pip extra errbot[slack]), Mattermost (errbot[mattermost]), or the name of any other
# installed back end (Matrix: see chatops/README.md); Text is a console chat for a first try.
BACKEND = os.environ.get("ERRBOT_BACKEND", "Text")
BOT_DATA_DIR = os.environ.get("ERRBOT_DATA_DIR", "/var/lib/errbot")
BOT_LOG_FILE = os.environ.get("ERRBOT_LOG_FILE", "/var/log/errbot/errbot.log") or None
BOT_LOG_LEVEL = logging.INFO
# A folder of back ends that are not pip packages (errbot wants a list here, never None).
BOT_EXTRA_BACKEND_DIR = (
    [os.environ["ERRBOT_EXTRA_BACKEND_DIR"]] if os.environ.get("ERRBOT_EXTRA_BACKEND_DIR") else []
)
# `pip install err-stackstorm==2.3.2` puts the plugin in site-packages/err-stackstorm.
BOT_EXTRA_PLUGIN_DIR = os.environ.get("ERRBOT_PLUGIN_DIR") or os.path.join(
    sysconfig.get_paths()["purelib"], "err-stackstorm"
)
BOT_PREFIX = "!"
BOT_ADMINS = tuple(
    admin.strip() for admin in os.environ.get("ERRBOT_ADMINS", "").split(",") if admin.strip()
)

if BACKEND == "SlackV3":
    # Socket mode: the bot token (xoxb-) and an app-level token (xapp-, connections:write).
    BOT_IDENTITY = {
        "token": _required("SLACK_BOT_TOKEN", "the Slack app's Bot User OAuth Token (xoxb-...)"),
        "app_token": _required("SLACK_APP_TOKEN", "an app-level token (xapp-...)"),
    }
elif BACKEND == "Mattermost":
    BOT_IDENTITY = {
        "server": _required("MATTERMOST_SERVER", "the host name, without scheme or port"),
        "team": _required("MATTERMOST_TEAM", "the team the bot joins"),
        "token": _required("MATTERMOST_TOKEN", "the bot account's access token"),
        "scheme": os.environ.get("MATTERMOST_SCHEME", "https"),
        "port": int(os.environ.get("MATTERMOST_PORT", "443")),
    }
else:
    BOT_IDENTITY = {}

# --- err-stackstorm ---------------------------------------------------------------------
# One base URL for StackStorm behind its nginx (https://st2.example.com), or each URL on its
# own (`st2lite serve` prints its three).
ST2_URL = os.environ.get("ST2_URL", "https://localhost").rstrip("/")

STACKSTORM = {
    "api_url": os.environ.get("ST2_API_URL", ST2_URL + "/api/v1"),
    "auth_url": os.environ.get("ST2_AUTH_URL", ST2_URL + "/auth/v1"),
    "stream_url": os.environ.get("ST2_STREAM_URL", ST2_URL + "/stream/v1"),
    # The notify route of alias executions and the announcements the bot listens to
    # (st2.announcement__errbot): StackStorm's chatops pack posts results of route `errbot`.
    "route_key": os.environ.get("ST2_ROUTE_KEY", "errbot"),
    "plugin_prefix": "st2",
    "verify_cert": _flag("ST2_VERIFY_CERT", "true"),
    "secrets_store": "cleartext",
    "session_ttl": 3600,
    "user_token_ttl": 86400,
    "timer_update": 900,
    "api_auth": {
        "apikey": _required(
            "ST2_API_KEY",
            'create one with `st2 apikey create -k -m \'{"used_by": "errbot"}\'` '
            "(or `st2lite apikey create`) and export it",
        ),
    },
    # Every command runs as the bot's StackStorm account; the chat user is its api_user.
    "rbac_auth": {"standalone": {}},
}
