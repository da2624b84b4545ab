"""The one error the pack-test base classes raise for a test case that is set up wrongly."""


class PackTestSetupError(ValueError):
    """A pack test case cannot run: a missing class attribute, an unknown alias, an unreadable
    file. A ValueError, as StackStorm's st2tests raises for the same mistakes."""
