"""Action aliases: StackStorm's chat-command matching, parameter extraction and messages."""
from .errors import AliasError, AliasValidationError, AmbiguousMatch, NoMatch
from .matcher import AliasMatch, match_command
from .parser import extract_parameters

__all__ = ["AliasError", "AliasMatch", "AliasValidationError", "AmbiguousMatch", "NoMatch",
           "extract_parameters", "match_command"]
