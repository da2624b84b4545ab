"""env_up's first step (action env_plan): validate everything, resolve commits, decide what to
build and to (re)deploy, and record the run, before anything is touched."""

import uuid
from concurrent.futures import ThreadPoolExecutor

from qaeci import checks
from qaeci import plan as plan_mod
from qaeci.errors import PlanError
from qaeci.registry import check_env_name
from qaeci.step_context import now, render_variables

PLAN_THREADS = 8


def plan(context, env, template=None, apps=None, branch=None, branches=None, requested_by=None):
    """The run's plan: {env, template, run, build, deploy, unchanged, build_concurrency,
    reasons, branches}."""
    check_env_name(env)
    state = context.state(env)
    existing = state.environment()
    tmpl = _template_for(context, env, template, existing)
    registry_apps = context.registry.apps
    selected = plan_mod.select_apps(tmpl, registry_apps, apps)
    order = plan_mod.dependency_order(registry_apps, selected)
    chosen = plan_mod.choose_branches(tmpl, registry_apps, selected, branch, branches or {})
    commits = plan_mod.resolve_commits(registry_apps, chosen)
    addresses = plan_mod.addresses_for(
        context.backend, env, tmpl.app_codes, context.config.domain, context.config.router_port
    )
    services = ((state.services() or {}).get("services")) or {}
    running = context.backend.status(env)
    run = uuid.uuid4().hex[:12]
    result = plan_mod.Plan(env, tmpl, {}, order, addresses)
    # Deciding may probe check URLs of unchanged apps: do it for all apps at once.
    with ThreadPoolExecutor(max_workers=PLAN_THREADS) as pool:
        entries = pool.map(
            lambda code: _plan_app(
                context,
                state,
                tmpl,
                registry_apps[code],
                commits[code],
                addresses,
                services,
                running.get(code),
                selected,
            ),
            order,
        )
        result.apps = {entry.code: entry for entry in entries}
    _record_plan(context, state, existing, tmpl, result, run, requested_by)
    return {
        "env": env,
        "template": tmpl.name,
        "run": run,
        "build": result.to_build,
        "deploy": result.to_deploy,
        "unchanged": result.unchanged,
        "build_concurrency": context.config.build_concurrency,
        "reasons": {code: result.apps[code].deploy_reason for code in result.to_deploy},
        "branches": {code: result.apps[code].branch for code in result.order},
    }


def _template_for(context, env, template, existing):
    """The template asked for, else the one the env was made from, else the env's name."""
    recorded = (existing or {}).get("template")
    name = template or recorded or env
    if recorded and recorded != name:
        raise PlanError(
            "environment %s was made from template %s; fix: use template=%s or "
            "take it down first" % (env, recorded, recorded)
        )
    return context.registry.template(name)


def _plan_app(
    context, state, tmpl, app, branch_and_commit, addresses, services, app_state, selected
):
    """One app's plan entry: build key, whether to build, whether to (re)deploy and why."""
    branch, commit = branch_and_commit
    entry = plan_mod.AppPlan(
        app.code,
        branch,
        commit,
        plan_mod.build_key(app, commit),
        addresses[app.code],
        [d for d in app.depends_on if d in selected],
    )
    entry.needs_build = not context.store.exists(entry.build_key)
    previous = state.app(app.code)
    variables = render_variables(
        state.env, context.config.domain, tmpl.deploy_type, app.code, addresses, services
    )
    entry.context_hash = plan_mod.config_hash(entry.build_key, variables, previous)
    is_running = app_state is not None and app_state.state in ("running", "starting")
    entry.needs_deploy, entry.deploy_reason = plan_mod.decide_deploy(
        entry,
        previous,
        is_running,
        app.check_urls,
        checks.target_url(app_state, entry.address) if is_running else None,
    )
    return entry


def _record_plan(context, state, existing, tmpl, result, run, requested_by):
    record = dict(existing or {})
    record.update(
        {
            "env": result.env,
            "template": tmpl.name,
            "deploy_type": tmpl.deploy_type,
            "managers": tmpl.managers,
            "run": run,
            "selected": result.order,
            "addresses": result.addresses,
            "service_names": sorted(tmpl.services),
            "services_wanted": tmpl.services,
            "plan": {code: entry.as_dict() for code, entry in result.apps.items()},
            "requested_by": requested_by,
            "updated_at": now(),
        }
    )
    # The run works from this copy of the app definitions, so later steps need not reload
    # (or be surprised by edits to) the registry.
    app_defs = dict(record.get("app_defs") or {})
    app_defs.update({code: context.registry.apps[code].data for code in result.order})
    record["app_defs"] = app_defs
    record.setdefault("creator", requested_by or "unknown")
    record.setdefault("created_at", now())
    known = set(record.get("apps") or []) | set(result.order)
    record["apps"] = sorted(known)
    state.save_environment(record)
    for code in result.order:
        entry = result.apps[code]
        if not entry.needs_build:
            state.save_build(
                code,
                {
                    "run": run,
                    "status": "cached",
                    "build_key": entry.build_key,
                    "commit": entry.commit,
                    "built": False,
                },
            )
        if not entry.needs_deploy:
            state.update_app(
                code,
                run=run,
                status="healthy",
                built=False,
                deployed=False,
                stage=None,
                reason="",
                last_check={"at": now(), "ok": True},
            )
