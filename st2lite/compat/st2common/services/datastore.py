"""The datastore service that StackStorm gives actions and sensors (`self.action_service`,
`self.sensor_service`): keys local to pack.Class, or global with local=False."""

from st2lite.store.datastore import SYSTEM_SCOPE

DATASTORE_KEY_SEPARATOR = ":"


class DatastoreService(object):
    def __init__(self, datastore, pack_name, class_name, logger=None):
        self._datastore = datastore
        self._prefix = "%s.%s%s" % (pack_name, class_name, DATASTORE_KEY_SEPARATOR)
        self._logger = logger

    def list_values(self, local=True, prefix=None):
        full_prefix = (self._prefix + (prefix or "")) if local else prefix
        return self._datastore.list(prefix=full_prefix)

    def get_value(self, name, local=True, scope=SYSTEM_SCOPE, decrypt=False):
        _system_only(scope)
        return self._datastore.get(self._full(name, local), scope=scope, decrypt=decrypt)

    def set_value(self, name, value, ttl=None, local=True, scope=SYSTEM_SCOPE, encrypt=False):
        _system_only(scope)
        self._datastore.set(self._full(name, local), value, scope=scope, ttl=ttl, encrypt=encrypt)
        return True

    def delete_value(self, name, local=True, scope=SYSTEM_SCOPE):
        _system_only(scope)
        return self._datastore.delete(self._full(name, local), scope=scope)

    def _full(self, name, local):
        return self._prefix + name if local else name


class ActionService(DatastoreService):
    """What `self.action_service` is in a python-script action."""

    def __init__(self, datastore, pack_name, class_name, logger, log_level="debug"):
        super(ActionService, self).__init__(datastore, pack_name, class_name, logger)
        self._action_wrapper = ActionWrapperInfo(pack_name, class_name, log_level)

    def get_logger(self, name):
        return self._logger.getChild(name.split(".")[-1]) if self._logger else None


class ActionWrapperInfo(object):
    """What an Action reads of StackStorm's action wrapper through its action service."""

    def __init__(self, pack, class_name, log_level):
        self._pack = pack
        self._class_name = class_name
        self._log_level = log_level


def _system_only(scope):
    if scope != SYSTEM_SCOPE:
        raise ValueError("Scope %s is unsupported." % scope)
