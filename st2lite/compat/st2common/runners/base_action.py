"""`from st2common.runners.base_action import Action`, as StackStorm's python runner provides it."""

import abc

from st2common.runners.utils import get_logger_for_python_runner_action


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
        wrapper = getattr(action_service, "_action_wrapper", None)
        self.logger = get_logger_for_python_runner_action(
            action_name=type(self).__name__, log_level=getattr(wrapper, "_log_level", "debug")
        )

    def run(self, **kwargs):
        raise NotImplementedError("%s must implement run()" % type(self).__name__)
