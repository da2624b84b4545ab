"""Errors of the rules package, each a single line that names what was wrong and how to fix it."""

__all__ = ["RuleValidationError"]


class RuleValidationError(ValueError):
    """A rule file that StackStorm would refuse: "FILE: FIELD: reason"."""
