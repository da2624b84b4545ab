"""MockActionService: `self.action_service` of a python-runner action under test - the
datastore methods of StackStorm's ActionService over an in-memory MockDatastoreService, and a
Mock logger a test can assert calls on."""

from logging import RootLogger
from unittest.mock import Mock

from st2tests.mocks.datastore import MockDatastoreService

from st2lite.store.datastore import SYSTEM_SCOPE

__all__ = ["MockActionWrapper", "MockActionService"]


class MockActionWrapper(object):
    def __init__(self, pack, class_name):
        self._pack = pack
        self._class_name = class_name


class MockActionService(object):
    def __init__(self, action_wrapper):
        self._action_wrapper = action_wrapper
        self._logger = Mock(spec=RootLogger)
        self._datastore_service = MockDatastoreService(
            logger=self._logger,
            pack_name=action_wrapper._pack,
            class_name=action_wrapper._class_name,
        )

    @property
    def datastore_service(self):
        return self._datastore_service

    def get_user_info(self):
        return self._datastore_service.get_user_info()

    def list_values(self, local=True, prefix=None):
        return self._datastore_service.list_values(local=local, prefix=prefix)

    def get_value(self, name, local=True, scope=SYSTEM_SCOPE, decrypt=False):
        return self._datastore_service.get_value(name, local=local, scope=scope, decrypt=decrypt)

    def set_value(self, name, value, ttl=None, local=True, scope=SYSTEM_SCOPE, encrypt=False):
        return self._datastore_service.set_value(
            name, value, ttl=ttl, local=local, scope=scope, encrypt=encrypt
        )

    def delete_value(self, name, local=True, scope=SYSTEM_SCOPE):
        return self._datastore_service.delete_value(name, local=local, scope=scope)
