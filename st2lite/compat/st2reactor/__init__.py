"""st2lite's stand-in for StackStorm's `st2reactor` package: what pack sensors import."""
