"""Workflow definitions already found to satisfy the workflow schema, remembered on disk.

Checking a definition against the schema needs jsonschema, which costs a tenth of a second to
import, every `st2lite run` of a workflow. The answer is a pure function of the schema and the
definition, so a digest of both names an empty marker file in the cache directory. Only valid
definitions are remembered: an invalid one is always checked, for its messages. A missing or
unwritable marker only means checking again.
"""

import contextlib
import hashlib
import json
import os

from st2lite.caching import cache_dir

FOLDER = "orquesta-valid"


def digest(workflow_schema, definition):
    text = json.dumps([workflow_schema, definition], sort_keys=True, default=_tagged)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _tagged(value):
    # YAML gives dates and other non-JSON values: keep them apart from any string
    return {"__non_json__": type(value).__name__, "repr": repr(value)}


def known_valid(key):
    return os.path.exists(os.path.join(cache_dir(), FOLDER, key))


def remember_valid(key):
    folder = os.path.join(cache_dir(), FOLDER)
    with contextlib.suppress(OSError):
        os.makedirs(folder, exist_ok=True)
        open(os.path.join(folder, key), "w").close()
