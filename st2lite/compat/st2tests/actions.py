"""BaseActionTestCase: tests of a python-runner action class (`action_cls`)."""

from st2tests.errors import PackTestSetupError
from st2tests.mocks.action import MockActionService, MockActionWrapper
from st2tests.pack_resource import BasePackResourceTestCase

__all__ = ["BaseActionTestCase"]

# StackStorm's mock services name every class under this pack, whatever pack it belongs to.
MOCK_PACK_NAME = "tests"


class BaseActionTestCase(BasePackResourceTestCase):
    action_cls = None

    def setUp(self):
        super(BaseActionTestCase, self).setUp()
        if self.action_cls is None:
            raise PackTestSetupError(
                "%s has no action_cls: set action_cls = <your Action "
                "subclass> on the test case" % type(self).__name__
            )
        wrapper = MockActionWrapper(pack=MOCK_PACK_NAME, class_name=self.action_cls.__name__)
        self.action_service = MockActionService(action_wrapper=wrapper)

    def get_action_instance(self, config=None):
        """An instance of action_cls with `config` (used as given, None included, as on
        StackStorm) and this test's action_service."""
        return _instantiate(self.action_cls, config, self.action_service)


def _instantiate(action_cls, config, action_service):
    # Actions written before action_service existed take config only; StackStorm then sets the
    # attribute after construction, and so does this.
    try:
        return action_cls(config=config, action_service=action_service)
    except TypeError as error:
        if "unexpected keyword argument 'action_service'" not in str(error):
            raise
    instance = action_cls(config=config)
    instance.action_service = action_service
    return instance
