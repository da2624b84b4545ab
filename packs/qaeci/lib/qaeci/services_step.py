"""env_up's base services step (action env_services): start the environment's MariaDB, Redis,
... for the run, record the outcome the deploys wait for, and have the back end ready every
app of the run to deploy while the builds run."""

from qaeci.errors import QaeciError
from qaeci.step_context import one_line, recorded_app


def start_services(context, env, run):
    """The services record of RUN: {run, status healthy|failed, services, reason}."""
    environment = context.existing_environment(env)
    state = context.state(env)
    wanted = environment.get("services_wanted") or {}
    try:
        services = (
            context.backend.ensure_services(env, wanted, deploy_type=environment.get("deploy_type"))
            if wanted
            else {}
        )
        record = {"run": run, "status": "healthy", "services": services}
    except Exception as error:  # any failure is reported per app that needs the service
        record = {"run": run, "status": "failed", "reason": one_line(error), "services": {}}
    state.save_services(record)
    _prepare_ahead(context, env, environment)
    return record


def _prepare_ahead(context, env, environment):
    """Everything the back end can ready before the builds end (each app's program config
    and route), for all of this run's deploys in one go, while they build: no app waits
    for it when it starts. Not final: each deploy prepares its own app again."""
    from qaeci import deploy

    specs = []
    for code, entry in environment["plan"].items():
        if not entry.get("needs_deploy"):
            continue
        try:
            specs.append(
                deploy.app_spec(
                    recorded_app(environment, code), env, context.config.work_dir, entry["address"]
                )
            )
        except QaeciError:
            continue  # its command needs the artifact (java): prepared by its deploy
    try:
        context.backend.prepare_all(specs)
    except Exception:  # reported by the deploy of the app concerned, if it persists
        pass
