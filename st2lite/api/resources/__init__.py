"""The API's resources, one module per family; each `register(router)` adds its routes."""

from st2lite.api.resources import (
    actions,
    aliases,
    executions,
    inquiries,
    keys,
    packs,
    reactor,
    tokens,
    views,
)

MODULES = (views, tokens, actions, executions, inquiries, keys, aliases, reactor, packs)


def register_all(router):
    for module in MODULES:
        module.register(router)
