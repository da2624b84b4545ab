"""`st2lite serve`: sensors, timers, the rules engine and the action runner in one process."""
import logging
import os
import signal
import threading

from st2lite.cli.context import runtime_for

STOP_TIMEOUT_SECONDS = 10


def register(sub, common):
    serve = sub.add_parser("serve", parents=[common], help="run sensors, timers and rules")
    serve.set_defaults(handler=cmd_serve)


def cmd_serve(args):
    from st2lite.sensors.container import SensorContainer
    from st2lite.rules.timers import TimerScheduler
    from st2lite.inquiries import ExpiryWatch, InquiryService, in_background
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

    sensors = [dict(s, config=runtime.pack_config(s["pack"])) for s in runtime.content.sensors]
    container = SensorContainer(sensors, dispatch, runtime.sensor_datastore,
                                lambda name: logging.getLogger(name))
    timers = TimerScheduler(runtime.content.rules, dispatch)
    expiry = ExpiryWatch(InquiryService(runtime, in_background(runtime)))
    container.start()
    timers.start()
    expiry.start()
    log.info("serving %d sensor(s), %d rule(s)", len(sensors), len(runtime.content.rules))
    print("st2lite serve: %d sensor(s), %d rule(s); state in %s" % (
        len([s for s in sensors if s.get("enabled", True)]), len(runtime.content.rules),
        runtime.state_dir), flush=True)
    while not stop.wait(0.5):
        pass
    timers.stop()
    expiry.stop()
    container.stop()
    runtime.wait_background(STOP_TIMEOUT_SECONDS)
    print("st2lite serve: stopped", flush=True)
    return 0


def _log_to_state(state_dir):
    log_dir = os.path.join(state_dir, "logs")
    os.makedirs(log_dir, exist_ok=True)
    handler = logging.FileHandler(os.path.join(log_dir, "serve.log"))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
