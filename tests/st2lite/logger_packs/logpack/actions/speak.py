from st2common.runners.base_action import Action


class Speak(Action):
    def run(self, word):
        self.logger.debug("debug %s", word)
        self.logger.info("info %s", word)
        self.logger.warning("warning %s", word)
        self.logger.error("error %s", word)
        return word
