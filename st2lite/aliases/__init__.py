"""Action aliases: StackStorm's chat-command matching, parameter extraction and messages.

Pure library: callers pass alias dicts (as loaded from YAML plus "ref" and "pack") and
execution dicts; nothing here reads packs, the store or the command line.
"""

from .casting import AliasParameterError, cast_alias_parameters
from .errors import AliasError, AliasValidationError, AmbiguousMatch, NoMatch
from .formatting import render_ack, render_result
from .help import list_commands
from .matcher import AliasMatch, match_command
from .parser import extract_parameters
from .validation import validate_alias

__all__ = [
    "AliasError",
    "AliasMatch",
    "AliasParameterError",
    "AliasValidationError",
    "AmbiguousMatch",
    "NoMatch",
    "cast_alias_parameters",
    "extract_parameters",
    "list_commands",
    "match_command",
    "render_ack",
    "render_result",
    "validate_alias",
]
