"""Secrets kept out of what the pack shows people. An app's log tail may print its rendered
config, database password included, and a back end's error may quote a credential: every value
the pack config schema marks `secret: true` (at any depth) and every base service credential is
masked wherever it appears in a result.
"""

import functools
import os
import re

import yaml

MASK = "********"
SCHEMA_PATH = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "config.schema.yaml"
)
# Keys of a base service's record (mysql: user, password, database) that hold credentials.
CREDENTIAL_KEYS = ("password", "secret", "token", "auth", "key")
# Shorter values would mask ordinary words; generated credentials are far longer.
MIN_SECRET_LENGTH = 4
# "user:password" (Marathon's http_credentials form): its password part is masked on its own too.
USER_AND_PASSWORD = re.compile(r"^[^:/@\s]+:(\S+)$")


@functools.lru_cache(maxsize=1)
def pack_config_schema():
    """The pack's config.schema.yaml as {option: schema} ({} if it cannot be read)."""
    try:
        with open(SCHEMA_PATH) as handle:
            schema = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError):
        return {}
    return schema if isinstance(schema, dict) else {}


def config_secrets(values, schema=None):
    """The texts of VALUES (the pack config) under a schema node marked secret: true."""
    found = []
    top = {"properties": pack_config_schema() if schema is None else schema}
    _collect(top, values or {}, found)
    return found


def _collect(node, value, found):
    if not isinstance(node, dict) or value is None:
        return
    if node.get("secret"):
        found.extend(_texts(value))
    elif isinstance(value, dict):
        properties = node.get("properties") or {}
        extra = node.get("additionalProperties")
        for key, item in value.items():
            _collect(properties.get(key, extra), item, found)
    elif isinstance(value, list):
        for item in value:
            _collect(node.get("items"), item, found)


def _texts(value):
    if isinstance(value, dict):
        return [text for item in value.values() for text in _texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return [] if value is None else [str(value)]


def service_secrets(services):
    """The credentials in a base services record ({name: {host, port, user, password, ...}})."""
    return [
        str(value)
        for info in (services or {}).values()
        if isinstance(info, dict)
        for key, value in info.items()
        if value and any(word in key.lower() for word in CREDENTIAL_KEYS)
    ]


def masker(secrets):
    """A function masking every one of SECRETS in a text, dict or list (other values as
    they are)."""
    texts = set()
    for secret in secrets:
        texts.add(secret)
        pair = USER_AND_PASSWORD.match(secret)
        if pair:
            texts.add(pair.group(1))
    texts = sorted(
        (text for text in texts if len(text) >= MIN_SECRET_LENGTH), key=len, reverse=True
    )
    pattern = re.compile("|".join(re.escape(text) for text in texts)) if texts else None

    def mask(value):
        if isinstance(value, dict):
            return {key: mask(item) for key, item in value.items()}
        if isinstance(value, list):
            return [mask(item) for item in value]
        if isinstance(value, str) and pattern is not None:
            return pattern.sub(MASK, value)
        return value

    return mask


def masker_for(context, env):
    """masker of the pack config's secrets and ENV's base service credentials (context: a
    StepContext)."""
    services = (context.state(env).services() or {}).get("services")
    return masker(config_secrets(context.config.values) + service_secrets(services))
