"""Files of the local back end's own state, replaced whole: a reader sees the old or the new
version, never half of one."""

import json
import os
import tempfile


def write_atomically(path, text):
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".write-")
    try:
        with os.fdopen(handle, "w") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def write_json(path, data):
    write_atomically(path, json.dumps(data, indent=1, sort_keys=True))
