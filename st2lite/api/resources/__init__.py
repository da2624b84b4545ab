"""The API's resources, one module per family; each `register(router)` adds its routes (a
view or sub-collection before the collection whose `{ref_or_id}` would take its path)."""

from st2lite.api.resources import (
    actions,
    aliases,
    executions,
    inquiries,
    keys,
    pack_configs,
    pack_index,
    packs,
    reactor,
    rule_enforcement_views,
    sensor_types,
    tokens,
    views,
)

MODULES = (
    views,
    tokens,
    actions,
    executions,
    inquiries,
    keys,
    aliases,
    rule_enforcement_views,
    reactor,
    pack_index,
    packs,
    pack_configs,
    sensor_types,
)


def register_all(router):
    for module in MODULES:
        module.register(router)
