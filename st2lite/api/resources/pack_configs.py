"""`/configs` and `/config_schemas` (StackStorm's pack_configs.py and pack_config_schemas.py):
each loaded pack's config file (`STATE/configs/<pack>.yaml`, with the schema's defaults) and
its `config.schema.yaml`, as st2web's Packs page reads them.

Secret options are always masked: st2web asks with `show_secrets=true`, which StackStorm
honours for admins, but st2lite shows no secret through its API.
"""

from st2lite import params as parameters_mod
from st2lite.api.errors import bad_request, not_found
from st2lite.api.http import json_response
from st2lite.api.query import list_response
from st2lite.packs.config import PackConfigError, config_schema, stored_pack_config
from st2lite.packs.content_ids import content_id


def register(router):
    router.add("api", "GET", "/configs", list_configs)
    router.add("api", "GET", "/configs/{pack_ref}", get_config)
    router.add("api", "GET", "/config_schemas", list_config_schemas)
    router.add("api", "GET", "/config_schemas/{pack_ref}", get_config_schema)


def _packs(app):
    return sorted(app.runtime.content.packs.values(), key=lambda pack: pack.ref)


def _pack(app, pack_ref):
    pack = app.runtime.content.packs.get(pack_ref)
    if pack is None:
        raise not_found('Unable to identify resource with pack_ref "%s".' % pack_ref)
    return pack


def _config_api(pack, values):
    """ConfigAPI: `{id, pack, values}` with secrets masked."""
    masked = _masked(values, config_schema(pack))
    return {"id": content_id("config", pack.ref), "pack": pack.ref, "values": masked}


def _masked(values, schema):
    """Secret options masked, also inside object options (as StackStorm's
    mask_secret_parameters walks a schema's `properties`)."""
    masked = dict(values)
    for name, spec in schema.items():
        if not isinstance(spec, dict) or masked.get(name) is None:
            continue
        if spec.get("secret"):
            masked[name] = parameters_mod.MASK
        elif isinstance(masked[name], dict) and isinstance(spec.get("properties"), dict):
            masked[name] = _masked(masked[name], spec["properties"])
    return masked


def _stored(app, pack):
    try:
        return stored_pack_config(pack, app.runtime.config_dir)
    except PackConfigError as error:
        raise bad_request(str(error)) from error


def list_configs(app, request):
    configs = []
    for pack in _packs(app):
        try:
            values = stored_pack_config(pack, app.runtime.config_dir)
        except PackConfigError:
            continue  # a broken file is named by GET /configs/<pack>; the others still list
        if values is not None:
            configs.append(_config_api(pack, values))
    return list_response(request, configs)


def get_config(app, request, pack_ref):
    pack = _pack(app, pack_ref)
    values = _stored(app, pack)
    if values is None:
        raise not_found('Unable to find the config for pack "%s".' % pack_ref)
    return json_response(_config_api(pack, values))


def _schema_api(pack, schema):
    """ConfigSchemaAPI: `{id, pack, attributes}`."""
    return {"id": content_id("config_schema", pack.ref), "pack": pack.ref, "attributes": schema}


def _schema(pack):
    try:
        return config_schema(pack)
    except PackConfigError as error:
        raise bad_request(str(error)) from error


def list_config_schemas(app, request):
    schemas = []
    for pack in _packs(app):
        try:
            schema = config_schema(pack)
        except PackConfigError:
            continue
        if schema:
            schemas.append(_schema_api(pack, schema))
    return list_response(request, schemas)


def get_config_schema(app, request, pack_ref):
    pack = _pack(app, pack_ref)
    schema = _schema(pack)
    if not schema:
        raise not_found('Unable to find the config schema for pack "%s".' % pack_ref)
    return json_response(_schema_api(pack, schema))
