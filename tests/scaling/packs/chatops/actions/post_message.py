import json

from st2common.runners.base_action import Action


class PostMessage(Action):
    def run(self, channel, message, whisper=False, user=None, extra=None, route="chatops"):
        with open(self.config["outbox"], "a") as outbox:
            outbox.write(json.dumps({"channel": channel, "message": message}) + "\n")
        return {"channel": channel, "message": message}
