"""`st2lite serve`: sensors, timers, the rules engine, the action runner and StackStorm's REST API
(auth, API, stream) in one process."""

import logging
import os
import re
import signal
import threading

from st2lite.cli.context import runtime_for
from st2lite.cli.errors import UsageError

STOP_TIMEOUT_SECONDS = 10
ORIGIN = re.compile(r"^https?://[^/\s]+$")


def register(sub, common):
    serve = sub.add_parser(
        "serve", parents=[common], help="run sensors, timers, rules and the REST API"
    )
    serve.add_argument(
        "--bind",
        metavar="HOST:PORT",
        help="one port for /auth/v1, /api/v1 and /stream/v1 (as StackStorm behind "
        "its nginx); default: loopback ports 9100 auth, 9101 API, 9102 stream",
    )
    serve.add_argument(
        "--no-auth",
        action="store_true",
        help="answer without credentials (loopback addresses only)",
    )
    for service, port in (("auth", 9100), ("api", 9101), ("stream", 9102)):
        serve.add_argument(
            "--%s-port" % service,
            type=int,
            default=port,
            metavar="PORT",
            help="loopback port of the %s service without --bind (0: any free port)" % service,
        )
    serve.add_argument(
        "--heartbeat",
        type=float,
        default=25,
        metavar="SECONDS",
        help="seconds between keep-alive lines on idle streams",
    )
    serve.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="an origin whose pages may call the API with credentials (CORS), e.g. "
        "st2web's http://HOST:PORT; repeatable, * for any; http://127.0.0.1:8080, "
        "http://localhost:8080 and http://127.0.0.1:3000 always may, as on StackStorm",
    )
    serve.set_defaults(handler=cmd_serve)


def cmd_serve(args):
    from st2lite.inquiries import ExpiryWatch, InquiryService, in_background
    from st2lite.rules.timers import TimerScheduler
    from st2lite.sensors.container import SensorContainer

    _check_api_options(args)  # bad options are refused before anything starts
    runtime = runtime_for(args)
    _log_to_state(runtime.state_dir)
    log = logging.getLogger("st2lite.serve")
    for problem in runtime.content.problems:
        log.warning("skipped: %s", problem)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    def dispatch(trigger, payload, trace_tag=None):
        return runtime.dispatch_trigger(trigger, payload or {}, trace_tag=trace_tag)

    server = _start_api(args, runtime)
    sensors = [dict(s, config=runtime.pack_config(s["pack"])) for s in runtime.content.sensors]
    container = SensorContainer(
        sensors, dispatch, runtime.sensor_datastore, lambda name: logging.getLogger(name)
    )
    timers = TimerScheduler(runtime.content.rules, dispatch)
    expiry = ExpiryWatch(InquiryService(runtime, in_background(runtime)))
    container.start()
    timers.start()
    expiry.start()
    log.info("serving %d sensor(s), %d rule(s)", len(sensors), len(runtime.content.rules))
    print(
        "st2lite serve: %d sensor(s), %d rule(s); state in %s"
        % (
            len([s for s in sensors if s.get("enabled", True)]),
            len(runtime.content.rules),
            runtime.state_dir,
        ),
        flush=True,
    )
    urls = server.urls()
    runtime.runtimes.publish_api_url(runtime.registration, _reachable_here(urls["api"]))
    print(
        "st2lite serve: API %s, auth %s, stream %s%s"
        % (urls["api"], urls["auth"], urls["stream"], " (auth off)" if args.no_auth else ""),
        flush=True,
    )
    while not stop.wait(0.5):
        pass
    server.stop()
    timers.stop()
    expiry.stop()
    container.stop()
    runtime.wait_background(STOP_TIMEOUT_SECONDS)
    print("st2lite serve: stopped", flush=True)
    return 0


def _check_api_options(args):
    """--bind is HOST:PORT, ports are ports, --no-auth only on loopback addresses."""
    from st2lite.api.server import BindError, is_loopback, parse_bind

    if args.bind:
        try:
            host, _port = parse_bind(args.bind)
        except BindError as e:
            raise UsageError(str(e)) from e
        if args.no_auth and not is_loopback(host):
            raise UsageError(
                "--no-auth serves anyone who can connect: it is refused on %s; bind "
                "a loopback address (127.0.0.1:PORT) or leave auth on" % host
            )
    for service in ("auth", "api", "stream"):
        port = getattr(args, "%s_port" % service)
        if not 0 <= port <= 65535:
            raise UsageError("invalid --%s-port %d: use 0 to 65535" % (service, port))
    if args.heartbeat <= 0:
        raise UsageError("--heartbeat must be a positive number of seconds")
    for origin in args.allow_origin:
        if origin != "*" and not ORIGIN.match(origin):
            raise UsageError(
                "invalid --allow-origin %r: write SCHEME://HOST[:PORT] without a path, "
                "e.g. http://127.0.0.1:8080, or * for any origin" % origin
            )


def _start_api(args, runtime):
    from st2lite.api.app import ApiApp
    from st2lite.api.server import ApiServer, BindError

    app = ApiApp(
        runtime,
        auth_enabled=not args.no_auth,
        heartbeat_seconds=args.heartbeat,
        allow_origins=args.allow_origin,
    )
    server = ApiServer(
        app,
        bind=args.bind,
        ports={"auth": args.auth_port, "api": args.api_port, "stream": args.stream_port},
    )
    try:
        server.start()
    except BindError as e:
        raise UsageError(str(e)) from e
    return server


def _reachable_here(url):
    """URL with a wildcard host (--bind 0.0.0.0:PORT) turned into loopback: the address actions
    on this machine call."""
    for wildcard, loopback in (("//0.0.0.0:", "//127.0.0.1:"), ("//[::]:", "//[::1]:")):
        url = url.replace(wildcard, loopback, 1)
    return url


def _log_to_state(state_dir):
    log_dir = os.path.join(state_dir, "logs")
    os.makedirs(log_dir, exist_ok=True)
    handler = logging.FileHandler(os.path.join(log_dir, "serve.log"))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
