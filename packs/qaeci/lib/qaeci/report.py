"""The output shape of env_up, env_status and env_rebuild_failed (DESIGN.md section 6), built
from the recorded state. Pure functions: no datastore, no back end."""

from qaeci.plan import public_url

INTERRUPTED = {
    "status": "failed",
    "stage": "deploy",
    "reason": "no outcome recorded for this run (interrupted?)",
}


def envelope(environment, apps, services):
    return {
        "env": environment["env"],
        "template": environment.get("template"),
        "deploy_type": environment.get("deploy_type"),
        "creator": environment.get("creator"),
        "apps": apps,
        "services": services,
    }


def app_output(environment, code, record, domain, router_port):
    """One app: healthy {status, commit, url, built, deployed}; failed adds stage, reason and
    log_tail; skipped is {status, reason}. `url` is the address a person opens (see
    app_public_url)."""
    status = record.get("status", "unknown")
    if status == "skipped":
        return {"status": status, "reason": record.get("reason", "")}
    planned = (environment.get("plan") or {}).get(code) or {}
    entry = {
        "status": status,
        "commit": record.get("commit") or planned.get("commit"),
        "url": app_public_url(environment, code, domain, router_port),
        "built": bool(record.get("built")),
        "deployed": bool(record.get("deployed")),
    }
    if status != "healthy":
        entry.update(
            {
                "stage": record.get("stage"),
                "reason": record.get("reason", ""),
                "log_tail": record.get("log_tail", ""),
            }
        )
    return entry


def app_public_url(environment, code, domain, router_port):
    """The address a person opens: the one the back end gave the app when the run was planned
    (the local router's http://APP.ENV.DOMAIN:ROUTER_PORT/, a cluster's load balancer), else,
    for an environment planned before addresses carried it, the local router's."""
    address = (environment.get("addresses") or {}).get(code) or {}
    return address.get("public_url") or public_url(code, environment["env"], domain, router_port)


def services_output(environment, record):
    """Each base service of the template: healthy with host and port, or failed with why."""
    output = {}
    healthy = record.get("status") == "healthy"
    for name in environment.get("service_names") or []:
        info = (record.get("services") or {}).get(name)
        if healthy and info:
            output[name] = {"status": "healthy", "host": info.get("host"), "port": info.get("port")}
        else:
            output[name] = {"status": "failed", "reason": record.get("reason") or "not started"}
    return output


def run_report(environment, records, run, services_record, domain, router_port):
    """(healthy, output) of RUN: every selected app by its record of that run."""
    apps = {}
    for code in environment.get("selected") or []:
        record = records.get(code) or {}
        if record.get("run") != run:
            record = INTERRUPTED
        apps[code] = app_output(environment, code, record, domain, router_port)
    output = envelope(environment, apps, services_output(environment, services_record or {}))
    healthy = bool(apps) and all(entry["status"] == "healthy" for entry in apps.values())
    return healthy, output
