"""Identifiers shaped like StackStorm's (MongoDB ObjectIds: 24 hex digits, time-ordered)."""

import os
import struct
import time


def new_id():
    return (struct.pack(">I", int(time.time())) + os.urandom(8)).hex()


def utc_now_iso():
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".%06dZ" % int((now % 1) * 1e6)
