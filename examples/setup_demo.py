#!/usr/bin/env python3
"""Turn the demo apps into git repositories and write a registry that points at them.

    python3 examples/setup_demo.py [--target DIR] [--apps-dir DIR] [--registry-dir DIR]

For every `apps/<code>.yaml` of the registry it mirrors `examples/apps/<code>/` into the git
repository `TARGET/git/<code>` (branch `main`) and commits, but only when the source changed, so
running it again changes nothing. It then writes `TARGET/registry/` (apps/*.yaml with `scm.url`
set to the repository's `file://` URL, envs/*.yaml as they are) and prints that path.

Python 3 standard library only; every subprocess gets an argument list, never a shell string.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parent
DEFAULT_TARGET = Path("~/.local/state/qaeci/demo")
BRANCH = "main"
SKIPPED_NAMES = {".git", "__pycache__", "node_modules"}
GIT_IDENTITY = [
    "-c",
    "user.name=qaeci demo",
    "-c",
    "user.email=demo@qaeci.invalid",
    "-c",
    "commit.gpgsign=false",
]
GIT_TIMEOUT_SECONDS = 60


class SetupError(Exception):
    """The demo could not be set up; the message says what was wrong and how to fix it."""


def git(repo, *args):
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *args],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
        )
    except FileNotFoundError as error:
        raise SetupError(
            "git is not installed; install the git package and run setup_demo.py again"
        ) from error
    except subprocess.TimeoutExpired as error:
        raise SetupError(
            f"git {' '.join(args)} in {repo} took over {GIT_TIMEOUT_SECONDS}s"
        ) from error
    if done.returncode != 0:
        detail = (
            done.stderr.strip().splitlines()[-1]
            if done.stderr.strip()
            else f"exit {done.returncode}"
        )
        raise SetupError(f"git {' '.join(args)} failed in {repo}: {detail}")
    return done.stdout


def source_files(root):
    """Relative paths of every file under root, minus VCS and cache folders."""
    found = set()
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = [name for name in subdirs if name not in SKIPPED_NAMES]
        for name in files:
            if not name.endswith(".pyc"):
                found.add(Path(directory, name).relative_to(root))
    return found


def mirror(source, repo):
    """Make the work tree of repo hold exactly the files of source."""
    wanted = source_files(source)
    for stale in source_files(repo) - wanted:
        (repo / stale).unlink()
    for relative in wanted:
        destination = repo / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / relative, destination)


def init_repo(repo):
    if (repo / ".git").is_dir():
        return
    if repo.exists() and any(repo.iterdir()):
        raise SetupError(
            f"{repo} exists and is not a git repository; remove it or pick another --target"
        )
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q")
    git(repo, "symbolic-ref", "HEAD", f"refs/heads/{BRANCH}")


def sync_repo(code, source, repo):
    """Commit source into repo when it changed; return (commit, whether a commit was made)."""
    if not source.is_dir():
        raise SetupError(
            f"no source for app {code!r}: {source} does not exist; add it or remove "
            f"apps/{code}.yaml from the registry"
        )
    init_repo(repo)
    mirror(source, repo)
    git(repo, "add", "--all")
    changed = bool(git(repo, "status", "--porcelain").strip())
    if changed:
        git(repo, *GIT_IDENTITY, "commit", "-q", "-m", f"demo: {code} from examples/apps/{code}")
    return git(repo, "rev-parse", "HEAD").strip(), changed


BLOCK_URL_LINE = re.compile(r"^(\s+url:\s*)\S.*$")
FLOW_URL = re.compile(r"^(scm:\s*\{\s*url:\s*)(\"[^\"]*\"|'[^']*'|[^,}\s]+)")


def with_scm_url(text, url, filename):
    """The app YAML text with scm.url replaced: block style (`scm:` then `  url:`) or flow style."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        flow = FLOW_URL.match(line)
        if flow:
            lines[index] = flow.group(1) + json.dumps(url) + line[flow.end() :]
            return "\n".join(lines)
        if re.match(r"^scm:\s*(#.*)?$", line):
            for inner in range(index + 1, len(lines)):
                if lines[inner] and not lines[inner][0].isspace():
                    break
                block = BLOCK_URL_LINE.match(lines[inner])
                if block:
                    lines[inner] = block.group(1) + json.dumps(url)
                    return "\n".join(lines)
    raise SetupError(
        f"{filename}: no scm.url found; give the app `scm: {{url: ..., branch: {BRANCH}}}`"
    )


def write_if_changed(path, text):
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def write_registry(registry_source, target_registry, repo_urls):
    """Copy the registry with every app's scm.url pointing at its repository."""
    written = set()
    for app_file in sorted((registry_source / "apps").glob("*.yaml")):
        text = with_scm_url(
            app_file.read_text(encoding="utf-8"), repo_urls[app_file.stem], app_file
        )
        write_if_changed(target_registry / "apps" / app_file.name, text)
        written.add(Path("apps", app_file.name))
    for env_file in sorted((registry_source / "envs").glob("*.yaml")):
        write_if_changed(
            target_registry / "envs" / env_file.name, env_file.read_text(encoding="utf-8")
        )
        written.add(Path("envs", env_file.name))
    for folder in ("apps", "envs"):
        for stale in (target_registry / folder).glob("*.yaml"):
            if Path(folder, stale.name) not in written:
                stale.unlink()


def setup_demo(
    target, apps_dir=EXAMPLES_DIR / "apps", registry_dir=EXAMPLES_DIR / "registry", log=None
):
    """Create or update the demo repositories and registry under target; return the registry path."""
    target, apps_dir, registry_dir = (
        Path(p).expanduser().resolve() for p in (target, apps_dir, registry_dir)
    )
    app_codes = sorted(path.stem for path in (registry_dir / "apps").glob("*.yaml"))
    if not app_codes:
        raise SetupError(
            f"no apps/*.yaml in {registry_dir}; pass --registry-dir pointing at a registry"
        )
    repo_urls = {}
    for code in app_codes:
        repo = target / "git" / code
        commit, changed = sync_repo(code, apps_dir / code, repo)
        repo_urls[code] = repo.as_uri()
        if log:
            log(f"{code}: {'committed' if changed else 'unchanged at'} {commit[:12]} in {repo}")
    registry = target / "registry"
    write_registry(registry_dir, registry, repo_urls)
    return registry


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Create the demo apps' git repositories and registry."
    )
    parser.add_argument(
        "--target",
        default=os.environ.get("QAECI_DEMO_DIR", str(DEFAULT_TARGET)),
        help="where git/<app> and registry/ go (default: $QAECI_DEMO_DIR or %(default)s)",
    )
    parser.add_argument(
        "--apps-dir", default=str(EXAMPLES_DIR / "apps"), help="app sources, one folder per app"
    )
    parser.add_argument(
        "--registry-dir", default=str(EXAMPLES_DIR / "registry"), help="registry to copy"
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        registry = setup_demo(
            args.target,
            args.apps_dir,
            args.registry_dir,
            log=lambda line: print(line, file=sys.stderr),
        )
    except SetupError as error:
        print(f"setup_demo: error: {error}", file=sys.stderr)
        return 2
    print(registry)
    return 0


if __name__ == "__main__":
    sys.exit(main())
