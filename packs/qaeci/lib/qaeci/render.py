"""Render an app's config templates with sandboxed Jinja (DESIGN.md section 3's variables).

An unknown name is an error naming the file and the full variable path (apps.web.urll).
"""

import hashlib
import os

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from qaeci.errors import RenderError


class Namespace(object):
    """Read-only variables that know their own dotted path, for precise error messages, and
    note every value a template reads (`reads`: {dotted path: value}; a path ending in `[]`
    holds the keys when a template iterated or tested membership).

    Not a dict on purpose: `apps.items` must mean the app named `items`, not dict.items.
    """

    __slots__ = ("_values", "_path", "_reads")

    def __init__(self, values, path, reads=None):
        object.__setattr__(self, "_values", values)
        object.__setattr__(self, "_path", path)
        object.__setattr__(self, "_reads", reads)

    def __getattr__(self, name):
        if name.startswith("__") or name not in self._values:
            raise AttributeError(name)
        return self._read(name)

    def __getitem__(self, name):
        return self._read(name)

    def __iter__(self):
        return iter(self._keys())

    def __len__(self):
        return len(self._keys())

    def __contains__(self, name):
        return name in self._keys()

    def _read(self, name):
        value = self._values[name]
        if self._reads is not None and not isinstance(value, Namespace):
            self._reads[_join(self._path, name)] = value
        return value

    def _keys(self):
        keys = sorted(self._values)
        if self._reads is not None:
            self._reads[self._path + "[]"] = keys
        return keys


class _NamedUndefined(StrictUndefined):
    """StrictUndefined whose message is the full path of the missing variable."""

    @property
    def _undefined_message(self):
        parent = self._undefined_obj
        if isinstance(parent, Namespace):
            return "unknown variable %s.%s" % (parent._path, self._undefined_name)
        if self._undefined_name is not None:
            return "unknown variable %s" % self._undefined_name
        return "undefined value"


def wrap(values, path="", reads=None):
    """Turn nested dicts into Namespaces carrying their paths (and noting reads into `reads`)."""
    if isinstance(values, dict):
        return Namespace(
            {key: wrap(value, _join(path, key), reads) for key, value in values.items()},
            path,
            reads,
        )
    return values


def _join(path, key):
    return "%s.%s" % (path, key) if path else str(key)


def _environment():
    return SandboxedEnvironment(
        undefined=_NamedUndefined, keep_trailing_newline=True, autoescape=False
    )


def render_text(text, variables, source, reads=None):
    """Render TEXT (from file SOURCE) with VARIABLES (plain nested dicts); note what it read."""
    namespace = wrap(variables, reads=reads)
    try:
        template = _environment().from_string(text)
        return template.render(dict((key, namespace._values[key]) for key in namespace._values))
    except TemplateSyntaxError as error:
        raise RenderError(
            "%s line %s: template syntax error: %s; fix: correct the Jinja syntax"
            % (source, error.lineno, error.message)
        ) from error
    except UndefinedError as error:
        raise RenderError(
            "%s: %s; fix: use only the variables of DESIGN.md section 3 (env, app, "
            "apps.<code>, services.<name>)" % (source, error.message)
        ) from error
    except SecurityError as error:
        raise RenderError(
            "%s: unsafe template expression (%s); fix: use plain variables and "
            "filters" % (source, error)
        ) from error


def render_files(root, relative_paths, variables, app_code, reads=None):
    """Render each config template in place under ROOT; return a hash of the rendered files.
    `reads` (a dict), when given, receives every variable the templates read."""
    digest = hashlib.sha256()
    for relative in relative_paths:
        path = os.path.normpath(os.path.join(root, relative))
        if not path.startswith(os.path.abspath(root) + os.sep) or not os.path.isfile(path):
            raise RenderError(
                "config template %s is not in the artifact of %s; fix: correct "
                "runtime.config_templates or include the file in build.artifact"
                % (relative, app_code)
            )
        with open(path) as handle:
            rendered = render_text(handle.read(), variables, "%s:%s" % (app_code, relative), reads)
        with open(path, "w") as handle:
            handle.write(rendered)
        digest.update(relative.encode("utf-8") + b"\0" + rendered.encode("utf-8") + b"\0")
    return digest.hexdigest()


def template_variables(env, domain, deploy_type, app_code, addresses, services):
    """The variables a config template sees.

    addresses: {code: {"host", "port", "url", "public_url"}}; services: {name: {...}}.
    """
    return {
        "env": {"name": env, "domain": domain, "deploy_type": deploy_type},
        "app": {"code": app_code, "port": addresses[app_code]["port"]},
        "apps": {code: dict(address) for code, address in addresses.items()},
        "services": {name: dict(info) for name, info in services.items()},
    }
