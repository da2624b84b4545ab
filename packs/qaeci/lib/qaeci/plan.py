"""Decide what `env up` must do: which apps, at which commits, what to build and to (re)deploy.

Selection: `apps` (a subset of the template) pulls in every app it depends on, transitively,
because an app cannot pass its checks without its dependencies; dependencies that are already
up to date and healthy are then left alone like any other unchanged app. Apps of the template
outside that closure are not touched.

Branches, most specific first: a per-app override (`branches`), the template's branch for the
app, the command's `branch`, the app's own scm.branch, then "master". When the command's
`branch` does not exist in an app's repository, that app falls back to its own default branch
(a feature branch usually exists in only a few repositories).
"""

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor

from qaeci import checks, gitops
from qaeci.errors import PlanError

RESOLVE_THREADS = 8
DEFAULT_BRANCH = "master"


class AppPlan(object):
    def __init__(self, code, branch, commit, build_key, address, depends_on):
        self.code = code
        self.branch = branch
        self.commit = commit
        self.build_key = build_key
        self.address = address  # {"host", "port", "url", "public_url"}
        self.depends_on = depends_on
        self.needs_build = False
        self.needs_deploy = False
        self.deploy_reason = ""
        self.context_hash = ""

    def as_dict(self):
        return {
            "code": self.code,
            "branch": self.branch,
            "commit": self.commit,
            "build_key": self.build_key,
            "address": self.address,
            "depends_on": self.depends_on,
            "needs_build": self.needs_build,
            "needs_deploy": self.needs_deploy,
            "deploy_reason": self.deploy_reason,
            "context_hash": self.context_hash,
        }


class Plan(object):
    def __init__(self, env, template, apps, order, addresses):
        self.env = env
        self.template = template
        self.apps = apps  # {code: AppPlan}, the selected apps
        self.order = order  # selected codes in dependency order
        self.addresses = addresses  # every template app: {code: address}

    @property
    def to_build(self):
        return [code for code in self.order if self.apps[code].needs_build]

    @property
    def to_deploy(self):
        return [code for code in self.order if self.apps[code].needs_deploy]

    @property
    def unchanged(self):
        return [code for code in self.order if not self.apps[code].needs_deploy]


def select_apps(template, apps, subset):
    """The subset (default: every app of the template) plus its transitive dependencies."""
    if not subset:
        return set(template.app_codes)
    selected = set()
    pending = []
    for code in subset:
        if code not in template.app_branches:
            raise PlanError(
                "app %r is not in template %s; fix: pick apps from %s"
                % (code, template.name, ", ".join(template.app_codes))
            )
        pending.append(code)
    while pending:
        code = pending.pop()
        if code not in selected:
            selected.add(code)
            pending.extend(apps[code].depends_on)
    return selected


def dependency_order(apps, selected):
    """Selected codes so that every app comes after its dependencies (Kahn, ties by name)."""
    remaining = {code: set(d for d in apps[code].depends_on if d in selected) for code in selected}
    order = []
    while remaining:
        ready = sorted(code for code, deps in remaining.items() if not deps)
        if not ready:
            raise PlanError(
                "dependency cycle among %s; fix: remove one depends_on entry"
                % ", ".join(sorted(remaining))
            )
        for code in ready:
            order.append(code)
            del remaining[code]
        for deps in remaining.values():
            deps.difference_update(ready)
    return order


def choose_branches(template, apps, selected, branch, branches):
    """{code: (branch, fallback_or_None)}: fallback is tried when a global branch is missing."""
    for code in branches or {}:
        if code not in selected:
            raise PlanError(
                "branch override for %r, which is not among the apps being brought up "
                "(%s); fix: remove it or add the app" % (code, ", ".join(sorted(selected)))
            )
    chosen = {}
    for code in selected:
        own_default = apps[code].scm_branch or DEFAULT_BRANCH
        if branches and code in branches:
            chosen[code] = (branches[code], None)
        elif template.app_branches.get(code):
            chosen[code] = (template.app_branches[code], None)
        elif branch:
            chosen[code] = (branch, own_default if own_default != branch else None)
        else:
            chosen[code] = (own_default, None)
    return chosen


def resolve_commits(apps, chosen, resolve=gitops.resolve_commit):
    """{code: (branch, commit)}, resolved in parallel with git ls-remote."""

    def one(code):
        wanted, fallback = chosen[code]
        try:
            return code, (wanted, resolve(apps[code].scm_url, wanted))
        except PlanError:
            if fallback is None:
                raise
            return code, (fallback, resolve(apps[code].scm_url, fallback))

    with ThreadPoolExecutor(max_workers=RESOLVE_THREADS) as pool:
        try:
            return dict(pool.map(one, sorted(chosen)))
        except PlanError as error:
            raise PlanError(str(error)) from error


def recipe_hash(app):
    """Hash of everything that shapes the artifact besides the commit."""
    recipe = {"build": app.build, "scm": app.scm_url}
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode("utf-8")).hexdigest()[:12]


def build_key(app, commit):
    return "%s/%s-%s.tar.gz" % (app.code, commit, recipe_hash(app))


def public_url(app_code, env, domain, router_port):
    return "http://%s.%s.%s:%s/" % (app_code, env, domain, router_port)


def addresses_for(backend, env, codes, domain, router_port):
    """{code: address} of each app: its port, direct URL and public URL (the back end's)."""
    return backend.addresses(env, codes, domain, router_port)


def context_hash(build_key_, variables):
    """Same artifact + same variables = same rendered config, without rendering anything."""
    text = json.dumps({"build_key": build_key_, "variables": variables}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def config_hash(build_key_, variables, previous):
    """What decides whether an app's rendered config changed. After a deploy that noted which
    variables its templates read (`config_inputs`), only those count: another app's new port
    does not redeploy an app whose config never names it."""
    inputs = (previous or {}).get("config_inputs")
    if inputs is None:
        return context_hash(build_key_, variables)
    return context_hash(build_key_, read_again(variables, inputs))


def read_again(variables, reads):
    """The values the same reads give with these variables ({dotted path: value}; a path ending
    in `[]` stands for the keys of a mapping that a template iterated)."""
    return dict((path, _lookup(variables, path)) for path in reads)


def _lookup(variables, path):
    keys_wanted = path.endswith("[]")
    node = variables
    for part in [p for p in (path[:-2] if keys_wanted else path).split(".") if p]:
        if not isinstance(node, dict) or part not in node:
            return "<absent>"
        node = node[part]
    if keys_wanted:
        return sorted(node) if isinstance(node, dict) else "<absent>"
    return node


def decide_deploy(app_plan, previous, running, check_paths, check_url=None):
    """(needs_deploy, reason). check_paths: the app's check URLs, probed once if all else holds,
    at check_url (where the back end runs the app; default: its address)."""
    if app_plan.needs_build:
        return True, "new build"
    if not previous:
        return True, "never deployed"
    if previous.get("commit") != app_plan.commit:
        return True, "commit changed"
    if previous.get("build_key") != app_plan.build_key:
        return True, "build recipe changed"
    if previous.get("context_hash") != app_plan.context_hash:
        return True, "config changed"
    if previous.get("status") != "healthy":
        return True, "last run %s" % previous.get("status", "unknown")
    if not running:
        return True, "not running"
    result = checks.check_once(check_url or app_plan.address["url"], check_paths)
    if not result.ok:
        return True, "check failing: %s" % result.reason
    return False, ""
