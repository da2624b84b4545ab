"""What every step of the pack's actions works with: the pack config, the datastore (the
action's `action_service`), and, opened when first used, the artifact store, the back end and
the registry. Each phase (plan_step, services_step, build_step, deploy_dispatch, deploy_step,
status, teardown, mysql_snapshots) is a module of functions taking a StepContext.

Also the small helpers those phases share: the app definitions a run recorded, the variables
config templates see, one-line reasons and timestamps.
"""

import time

from qaeci.artifacts import store_for
from qaeci.config import PackConfig, open_backend
from qaeci.errors import EnvironmentNotFound
from qaeci.registry import App, Registry
from qaeci.state import EnvState


class StepContext(object):
    """The back end, store and registry can be injected (tests); otherwise they come from the
    config."""

    def __init__(self, config, datastore, backend=None, store=None, registry=None):
        self.config = config if isinstance(config, PackConfig) else PackConfig(config)
        self.datastore = datastore
        self._backend = backend
        self._store = store
        self._registry = registry

    @property
    def store(self):
        if self._store is None:
            self._store = store_for(self.config)
        return self._store

    @property
    def backend(self):
        if self._backend is None:
            self._backend = open_backend(self.config, self.store)
        return self._backend

    @property
    def registry(self):
        if self._registry is None:
            self._registry = Registry.load(self.config.registry_path)
        return self._registry

    def state(self, env):
        return EnvState(self.datastore, env)

    def existing_environment(self, env, fix=None):
        """ENV's record; EnvironmentNotFound, saying FIX (default: bring it up), if it has none."""
        environment = self.state(env).environment()
        if environment is None:
            raise EnvironmentNotFound(
                "environment %s does not exist; fix: %s"
                % (env, fix or "bring it up with env up %s" % env)
            )
        return environment

    def log_tail(self, env, app_code):
        """The last lines of the app's log, or "" when the back end has none to give."""
        try:
            return self.backend.log_tail(env, app_code, lines=20) or ""
        except Exception:  # a log is a courtesy in a report: never a reason to fail it
            return ""


def recorded_app(environment, code):
    """The app definition as planned (None if the environment never planned it)."""
    definition = (environment.get("app_defs") or {}).get(code)
    return App(definition, "recorded plan of %s" % environment["env"]) if definition else None


def render_variables(env, domain, deploy_type, code, addresses, services):
    from qaeci import render  # Jinja is imported only by the steps that render

    return render.template_variables(env, domain, deploy_type, code, addresses, services)


def one_line(error):
    """The first line of an error's message (its type's name when it has none)."""
    text = str(error).strip().splitlines()
    return text[0] if text else error.__class__.__name__


def epoch():
    return round(time.time(), 3)


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
