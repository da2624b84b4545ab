"""Errors raised by the alias library; each carries one line a person can act on."""


class AliasError(Exception):
    """Base class: ``message`` is the single line the CLI prints."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class AliasValidationError(AliasError):
    """An alias definition (or one of its formats) is not valid: "file: field: reason"."""


class _MatchFailure(AliasError):
    kind = ""

    def __init__(self, message, candidates):
        super().__init__(message)
        self.candidates = candidates

    def to_dict(self):
        """The JSON the CLI prints: {"error", "message", "candidates"}."""
        return {"error": self.kind, "message": self.message, "candidates": self.candidates}


class NoMatch(_MatchFailure):
    """No enabled alias format matches the command; ``candidates`` holds close formats."""

    kind = "no match"


class AmbiguousMatch(_MatchFailure):
    """More than one alias format matches the command; ``candidates`` holds all of them."""

    kind = "ambiguous"


class FormatMismatch(Exception):
    """Internal: a command does not fit one format (StackStorm's ParseException)."""
