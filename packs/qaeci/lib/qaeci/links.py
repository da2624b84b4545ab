"""The pack config's `links`: URL templates by name ({"logs": "https://kibana.example/app/logs?
q=env:{env}+app:{app}", ...}) made into the links people click for one app: its logs, metrics,
console, sandbox.

A template's placeholders are `{name}` with a name from PLACEHOLDERS (no format specs); each
value is percent-encoded, so it is safe as a path segment or a query value. A placeholder outside
PLACEHOLDERS is the configuration's mistake: a ConfigError naming the template, whatever the app.
A link whose placeholders do not all have a value now (say {host} while the app is stopped, or
{task_id} on the local back end) is left out.
"""

import string
from urllib.parse import quote

from qaeci.errors import ConfigError

PLACEHOLDERS = (
    "env",
    "app",
    "deploy_type",
    "domain",
    "url",
    "commit",
    "branch",
    "host",
    "port",
    "app_id",
    "task_id",
    "agent_id",
    "framework_id",
    "sandbox",
)
CONFIG_FILE = "configs/qaeci.yaml"


def check_templates(templates):
    """{name: [placeholder, ...]} of TEMPLATES; ConfigError on the first that is no URL
    template or names an unknown placeholder."""
    if not isinstance(templates, dict):
        raise ConfigError(
            "links is not a mapping of names to URL templates; fix: write it as "
            'links: {logs: "https://logs.example/?q=app:{app}"} in %s' % CONFIG_FILE
        )
    return {name: placeholders_of(name, template) for name, template in sorted(templates.items())}


def placeholders_of(name, template):
    """The placeholder names of links.NAME (each once, in order)."""
    if not isinstance(template, str) or not template.strip():
        raise ConfigError(
            "links.%s is %r, not a URL template; fix: set it to a URL such as "
            "https://logs.example/?q=app:{app} in %s" % (name, template, CONFIG_FILE)
        )
    try:
        fields = [
            (field, spec, conversion)
            for _, field, spec, conversion in string.Formatter().parse(template)
            if field is not None
        ]
    except ValueError as error:
        raise ConfigError(
            "links.%s %r is not a valid URL template (%s); fix: write each "
            "placeholder as {name}, e.g. {app}, in %s" % (name, template, error, CONFIG_FILE)
        ) from error
    names = []
    for field, spec, conversion in fields:
        if field not in PLACEHOLDERS or spec or conversion:
            written = "{%s%s%s}" % (
                field,
                "!" + conversion if conversion else "",
                ":" + spec if spec else "",
            )
            raise ConfigError(
                "links.%s %r has an unknown placeholder %s; fix: use only %s in %s"
                % (
                    name,
                    template,
                    written,
                    " ".join("{%s}" % known for known in PLACEHOLDERS),
                    CONFIG_FILE,
                )
            )
        if field not in names:
            names.append(field)
    return names


def render(templates, values):
    """{name: URL} of each template whose placeholders all have a value in VALUES ({placeholder:
    value}; None or "" is no value)."""
    links = {}
    for name, names in check_templates(templates).items():
        if all(values.get(field) not in (None, "") for field in names):
            links[name] = templates[name].format(
                **{field: quote(str(values[field]), safe="") for field in names}
            )
    return links
