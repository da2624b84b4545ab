"""Who may change an environment: the managers of its template and its creator."""

from qaeci.errors import PermissionRefused


def authorize(context, env, user, verb):
    """ENV's record when USER may VERB it (take down, rebuild); PermissionRefused naming who
    may, otherwise."""
    environment = context.existing_environment(env, fix="check the name with env list")
    managers = list(environment.get("managers") or [])
    try:
        managers = context.registry.template(environment["template"]).managers
    except Exception:  # a template removed since: the recorded managers still apply
        pass
    creator = environment.get("creator")
    if user and (user in managers or user == creator):
        return environment
    raise PermissionRefused(
        "%s may not %s environment %s: only its managers (%s) and its "
        "creator (%s) may; fix: ask one of them"
        % (
            user or "an unknown user",
            verb,
            env,
            ", ".join(managers) or "none",
            creator or "unknown",
        )
    )
