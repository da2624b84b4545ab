"""env_down's step (action env_destroy): stop and remove an environment, or some of its apps,
for a user who may."""

from qaeci.errors import PlanError
from qaeci.permissions import authorize
from qaeci.registry import check_env_name


def down(context, env, apps=None, user=None):
    """{"env", "removed": apps removed, "remaining": apps left}."""
    check_env_name(env)
    environment = authorize(context, env, user, "take down")
    known = list(environment.get("apps") or [])
    if apps:
        unknown = [code for code in apps if code not in known]
        if unknown:
            raise PlanError(
                "%s not in environment %s; fix: pick from %s"
                % (", ".join(unknown), env, ", ".join(known) or "none")
            )
    context.backend.destroy(env, apps=list(apps) if apps else None)
    from qaeci import deploy

    deploy.remove_releases(context.config.work_dir, env, list(apps) if apps else None)
    state = context.state(env)
    if not apps:
        state.forget()
        return {"env": env, "removed": sorted(known), "remaining": []}
    for code in apps:
        state.forget_app(code)
    environment["apps"] = [code for code in known if code not in apps]
    environment["selected"] = [
        code for code in environment.get("selected") or [] if code not in apps
    ]
    state.save_environment(environment)
    return {"env": env, "removed": sorted(apps), "remaining": environment["apps"]}
