"""The router of a cluster without marathon-lb: `APP.ENV.DOMAIN` sent by nginx to the app's
running Marathon tasks. The `router_sync` rule calls this whenever a task starts running or ends.

One include file per environment, `<router.dir>/<ENV>.conf`, rendered from Marathon's current
tasks of the environment's apps (an upstream of each app's running tasks' host:port, a server
for its virtual host), is written atomically and nginx reloaded only when the text changed. With
`router.check` set (e.g. `nginx -t`), a file nginx refuses is put back as it was and not loaded.
An environment with no app left has its file removed.

Pack config, per cluster:

    clusters:
      dev:
        marathon_url: http://marathon.dev.example:8080
        marathon_lb: false              # default true: marathon-lb routes (HAPROXY_0_VHOST)
        router:
          dir: /etc/nginx/qaeci.d/dev   # nginx.conf: include /etc/nginx/qaeci.d/dev/*.conf;
          reload: sudo nginx -s reload  # a command (no shell), run after each change
          check: sudo nginx -t          # optional, run before reloading
          listen: 80                    # what each server block listens on
"""

import os
import shlex
import subprocess

from qaeci.backends import marathon_ids
from qaeci.backends.local_files import write_atomically
from qaeci.backends.local_locks import file_lock
from qaeci.backends.marathon_client import MarathonClient
from qaeci.errors import ConfigError, QaeciError

COMMAND_TIMEOUT = 60
LOCAL_CLUSTER = "local"


class RouterSyncError(QaeciError):
    """The router config could not be written, checked or reloaded."""


def sync_routes(config, cluster, env, client=None):
    """Bring `<dir>/<env>.conf` in line with Marathon's running tasks of ENV.

    config: PackConfig. Returns {cluster, env, changed, reloaded, path, routes, message}, routes
    being {app code: ["host:port", ...]} as written."""
    result = {
        "cluster": cluster,
        "env": env,
        "changed": False,
        "reloaded": False,
        "path": None,
        "routes": {},
    }
    settings = _router_settings(config, cluster)
    if isinstance(settings, str):
        result["message"] = settings
        return result
    client = client or _client(config, cluster)
    routes = env_routes(client.apps_under(marathon_ids.env_group(env)), env, config.domain)
    path = os.path.join(settings["dir"], "%s.conf" % env)
    text = render(cluster, env, routes, settings["listen"]) if routes else None
    os.makedirs(settings["dir"], exist_ok=True)
    with file_lock(os.path.join(settings["dir"], ".%s.lock" % env)):
        changed = _replace(path, text, settings["check"], cluster)
        if changed:
            _run(settings["reload"], "reload", cluster)
    result.update(
        changed=changed,
        reloaded=changed,
        path=path,
        routes={code: servers for code, _, _, servers in routes},
    )
    result["message"] = "cluster %s: the routes of %s %s" % (
        cluster,
        env,
        "were rewritten and nginx reloaded" if changed else "are up to date",
    )
    return result


def env_routes(apps, env, domain):
    """[(app code, app id, virtual host, ["host:port" of each running task])] of ENV's apps
    (base services excluded), by app code."""
    routes = []
    for app in apps:
        parsed = marathon_ids.parse_app_id(app["id"])
        labels = app.get("labels") or {}
        if (
            not parsed
            or parsed[0] != env
            or marathon_ids.is_service_segment(parsed[1])
            or labels.get("qaeci.service")
        ):
            continue
        segment = app["id"].rstrip("/").rsplit("/", 1)[-1]
        vhost = labels.get("HAPROXY_0_VHOST") or "%s.%s.%s" % (segment, env, domain)
        servers = sorted(
            "%s:%d" % (task["host"], task["ports"][0])
            for task in app.get("tasks") or ()
            if task.get("state") == "TASK_RUNNING" and task.get("host") and task.get("ports")
        )
        routes.append((parsed[1], app["id"], vhost, servers))
    return sorted(routes)


def render(cluster, env, routes, listen):
    """The nginx include text for ENV's routes (env_routes)."""
    lines = [
        "# qaeci router: environment %s on cluster %s (no marathon-lb)." % (env, cluster),
        "# Written by qaeci.router_sync from Marathon's running tasks whenever one starts or",
        "# ends: do not edit.",
    ]
    for code, app_id, vhost, servers in routes:
        upstream = "qaeci_%s_%s_%s" % (cluster, env, code)
        lines += ["", "# %s" % app_id]
        if servers:
            lines += ["upstream %s {" % upstream]
            lines += ["    server %s;" % server for server in servers]
            lines += ["}"]
        lines += ["server {", "    listen %s;" % listen, "    server_name %s;" % vhost]
        if servers:
            lines += [
                "    location / {",
                "        proxy_pass http://%s;" % upstream,
                "        proxy_set_header Host $host;",
                "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
                "    }",
            ]
        else:
            lines += ["    return 503;  # no running task"]
        lines += ["}"]
    return "\n".join(lines) + "\n"


def _router_settings(config, cluster):
    """{dir, reload, check, listen} of CLUSTER's router, or the one line saying why qaeci has
    nothing to write there (marathon-lb routes, or the local back end's own router)."""
    if cluster == LOCAL_CLUSTER and cluster not in config.clusters:
        return (
            "the local back end routes APP.ENV.%s through its own nginx router: nothing "
            "to do" % config.domain
        )
    if cluster not in config.clusters:
        raise ConfigError(
            "cluster %s is not in the pack config; fix: add clusters.%s (with "
            "marathon_url) or correct the trigger's cluster" % (cluster, cluster)
        )
    settings = config.values["clusters"][cluster] or {}  # Cluster keeps no router keys
    if settings.get("marathon_lb", True):
        return (
            "cluster %s routes APP.ENV.%s through marathon-lb (the apps' HAPROXY_0_VHOST "
            "labels): nothing to do; set clusters.%s.marathon_lb: false to have qaeci "
            "write an nginx config instead" % (cluster, config.domain, cluster)
        )
    router = settings.get("router")
    if not isinstance(router, dict) or not router.get("dir") or not router.get("reload"):
        raise ConfigError(
            "clusters.%s.router needs dir and reload (marathon_lb is false); fix: "
            'set clusters.%s.router: {dir: /etc/nginx/qaeci.d/%s, reload: "sudo '
            'nginx -s reload"} and include DIR/*.conf in nginx.conf' % (cluster, cluster, cluster)
        )
    return {
        "dir": os.path.expanduser(router["dir"]),
        "reload": router["reload"],
        "check": router.get("check"),
        "listen": router.get("listen", 80),
    }


def _client(config, cluster):
    settings = config.clusters[cluster]
    return MarathonClient(
        cluster,
        settings.marathon_url,
        settings.marathon_auth,
        settings.marathon_ca_file,
        float(config.marathon.get("request_timeout", 10)),
    )


def _replace(path, text, check, cluster):
    """Put TEXT at PATH (None: remove it); True when that changed the file. A check command
    that fails puts the old file back and raises."""
    old = _read(path)
    if old == text:
        return False
    _put(path, text)
    if check:
        try:
            _run(check, "check", cluster)
        except RouterSyncError as error:
            _put(path, old)
            raise RouterSyncError("%s; the previous %s was kept" % (error, path)) from error
    return True


def _put(path, text):
    if text is None:
        if os.path.exists(path):
            os.unlink(path)
    else:
        write_atomically(path, text)
        os.chmod(path, 0o644)  # mkstemp made it private; nginx's workers may read it


def _read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def _run(command, what, cluster):
    argv = shlex.split(command) if isinstance(command, str) else [str(part) for part in command]
    try:
        done = subprocess.run(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            universal_newlines=True,
            timeout=COMMAND_TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise RouterSyncError(
            "router %s command %r could not run (%s); fix: check clusters.%s."
            "router.%s" % (what, command, error, cluster, what)
        ) from error
    if done.returncode != 0:
        output = " ".join(done.stdout.split())[-300:] or "no output"
        raise RouterSyncError(
            "router %s command %r failed with exit %d: %s"
            % (what, command, done.returncode, output)
        )
