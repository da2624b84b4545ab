"""Ids for content that lives in pack files (actions, rules, aliases...), which StackStorm keeps
in its database with ObjectIds: derived from the kind and ref, so they are stable across runs."""

import hashlib


def content_id(kind, ref):
    """A stable, ObjectId-shaped id for content that lives in files (actions, rules...)."""
    return hashlib.sha1(("%s:%s" % (kind, ref)).encode("utf-8")).hexdigest()[:24]
