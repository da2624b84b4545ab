"""`self.logger` of a python-script action, as StackStorm's python runner sets it up: a logger
named `actions.python.<ClassName>` writing `name: LEVEL    message` lines to stderr from the
`log_level` runner parameter up (DEBUG unless given)."""

import logging

AUDIT = logging.CRITICAL + 10  # StackStorm's own level, above every standard one
FORMAT = "%(name)-12s: %(levelname)-8s %(message)s"

logging.addLevelName(AUDIT, "AUDIT")
_LOGGERS = {}


def get_logger_for_python_runner_action(action_name, log_level="debug"):
    name = "actions.python.%s" % action_name
    if name not in _LOGGERS:
        level = _level(log_level)
        console = logging.StreamHandler()  # stderr
        console.setLevel(level)
        console.setFormatter(logging.Formatter(FORMAT))
        logger = logging.getLogger(name)
        logger.addHandler(console)
        logger.setLevel(level)
        _LOGGERS[name] = logger
    return _LOGGERS[name]


def _level(log_level):
    """The level a name stands for; DEBUG for one that names none, as StackStorm falls back."""
    level_name = str(log_level).upper()
    if level_name == "AUDIT":
        return AUDIT
    level = getattr(logging, level_name, None)
    return level if isinstance(level, int) else logging.DEBUG
