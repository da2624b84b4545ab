"""`self.sensor_service` of a pack sensor: dispatching triggers, loggers, and the datastore with
StackStorm's key naming (with local=True a key lives under "PACK.ClassName:")."""

import inspect
import logging

__all__ = ["SensorService", "SYSTEM_SCOPE", "DATASTORE_KEY_SEPARATOR"]

SYSTEM_SCOPE = "system"
DATASTORE_KEY_SEPARATOR = ":"


class SensorService(object):
    """dispatch(trigger_ref, payload) sends a trigger instance on; datastore offers list_values,
    get_value, set_value and delete_value on full key names (local=False semantics)."""

    def __init__(self, pack, class_name, datastore, dispatch, logger):
        self._pack = pack
        self._class_name = class_name
        self._datastore = datastore
        self._dispatch = dispatch
        self._dispatch_takes_trace_tag = _accepts_keyword(dispatch, "trace_tag")
        self._logger = logger or logging.getLogger("st2lite.sensors.%s.%s" % (pack, class_name))

    # Triggers

    def dispatch(self, trigger, payload=None, trace_tag=None):
        """Dispatch a trigger instance of `trigger` (a "pack.name" ref) with `payload` (a dict)."""
        context = {"trace_tag": trace_tag} if trace_tag else None
        return self.dispatch_with_context(trigger, payload=payload, trace_context=context)

    def dispatch_with_context(self, trigger, payload=None, trace_context=None):
        """As dispatch(); trace_context is a dict (or object) carrying `trace_tag`."""
        if not isinstance(trigger, str) or not trigger:
            raise ValueError(
                "dispatch: trigger must be a trigger type ref such as pack.name, got %r"
                % (trigger,)
            )
        if payload is not None and not isinstance(payload, dict):
            raise ValueError(
                "dispatch: payload for %s must be a dict or None, got %s"
                % (trigger, type(payload).__name__)
            )
        self._logger.debug("Dispatching trigger %s (trace=%s)", trigger, trace_context)
        payload = payload if payload is not None else {}
        trace_tag = _trace_tag(trace_context)
        try:
            if trace_tag and self._dispatch_takes_trace_tag:
                self._dispatch(trigger, payload, trace_tag=trace_tag)
            else:
                self._dispatch(trigger, payload)
        except Exception as error:
            # On StackStorm a dispatch is a message sent on; what the rules engine makes of it
            # (an unknown trigger type, a failing rule) never breaks the sensor that sent it.
            self._logger.error("Dispatching trigger %s failed: %s", trigger, error)

    # Logging

    def get_logger(self, name):
        return self._logger.getChild(name)

    # Datastore

    @property
    def datastore_service(self):
        return self

    def list_values(self, local=True, prefix=None):
        return self._datastore.list_values(local=False, prefix=self._full_prefix(local, prefix))

    def get_value(self, name, local=True, scope=SYSTEM_SCOPE, decrypt=False):
        _require_system_scope(scope)
        key = self._full_name(name, local)
        try:
            return self._datastore.get_value(key, local=False, scope=scope, decrypt=decrypt)
        except Exception as error:  # StackStorm logs and answers None
            self._logger.exception(
                "Exception retrieving value from datastore (name=%s): %s", key, error
            )
            return None

    def set_value(self, name, value, ttl=None, local=True, scope=SYSTEM_SCOPE, encrypt=False):
        _require_system_scope(scope)
        key = self._full_name(name, local)
        self._datastore.set_value(
            key, str(value), ttl=ttl, local=False, scope=scope, encrypt=encrypt
        )
        return True

    def delete_value(self, name, local=True, scope=SYSTEM_SCOPE):
        _require_system_scope(scope)
        key = self._full_name(name, local)
        try:
            deleted = self._datastore.delete_value(key, local=False, scope=scope)
        except Exception as error:  # StackStorm logs and answers False
            self._logger.exception(
                "Exception deleting value from datastore (name=%s): %s", key, error
            )
            return False
        return deleted if isinstance(deleted, bool) else True

    def _local_prefix(self):
        return "%s.%s%s" % (self._pack, self._class_name, DATASTORE_KEY_SEPARATOR)

    def _full_name(self, name, local):
        return self._local_prefix() + name if local else name

    def _full_prefix(self, local, prefix):
        if not local:
            return prefix
        return self._local_prefix() + (prefix or "")


def _trace_tag(trace_context):
    if isinstance(trace_context, dict):
        return trace_context.get("trace_tag")
    return getattr(trace_context, "trace_tag", None)


def _accepts_keyword(function, name):
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.kind == p.VAR_KEYWORD or p.name == name for p in parameters)


def _require_system_scope(scope):
    if scope != SYSTEM_SCOPE:
        raise ValueError("Scope %s is unsupported." % scope)
