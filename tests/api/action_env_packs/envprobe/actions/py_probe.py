import json
import os
import urllib.request

from st2common.runners.base_action import Action


class Probe(Action):
    def run(self, token_file):
        api, token = os.environ["ST2_ACTION_API_URL"], os.environ["ST2_ACTION_AUTH_TOKEN"]
        with open(token_file, "w") as handle:
            handle.write(token)
        if not api:
            return {"api_url": "", "token_given": bool(token)}
        request = urllib.request.Request(
            "%s/executions/%s" % (api, os.environ["ST2_ACTION_EXECUTION_ID"]),
            headers={"X-Auth-Token": token},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            execution = json.loads(response.read().decode("utf-8"))
        return {
            "api_url": api,
            "pack": os.environ["ST2_ACTION_PACK_NAME"],
            "id": execution["id"],
            "status": execution["status"],
            "user": execution["context"]["user"],
        }
