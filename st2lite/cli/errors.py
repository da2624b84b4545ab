"""The errors the CLI reports as one line with exit code 2 (bad input), never a traceback."""

from st2lite.packs.config import PackConfigError
from st2lite.packs.errors import PackError
from st2lite.params import ParameterError
from st2lite.runtime import RuntimeError_
from st2lite.store.datastore import DatastoreError
from st2lite.store.executions import ExecutionNotFound


class UsageError(Exception):
    pass


USER_ERRORS = (
    UsageError,
    RuntimeError_,
    ParameterError,
    DatastoreError,
    ExecutionNotFound,
    PackConfigError,
    PackError,
)
