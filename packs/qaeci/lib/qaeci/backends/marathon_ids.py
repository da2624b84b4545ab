"""Marathon ids of qaeci's apps: `/qaeci/ENV/APP` for apps, `/qaeci/ENV/svc.NAME` for base services.

Marathon's id rules (mesosphere/marathon `state/PathId.scala`, 1.x): every `/`-separated segment
must fully match ID_SEGMENT (lower-case letters, digits, `-` inside, `.` between labels), and an
app id must not end with a reserved word. App codes (`[a-z][a-z0-9_]{1,39}`) may hold `_`, which
Marathon forbids, and never hold `-`: mapping `_` to `-` is one-to-one and reversible (the
`qaeci.app` label keeps the code as well). Service segments carry a `.`, which no mapped code has,
so an app can never take a service's id.

Marathon before 0.16 mishandled ids that repeat a path segment (`/abc/test/abc/123` created an
empty deployment: mesosphere/marathon#2855); such ids are refused here so they never reach a
Marathon that still has the defect.
"""

import re

from qaeci.backends.base import BackendError

ROOT = "qaeci"
SERVICE_PREFIX = "svc."
ID_SEGMENT = re.compile(
    r"^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*"
    r"([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])$"
)
RESERVED_LAST_SEGMENTS = ("restart", "tasks", "versions")
APP_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def app_segment(code):
    """The Marathon segment of an app code (`f_tts_java` -> `f-tts-java`)."""
    if not APP_CODE.match(code or ""):
        raise BackendError(
            "app code %r cannot be deployed to Marathon: codes are a lower-case "
            "letter then 1-39 lower-case letters, digits or '_'" % (code,)
        )
    if code.endswith("_"):
        raise BackendError(
            "app code %r ends with '_', which becomes '-' in its Marathon id and "
            "Marathon refuses ids ending with '-'; fix: rename the app without the "
            "trailing '_'" % code
        )
    return code.replace("_", "-")


def app_code(segment):
    """The app code of a Marathon segment (the inverse of app_segment)."""
    return segment.replace("-", "_")


def env_group(env):
    return check_id("/%s/%s" % (ROOT, env))


def app_id(env, code):
    return check_id("/%s/%s/%s" % (ROOT, env, app_segment(code)))


def service_id(env, name):
    return check_id("/%s/%s/%s%s" % (ROOT, env, SERVICE_PREFIX, name))


def parse_app_id(marathon_id):
    """(env, app code) or (env, "svc.NAME" for a service) of one of our ids; None otherwise."""
    parts = marathon_id.strip("/").split("/")
    if len(parts) != 3 or parts[0] != ROOT:
        return None
    env, last = parts[1], parts[2]
    return env, (last if last.startswith(SERVICE_PREFIX) else app_code(last))


def is_service_segment(segment):
    return segment.startswith(SERVICE_PREFIX)


def check_id(marathon_id):
    """Refuse, in one line, an id Marathon would refuse or mishandle; return it otherwise."""
    segments = marathon_id.strip("/").split("/")
    for segment in segments:
        if not ID_SEGMENT.match(segment):
            raise BackendError(
                "Marathon id %s is not valid: segment %r must be lower-case "
                "letters, digits, '-' and '.', starting and ending with a letter "
                "or digit; fix: rename the environment or app" % (marathon_id, segment)
            )
    if segments[-1] in RESERVED_LAST_SEGMENTS:
        raise BackendError(
            "Marathon id %s ends with %r, which Marathon reserves (%s); fix: rename "
            "the app" % (marathon_id, segments[-1], ", ".join(RESERVED_LAST_SEGMENTS))
        )
    repeated = sorted({segment for segment in segments if segments.count(segment) > 1})
    if repeated:
        raise BackendError(
            "Marathon id %s repeats the path segment %r, which Marathon mishandles "
            "(mesosphere/marathon#2855: the app is never created); fix: give the "
            "environment a name different from %r and from its apps' names"
            % (marathon_id, repeated[0], ROOT)
        )
    return marathon_id
