"""`/packs/index` and `/packs/index/search` (StackStorm's PacksIndexController): the exchange
index of packs one could install. st2lite installs no packs and reads no network index, so the
index is empty (no index URL, so no index status either); st2web's Packs page then lists the
installed packs only.

Registered before `/packs`, so `/packs/index` is not taken for a pack's ref.
"""

from st2lite.api.errors import bad_request
from st2lite.api.http import json_response


def register(router):
    router.add("api", "GET", "/packs/index", get_index)
    router.add("api", "POST", "/packs/index/search", search_index)


def get_index(app, request):
    return json_response({"status": [], "index": {}})


def search_index(app, request):
    """A search finds nothing in an empty index: `[]`, as StackStorm answers an unknown pack."""
    body = request.json()
    asked = [name for name in ("query", "pack") if isinstance(body.get(name), str)]
    if len(asked) != 1:
        raise bad_request('Send {"query": "TEXT"} or {"pack": "NAME"} to search the pack index')
    return json_response([])
