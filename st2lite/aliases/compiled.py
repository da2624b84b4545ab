"""Compile every representation of an alias once, with a clear error for a bad one."""

import re
from functools import lru_cache

from .errors import AliasValidationError
from .parser import CompiledFormat


@lru_cache(maxsize=1024)
def _compile(format_string):
    return CompiledFormat(format_string)


def compile_representation(format_string, where):
    """CompiledFormat for ``format_string``; ``where`` names it in the error message."""
    try:
        return _compile(format_string)
    except re.error as error:
        raise AliasValidationError(
            '%s: "%s" is not a valid alias format (%s); escape regex characters such as '
            "( ) [ ] ? * + with a backslash, and use each {{ parameter }} name once"
            % (where, format_string, error.msg)
        ) from None
