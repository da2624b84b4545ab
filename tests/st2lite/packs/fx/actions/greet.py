from st2common.runners.base_action import Action


class Greet(Action):
    def run(self, who, times, loud, tags=None, token=None):
        count = int(self.action_service.get_value("count") or 0) + 1
        self.action_service.set_value("count", count)
        text = " ".join([self.config["greeting"] + " " + who] * times)
        print("greeting with token %s" % token)
        return {"text": text.upper() if loud else text, "count": count, "tags": tags}
