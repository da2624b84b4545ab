"""Load and validate the app tree: apps/*.yaml and envs/*.yaml (DESIGN.md section 3).

Everything wrong with the registry is refused here, before anything is built or touched.
"""

import glob
import os
import re

import yaml

from qaeci import schemas
from qaeci.errors import RegistryError

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it

DEFAULT_CHECK_TIMEOUT = 120


class App(object):
    """One application definition, with the defaults filled in."""

    def __init__(self, data, source):
        self.data = data
        self.source = source
        self.code = data["app_code"]
        self.scm_url = data["scm"]["url"]
        self.scm_branch = data["scm"].get("branch")
        self.build = data["build"]
        self.runtime = data["runtime"]
        check = data.get("check") or {}
        self.check_urls = list(check.get("urls") or [])
        self.check_timeout = check.get("timeout", DEFAULT_CHECK_TIMEOUT)
        self.depends_on = list(data.get("depends_on") or [])
        self.services = list(data.get("services") or [])
        self.config_templates = list(self.runtime.get("config_templates") or [])


class Template(object):
    """An environment template: which apps (with branch overrides) and services it holds."""

    def __init__(self, data, source):
        self.data = data
        self.source = source
        self.name = data["name"]
        self.deploy_type = data.get("deploy_type", "dev")
        self.managers = list(data.get("managers") or [])
        self.services = {
            name: dict(opts or {}) for name, opts in (data.get("services") or {}).items()
        }
        self.app_branches = {
            code: (opts or {}).get("branch") for code, opts in data["apps"].items()
        }

    @property
    def app_codes(self):
        return sorted(self.app_branches)


class Registry(object):
    """The validated app tree. Use Registry.load(path)."""

    def __init__(self, root, apps, templates):
        self.root = root
        self.apps = apps
        self.templates = templates

    @classmethod
    def load(cls, root):
        root = os.path.expanduser(root)
        if not os.path.isdir(root):
            raise RegistryError(
                "registry_path %s is not a directory; fix: point the pack config "
                "registry_path at the app tree (apps/ and envs/)" % root
            )
        apps = _load_apps(root)
        _check_dependencies_exist(apps)
        _check_no_cycles(apps, sorted(apps))
        templates = _load_templates(root)
        return cls(root, apps, templates)

    def template(self, name):
        """The named template, validated against the apps it uses."""
        if name not in self.templates:
            known = ", ".join(sorted(self.templates)) or "none"
            raise RegistryError(
                "unknown environment template %r; fix: pick one of %s or add "
                "envs/%s.yaml" % (name, known, name)
            )
        template = self.templates[name]
        self._check_template(template)
        return template

    def validate_all(self):
        """Validate every template; returns the number of apps and templates checked."""
        for name in sorted(self.templates):
            self.template(name)
        return {"apps": len(self.apps), "templates": len(self.templates)}

    def _check_template(self, template):
        where = template.source
        for code in template.app_codes:
            if code not in self.apps:
                raise RegistryError(
                    "%s: field apps.%s: unknown app %r; fix: add apps/%s.yaml or "
                    "remove it from the template" % (where, code, code, code)
                )
        for code in template.app_codes:
            app = self.apps[code]
            for dependency in app.depends_on:
                if dependency not in template.app_branches:
                    raise RegistryError(
                        "%s: app %s depends on %s, which is not in the environment; fix: add %s "
                        "to the template's apps" % (where, code, dependency, dependency)
                    )
            for service in app.services:
                if service not in template.services:
                    raise RegistryError(
                        "%s: app %s uses service %s, which the template does not provide; fix: "
                        "add %s to the template's services" % (where, code, service, service)
                    )


def check_env_name(name):
    """Refuse environment names that are not DNS labels (they become host names)."""
    if isinstance(name, str) and " " in name.strip():
        raise RegistryError(
            "environment name %r is not a DNS label; fix: give options as "
            "key=value after the name, e.g. env up qa1 template=demo" % (name,)
        )
    if not isinstance(name, str) or not re.match(schemas.DNS_LABEL_PATTERN, name):
        raise RegistryError(
            "environment name %r is not a DNS label; fix: use 1-63 lower-case "
            "letters, digits and '-', not starting or ending with '-'" % (name,)
        )
    return name


def _load_apps(root):
    apps = {}
    for path in _yaml_files(root, "apps"):
        data = _read_yaml(root, path)
        _validate(root, path, data, schemas.APP_SCHEMA)
        code = data["app_code"]
        if code in apps:
            raise RegistryError(
                "%s: duplicate app_code %r, already defined by %s; fix: give each "
                "app a unique app_code" % (_relative(root, path), code, apps[code].source)
            )
        apps[code] = App(data, _relative(root, path))
    return apps


def _load_templates(root):
    templates = {}
    for path in _yaml_files(root, "envs"):
        data = _read_yaml(root, path)
        _validate(root, path, data, schemas.TEMPLATE_SCHEMA)
        name = data["name"]
        if name in templates:
            raise RegistryError(
                "%s: duplicate template name %r, already defined by %s; fix: give "
                "each template a unique name"
                % (_relative(root, path), name, templates[name].source)
            )
        templates[name] = Template(data, _relative(root, path))
    return templates


def _check_dependencies_exist(apps):
    for code in sorted(apps):
        app = apps[code]
        for dependency in app.depends_on:
            if dependency == code:
                raise RegistryError(
                    "%s: field depends_on: %s depends on itself (cycle %s -> %s); "
                    "fix: remove it" % (app.source, code, code, code)
                )
            if dependency not in apps:
                raise RegistryError(
                    "%s: field depends_on: unknown app %r; fix: add apps/%s.yaml "
                    "or remove the dependency" % (app.source, dependency, dependency)
                )


def _check_no_cycles(apps, codes):
    """Depth-first search; a back edge is a cycle, reported as a -> b -> a."""
    state = {}
    stack = []

    def visit(code):
        state[code] = "visiting"
        stack.append(code)
        for dependency in apps[code].depends_on:
            if state.get(dependency) == "visiting":
                cycle = stack[stack.index(dependency) :] + [dependency]
                raise RegistryError(
                    "dependency cycle %s; fix: remove one of these depends_on "
                    "entries" % " -> ".join(cycle)
                )
            if dependency not in state:
                visit(dependency)
        stack.pop()
        state[code] = "done"

    for code in codes:
        if code not in state:
            visit(code)


def _yaml_files(root, folder):
    directory = os.path.join(root, folder)
    return sorted(
        glob.glob(os.path.join(directory, "*.yaml")) + glob.glob(os.path.join(directory, "*.yml"))
    )


def _read_yaml(root, path):
    try:
        with open(path) as handle:
            data = yaml.load(handle, Loader=_YAML_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = " line %d" % (mark.line + 1) if mark else ""
        raise RegistryError(
            "%s:%s is not valid YAML (%s); fix: correct the syntax"
            % (_relative(root, path), line, getattr(error, "problem", error))
        ) from error
    if not isinstance(data, dict):
        raise RegistryError(
            "%s: expected a mapping at the top level; fix: write key: value "
            "fields as DESIGN.md section 3 shows" % _relative(root, path)
        )
    return data


def _validate(root, path, data, schema):
    import jsonschema  # imported only where the registry is loaded (the plan step)

    validator = jsonschema.Draft7Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is None:
        return
    field = ".".join(str(part) for part in error.absolute_path) or "(top level)"
    raise RegistryError(
        "%s: field %s: %s; fix: %s"
        % (_relative(root, path), field, _short(error.message), _fix_for(error))
    )


def _fix_for(error):
    validator = error.validator
    if validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        return "add the field %s" % (missing[0] if missing else "that is missing")
    if validator == "enum":
        return "use one of %s" % ", ".join(str(value) for value in error.validator_value)
    if validator == "pattern":
        return "make it match %s" % error.validator_value
    if validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        return "remove the unknown field (allowed: %s)" % ", ".join(allowed)
    if validator == "propertyNames":
        return "rename the key to match %s" % _describe_property_names(error.validator_value)
    if validator == "type":
        kinds = error.validator_value
        kinds = kinds if isinstance(kinds, list) else [kinds]
        return "make it a %s" % " or ".join(kinds)
    return "see DESIGN.md section 3 for the format"


def _describe_property_names(rule):
    if "enum" in rule:
        return "one of " + ", ".join(rule["enum"])
    return rule.get("pattern", str(rule))


def _short(message):
    line = message.splitlines()[0] if message else ""
    return line if len(line) <= 160 else line[:157] + "..."


def _relative(root, path):
    try:
        return os.path.relpath(path, root)
    except ValueError:
        return path
