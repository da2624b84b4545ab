"""Problems found while loading packs: each names the file, the field and what to do."""


class PackError(Exception):
    """A one-line, user-facing pack problem."""


class ContentProblem(object):
    def __init__(self, path, field, reason):
        self.path = path
        self.field = field
        self.reason = reason

    def __str__(self):
        return "%s: %s: %s" % (self.path, self.field or "(file)", self.reason)

    def as_dict(self):
        return {"file": self.path, "field": self.field, "reason": self.reason}
