"""Errors raised by the alias library; each carries one line a person can act on."""


class AliasError(Exception):
    """Base class: ``message`` is the single line the CLI prints."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class AliasValidationError(AliasError):
    """An alias definition (or one of its formats) is not valid: "file: field: reason"."""


class NoMatch(AliasError):
    """No enabled alias format matches the command; ``candidates`` holds close formats."""

    def __init__(self, message, candidates):
        super().__init__(message)
        self.candidates = candidates


class AmbiguousMatch(AliasError):
    """More than one alias format matches the command; ``candidates`` holds all of them."""

    def __init__(self, message, candidates):
        super().__init__(message)
        self.candidates = candidates


class FormatMismatch(Exception):
    """Internal: a command does not fit one format (StackStorm's ParseException)."""
