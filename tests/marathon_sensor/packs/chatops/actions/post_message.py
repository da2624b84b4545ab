from st2common.runners.base_action import Action


class PostMessage(Action):
    def run(self, channel, message, user=None, whisper=False, route="chatops"):
        return {"channel": channel, "message": message, "route": route}
