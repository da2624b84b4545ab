"""`/packs`: the packs st2lite loaded."""

from st2lite.api import shapes
from st2lite.api.http import json_response
from st2lite.api.query import filter_by, find_by_ref_or_id, list_response


def register(router):
    router.add("api", "GET", "/packs", list_packs)
    router.add("api", "GET", "/packs/{ref_or_id}", get_pack)


def _packs(app):
    packs = sorted(app.runtime.content.packs.values(), key=lambda p: p.ref)
    return [shapes.pack_api(pack) for pack in packs]


def list_packs(app, request):
    return list_response(request, filter_by(request, _packs(app), "name"))


def get_pack(app, request, ref_or_id):
    return json_response(find_by_ref_or_id(_packs(app), ref_or_id, "Pack"))
