from st2common.runners.base_action import Action

# What a person could be tricked into clicking, and markup a page must not run.
HOSTILE_URL = "javascript:alert(document.cookie)"
HOSTILE_TEXT = '<img src=x onerror="window.injected=1">'


class EnvUp(Action):
    """qaeci's env report for ENV: web healthy with its URL and a logs link, api failed with
    the tail of its log and where the log is, docs with a URL no browser should follow."""

    def run(self, env_name):
        return {
            "output": {
                "env": env_name,
                "template": "demo",
                "apps": {
                    "web": {
                        "status": "healthy",
                        "url": "http://web.%s.localhost:8080/" % env_name,
                        "last_check": {"at": "2026-01-02T03:04:05Z", "ok": True},
                        "links": {"logs": "https://logs.example/?q=env:%s+app:web" % env_name},
                    },
                    "api": {
                        "status": "failed",
                        "url": "http://api.%s.localhost:8080/" % env_name,
                        "stage": "check",
                        "reason": "GET /health answered 502 " + HOSTILE_TEXT,
                        "log_path": "/var/lib/qaeci/logs/%s/api.log" % env_name,
                        "log_tail": "Traceback: boom\n" + HOSTILE_TEXT,
                    },
                    "docs": {"status": "healthy", "url": HOSTILE_URL},
                },
                "services": {"mysql": {"status": "healthy", "host": "127.0.0.1"}},
            }
        }
