"""Environment state in the StackStorm datastore, through an action's `action_service`.

Keys are global (local=False) so every action of the pack sees them, and split per app so that
parallel build and deploy items never overwrite each other's writes:

    qaeci.env.<env>                  creator, template, deploy_type, managers, current run, apps
    qaeci.env.<env>.services         the base services' addresses for the current run
    qaeci.env.<env>.build.<app>      the app's build outcome in a run (written by its build item)
    qaeci.env.<env>.app.<app>        the app's deploy/check outcome (written by its deploy item)
"""

import json

PREFIX = "qaeci.env."

# What a run's records say. A build item ends its record as one of BUILD_OUTCOMES (cached: the
# plan found the artifact in the store), the services step as one of SERVICES_OUTCOMES, and a
# deploy item as one of FINAL_APP_STATUSES; while its app starts and is checked, a deploy
# record is "deploying" at stage "check".
BUILD_OUTCOMES = ("built", "cached", "failed")
SERVICES_OUTCOMES = ("healthy", "failed")
FINAL_APP_STATUSES = ("healthy", "failed", "skipped")


def of_run(record, run, statuses):
    """RECORD if it belongs to RUN and has one of STATUSES, else None."""
    if record and record.get("run") == run and record.get("status") in statuses:
        return record
    return None


def being_checked(record, run):
    """Whether RECORD says its app was launched in RUN and its checks are running."""
    return bool(of_run(record, run, ("deploying",))) and record.get("stage") == "check"


def _env_key(env):
    return PREFIX + env


class EnvState(object):
    """Read and write one environment's records. datastore: get_value/set_value/... object."""

    def __init__(self, datastore, env):
        self.datastore = datastore
        self.env = env

    # -- raw JSON records -------------------------------------------------------------------
    def _get(self, key):
        return read_record(self.datastore, key)

    def _set(self, key, record):
        write_record(self.datastore, key, record)

    def _delete(self, key):
        try:
            self.datastore.delete_value(key, local=False)
        except Exception:  # a missing key is not an error: deletion converges
            pass

    # -- environment --------------------------------------------------------------------------
    def environment(self):
        return self._get(_env_key(self.env))

    def save_environment(self, record):
        self._set(_env_key(self.env), record)

    def services(self):
        return self._get(_env_key(self.env) + ".services")

    def save_services(self, record):
        self._set(_env_key(self.env) + ".services", record)

    def build(self, app):
        return self._get("%s.build.%s" % (_env_key(self.env), app))

    def save_build(self, app, record):
        self._set("%s.build.%s" % (_env_key(self.env), app), record)

    def app(self, app):
        return self._get("%s.app.%s" % (_env_key(self.env), app))

    def save_app(self, app, record):
        self._set("%s.app.%s" % (_env_key(self.env), app), record)

    def update_app(self, app, **fields):
        record = self.app(app) or {}
        record.update(fields)
        self.save_app(app, record)
        return record

    def apps(self):
        """{app: record} for every app with a deploy record."""
        marker = _env_key(self.env) + ".app."
        return {name[len(marker) :]: record for name, record in self._list(marker).items()}

    def run_records(self):
        """(services record, {app: build record}, {app: deploy record}), in one datastore
        read: what a step waiting on several apps of a run polls."""
        prefix = _env_key(self.env) + "."
        services, builds, apps = None, {}, {}
        for name, record in self._list(prefix).items():
            kind, _, app = name[len(prefix) :].partition(".")
            if kind == "services" and not app:
                services = record
            elif kind == "build" and app:
                builds[app] = record
            elif kind == "app" and app:
                apps[app] = record
        return services, builds, apps

    def forget_app(self, app):
        self._delete("%s.app.%s" % (_env_key(self.env), app))
        self._delete("%s.build.%s" % (_env_key(self.env), app))

    def forget(self):
        """Delete every record of the environment."""
        for name in self._list(_env_key(self.env) + "."):
            self._delete(name)
        self._delete(_env_key(self.env))

    def _list(self, prefix):
        return {name: record for name, record in list_records(self.datastore, prefix).items()}


def read_record(datastore, name):
    """The decoded JSON record stored under NAME; None when there is none or it is not JSON."""
    text = datastore.get_value(name, local=False)
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def write_record(datastore, name, record):
    datastore.set_value(name, json.dumps(record, sort_keys=True), local=False)


def list_records(datastore, prefix):
    """{key: decoded JSON} for datastore keys starting with PREFIX."""
    records = {}
    for item in datastore.list_values(local=False, prefix=prefix) or []:
        name, value = _name_and_value(item)
        if name is None or not name.startswith(prefix):
            continue
        try:
            records[name] = json.loads(value)
        except (TypeError, ValueError):
            continue
    return records


def environment_names(datastore):
    """Names of environments with a top-level record (qaeci.env.<env>)."""
    names = set()
    for name in list_records(datastore, PREFIX):
        rest = name[len(PREFIX) :]
        if "." not in rest:
            names.add(rest)
    return sorted(names)


def _name_and_value(item):
    """StackStorm returns KeyValuePair objects; accept dicts too."""
    if isinstance(item, dict):
        return item.get("name"), item.get("value")
    return getattr(item, "name", None), getattr(item, "value", None)
