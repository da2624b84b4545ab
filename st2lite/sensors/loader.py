"""Imports a pack sensor's class from its file, as StackStorm's sensor wrapper does: the pack's
lib directories and the sensor's own directory are importable, and `st2reactor` resolves to
st2lite's compatible modules when the real StackStorm is not installed."""

import importlib.util
import os
import re
import sys
import threading

from st2lite.compat import COMPAT_DIR

__all__ = ["load_sensor_class", "SensorLoadError", "is_polling_sensor_class"]

_IMPORT_LOCK = threading.Lock()
_LOADED = {}  # sensor file path -> its module


class SensorLoadError(Exception):
    """A sensor that cannot be loaded: "FILE: reason" on one line."""


def _ensure_on_path(directory, front):
    if directory and directory not in sys.path:
        if front:
            sys.path.insert(0, directory)
        else:
            sys.path.append(directory)


def _prepare_path(sensor):
    # Appended, not prepended: a real StackStorm installation, when present, wins.
    _ensure_on_path(COMPAT_DIR, front=False)
    for directory in reversed(list(sensor.get("lib_paths") or [])):
        _ensure_on_path(directory, front=True)
    _ensure_on_path(os.path.dirname(sensor["entry_point"]), front=True)


def _module_name(sensor):
    stem = os.path.splitext(os.path.basename(sensor["entry_point"]))[0]
    return re.sub(r"\W", "_", "st2lite_sensor_%s_%s" % (sensor.get("pack", ""), stem))


def _one_line(error):
    text = ("%s: %s" % (type(error).__name__, error)).strip()
    return " ".join(text.split())


def load_sensor_class(sensor):
    """The class named sensor["class_name"] in sensor["entry_point"]; SensorLoadError if not."""
    path = sensor["entry_point"]
    if not os.path.isfile(path):
        raise SensorLoadError("%s: file not found; check the sensor's entry_point" % path)
    with _IMPORT_LOCK:
        _prepare_path(sensor)
        module = _LOADED.get(path)
        if module is None:
            module = _LOADED[path] = _import(_module_name(sensor), path)
    sensor_class = getattr(module, sensor["class_name"], None)
    if not isinstance(sensor_class, type):
        raise SensorLoadError(
            '%s: no class named "%s"; check class_name in the sensor metadata'
            % (path, sensor["class_name"])
        )
    return sensor_class


def _import(name, path):
    """Executes the sensor file as a module, once per file (several sensors may share one)."""
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    except BaseException as error:  # SyntaxError, ImportError, SystemExit from pack code...
        sys.modules.pop(name, None)
        if isinstance(error, KeyboardInterrupt):
            raise
        raise SensorLoadError("%s: import failed: %s" % (path, _one_line(error))) from error


def is_polling_sensor_class(sensor_class):
    return callable(getattr(sensor_class, "poll", None))
