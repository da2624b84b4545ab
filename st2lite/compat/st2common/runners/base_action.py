"""`from st2common.runners.base_action import Action`, as StackStorm's python runner provides it."""

import abc
import logging


class Action(object):
    """Base class of python-script actions: override run(**parameters).

    Return a value (the result), or a (succeeded: bool, result) tuple; raising marks the
    execution failed with the traceback in stderr.
    """

    __metaclass__ = abc.ABCMeta

    description = None

    def __init__(self, config=None, action_service=None):
        self.config = config or {}
        self.action_service = action_service
        name = "%s.%s" % (type(self).__module__, type(self).__name__)
        self.logger = (
            action_service.get_logger(name)
            if action_service is not None and hasattr(action_service, "get_logger")
            else logging.getLogger(name)
        )

    def run(self, **kwargs):
        raise NotImplementedError("%s must implement run()" % type(self).__name__)
