"""st2lite's compatible subset of StackStorm's st2common, for pack code."""

__version__ = "3.8.0"
