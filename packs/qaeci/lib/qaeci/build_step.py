"""env_up's build step (action app_build, one per app to build): build the app at its planned
commit, upload the artifact, and record the outcome, which its deploy waits for. A failed
build is recorded, not raised."""

from qaeci import build as build_mod
from qaeci.step_context import one_line, recorded_app


def build(context, env, app_code, run):
    """The build record of APP_CODE in RUN: {run, status built|failed, built, reason, ...}."""
    state = context.state(env)
    environment = state.environment()
    entry = environment["plan"][app_code]
    app = recorded_app(environment, app_code)
    state.save_build(
        app_code,
        {
            "run": run,
            "status": "building",
            "build_key": entry["build_key"],
            "commit": entry["commit"],
        },
    )
    try:
        outcome = build_mod.build_app(
            app, entry["commit"], entry["build_key"], context.store, context.config.work_dir
        )
    except Exception as error:  # record it: the deploy of this app waits for this outcome
        outcome = build_mod.BuildResult(False, entry["build_key"], "", one_line(error))
    record = {
        "run": run,
        "status": "built" if outcome.ok else "failed",
        "build_key": entry["build_key"],
        "commit": entry["commit"],
        "built": outcome.ok,
        "log_path": outcome.log_path,
        "reason": outcome.reason,
        "seconds": round(outcome.seconds, 3),
    }
    if not outcome.ok:
        record["log_tail"] = _tail_file(outcome.log_path)
    state.save_build(app_code, record)
    return record


def _tail_file(path, lines=20):
    try:
        with open(path, errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except OSError:
        return ""
