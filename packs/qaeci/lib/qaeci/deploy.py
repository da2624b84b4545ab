"""Turn a built artifact into a running, checked app: unpack, render config, start, check."""

import glob
import os
import shutil
import tempfile
import time

from qaeci import build, checks, render
from qaeci.backends.base import AppSpec, BackendError
from qaeci.errors import QaeciError


class DeployError(QaeciError):
    """An app could not be deployed (stage deploy)."""


CURRENT = "current"


def runtime_command(runtime, workdir):
    """The argv that starts the app. The command text is the app owner's own (from the
    registry), run by bash so that $PORT0 and friends expand; exec keeps signals direct."""
    kind = runtime["type"]
    command = runtime.get("command")
    if kind == "command":
        if not command:
            raise DeployError(
                "runtime type command needs runtime.command; fix: add the command "
                "that starts the app on $PORT0"
            )
        return ["bash", "-c", _exec(command)]
    if kind == "python":
        return ["bash", "-c", _exec("python3 " + (command or "app.py"))]
    if kind == "static":
        return ["bash", "-c", 'exec python3 -m http.server "$PORT0" --bind "$HOST"']
    if kind == "java":
        jars = sorted(glob.glob(os.path.join(workdir, "*.jar"))) if workdir else []
        if not jars:
            raise DeployError(
                "runtime java found no .jar at the top of the artifact; fix: point "
                "build.artifact at the jar"
            )
        opts = runtime.get("java_opts", "")
        return [
            "bash",
            "-c",
            'exec java %s -Dserver.port="$PORT0" -jar %s %s'
            % (opts, _quote(os.path.basename(jars[0])), command or ""),
        ]
    raise DeployError(
        "runtime type %s is not supported by the local back end; fix: use command, "
        "python, java or static" % kind
    )


def _exec(command):
    """Let a simple command replace the shell (so stop signals reach the app itself); a compound
    one (`cd x && ./run`) runs as written."""
    if any(operator in command for operator in (";", "&", "|", "\n", "(", "`")):
        return command
    return "exec " + command


def _exited(backend, env, app_code):
    """A reason when the app's process is no longer running, else None."""
    state = backend.app_status(env, app_code)
    if state is None or state.state in ("failed", "stopped", "missing"):
        detail = state.detail if state is not None else "missing"
        return "process exited before its checks passed (%s)" % (detail or "no detail")
    return None


def _quote(text):
    return "'" + text.replace("'", "'\\''") + "'"


def prepare_release(app, key, store, work_dir, env, variables, reads=None):
    """Unpack the artifact into a release directory and render its config templates (`reads`,
    when given, receives the variables they read).

    Returns (release_dir, rendered_hash). A release is named by build key and rendered config,
    so an identical redeploy reuses it; older releases of the app are removed by `prune`.
    """
    app_dir = os.path.join(work_dir, "releases", env, app.code)
    os.makedirs(app_dir, exist_ok=True)
    staging = tempfile.mkdtemp(dir=app_dir, prefix=".staging-")
    try:
        tarball = os.path.join(staging, ".artifact.tar.gz")
        store.get(key, tarball)
        tree = os.path.join(staging, "tree")
        build.unpack(tarball, tree)
        rendered_hash = render.render_files(tree, app.config_templates, variables, app.code, reads)
        release = os.path.join(
            app_dir, "%s-%s" % (os.path.basename(key).split(".")[0][:20], rendered_hash[:12])
        )
        if not os.path.isdir(release):
            os.rename(tree, release)
        return release, rendered_hash
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def prune_releases(work_dir, env, app_code, keep):
    app_dir = os.path.join(work_dir, "releases", env, app_code)
    # .staging-* directories are what an interrupted deploy left behind.
    for path in glob.glob(os.path.join(app_dir, "*")) + glob.glob(
        os.path.join(app_dir, ".staging-*")
    ):
        if os.path.abspath(path) != os.path.abspath(keep) and os.path.basename(path) != CURRENT:
            shutil.rmtree(path, ignore_errors=True)


def remove_releases(work_dir, env, app_codes=None):
    env_dir = os.path.join(work_dir, "releases", env)
    if app_codes is None:
        shutil.rmtree(env_dir, ignore_errors=True)
        return
    for code in app_codes:
        shutil.rmtree(os.path.join(env_dir, code), ignore_errors=True)


def app_spec(
    app, env, work_dir, address, release=None, build_key=None, commit=None, deploy_type=None
):
    """What the back end runs for APP of ENV, listening at ADDRESS: always from the app's
    release link (so its config does not change with each release, and can be staged before
    the artifact exists), with the command RELEASE calls for (java needs its jar's name).
    build_key, commit and deploy_type are for cluster back ends (see AppSpec)."""
    environment = {
        "PORT0": str(address["port"]),
        "HOST": address["host"],
        "QAECI_ENV": env,
        "QAECI_APP": app.code,
    }
    if app.runtime.get("java_opts"):
        environment["JAVA_OPTS"] = app.runtime["java_opts"]
    return AppSpec(
        env,
        app.code,
        release_link(work_dir, env, app.code),
        runtime_command(app.runtime, release),
        address["port"],
        environment=environment,
        cpus=app.runtime.get("cpus", 0.5),
        mem=app.runtime.get("mem", 256),
        instances=app.runtime.get("instances", 1),
        runtime=app.runtime["type"],
        artifact_key=build_key,
        commit=commit,
        config_files=app.config_templates,
        deploy_type=deploy_type,
    )


def release_link(work_dir, env, app_code):
    """The symlink an app runs from: it names the release being started."""
    return os.path.join(work_dir, "releases", env, app_code, CURRENT)


def activate_release(work_dir, env, app_code, release):
    """Point the app's release link at RELEASE, atomically (a process already running keeps
    the directory it started in)."""
    link = release_link(work_dir, env, app_code)
    staged = link + ".new"
    if os.path.lexists(staged):
        os.unlink(staged)
    os.symlink(os.path.basename(release), staged)
    os.replace(staged, link)


def start_and_check(backend, app, spec, address, timings=None, launched=None):
    """Deploy SPEC through the back end, then poll APP's checks. Returns (stage, CheckResult):
    stage is None when healthy, else "deploy" or "check". timings, when given, gets the time
    the back end had the app launched ("launched", epoch seconds); launched, when given, is
    called then with the URL its checks go to."""
    env = spec.env
    try:
        state = backend.deploy(spec, settle=False)  # the checks tell when it is ready
    except BackendError as error:
        return "deploy", checks.CheckResult(False, str(error))
    if timings is not None:
        timings["launched"] = round(time.time(), 3)
    if state.state in ("failed", "stopped", "missing"):
        return "deploy", checks.CheckResult(
            False, "process %s: %s" % (state.state, state.detail or "exited at start")
        )
    url = checks.target_url(state, address)
    if launched is not None:
        launched(url)
    result = checks.wait_healthy(
        url, app.check_urls, app.check_timeout, gone=lambda: _exited(backend, env, app.code)
    )
    return (None if result.ok else "check"), result
