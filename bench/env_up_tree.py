"""A synthetic app tree for the env_up benchmark, and the schedule times it is measured against.

    tree = make_tree(dest_dir, apps=40, levels=5, build_seconds=1.0, start_seconds=1.0)
    critical_path(tree)        # ideal wall time: all builds at once, each app started when its deps are healthy
    wave_schedule_time(tree)   # all builds, then one level after the other

`make_tree` writes under dest_dir:
    repos/<app>/          one git repository per app (branch main): build.sh and server.py
    registry/apps/*.yaml  the apps, in the registry format of DESIGN.md section 3
    registry/envs/bench.yaml
    bench_tree.json       the DAG and each app's build and start times (read back by load_tree)

Apps form a DAG `levels` deep: every app of level L > 0 depends on one app of level L-1 (so the
longest chain is exactly `levels` apps) and on up to two more of lower levels. Each app's build
sleeps, then assembles dist/; its server sleeps, then listens on $PORT0 and answers /health.
Each app's times are the given means times a factor drawn from [1 - spread, 1 + spread] (seeded,
so the same arguments give the same tree): with spread > 0 the dependency-driven schedule beats
the wave schedule, which waits for the slowest app of every level. Pure standard library.
"""

import argparse
import json
import random
import shlex
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

MANIFEST_NAME = "bench_tree.json"
ENV_NAME = "bench"
BRANCH = "main"
MAX_EXTRA_DEPENDENCIES = 2
GIT_IDENTITY = [
    "-c",
    "user.name=qaeci bench",
    "-c",
    "user.email=bench@qaeci.invalid",
    "-c",
    "commit.gpgsign=false",
]
GIT_TIMEOUT_SECONDS = 60
# The servers run on this interpreter, not on whatever `python3` the PATH finds: behind a
# version manager's shim (pyenv's is a shell script that forks about 35 shells per start) that
# would add the shim's CPU to every start, which is no part of the set start time.
APP_INTERPRETER = shlex.quote(sys.executable)

BUILD_SCRIPT = """#!/bin/sh
# Synthetic build: take the set time, then assemble dist/.
set -eu
sleep "$1"
rm -rf dist
mkdir -p dist
cp server.py dist/server.py
"""

SERVER_SCRIPT = '''"""Synthetic app: take the set start-up time from its launch, then answer /health on $PORT0."""
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer


def seconds_since_launch():
    """How long ago this process was launched: the interpreter's own start-up (a version
    manager's shim, imports) is part of the set start time, not added to it."""
    try:
        with open("/proc/self/stat") as f:
            started_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return max(0.0, uptime - started_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return 0.0


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        status = 200 if self.path.split("?", 1)[0] == "/health" else 404
        body = b"ok\\n" if status == 200 else b"not found\\n"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


def main():
    port = os.environ.get("PORT0", "")
    if not port.isdigit():
        sys.exit("PORT0 is not set to a port number")
    time.sleep(max(0.0, float(sys.argv[1]) - seconds_since_launch()))
    HTTPServer((os.environ.get("HOST", "127.0.0.1"), int(port)), Handler).serve_forever()


if __name__ == "__main__":
    main()
'''


class BenchTreeError(Exception):
    """The synthetic tree cannot be made or read; the message says why and what to do."""


@dataclass
class BenchApp:
    code: str
    level: int
    depends_on: List[str]
    build_factor: float
    start_factor: float


@dataclass
class BenchTree:
    root: Path
    build_seconds: float
    start_seconds: float
    apps: Dict[str, BenchApp] = field(default_factory=dict)

    @property
    def registry_path(self) -> Path:
        return self.root / "registry"

    @property
    def env_name(self) -> str:
        return ENV_NAME

    def build_time(self, code: str, mean: Optional[float] = None) -> float:
        return (self.build_seconds if mean is None else mean) * self.apps[code].build_factor

    def start_time(self, code: str, mean: Optional[float] = None) -> float:
        return (self.start_seconds if mean is None else mean) * self.apps[code].start_factor


# --- the DAG -------------------------------------------------------------------------------------


def app_code(level: int, index: int) -> str:
    return f"bench_l{level}_{index:02d}"


def level_sizes(apps: int, levels: int) -> List[int]:
    """Spread apps over levels as evenly as possible, the first levels taking the remainder."""
    return [apps // levels + (1 if level < apps % levels else 0) for level in range(levels)]


def plan_dag(apps: int, levels: int, spread: float, seed: int) -> Dict[str, BenchApp]:
    if levels < 1 or apps < levels:
        raise BenchTreeError(
            f"cannot make {apps} apps {levels} levels deep; give levels >= 1 and apps >= levels"
        )
    if not 0 <= spread < 1:
        raise BenchTreeError(f"spread {spread} is out of range; give 0 <= spread < 1")
    rng = random.Random(seed)
    factor = lambda: round(rng.uniform(1 - spread, 1 + spread), 3)  # noqa: E731
    planned: Dict[str, BenchApp] = {}
    by_level: List[List[str]] = []
    for level, size in enumerate(level_sizes(apps, levels)):
        codes = [app_code(level, index) for index in range(size)]
        for code in codes:
            deps = []
            if level > 0:
                deps.append(rng.choice(by_level[level - 1]))
                lower = [c for lower_level in by_level for c in lower_level if c not in deps]
                deps += rng.sample(lower, min(len(lower), rng.randint(0, MAX_EXTRA_DEPENDENCIES)))
            planned[code] = BenchApp(code, level, sorted(deps), factor(), factor())
        by_level.append(codes)
    return planned


# --- writing the tree ----------------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *args],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
        )
    except FileNotFoundError as error:
        raise BenchTreeError("git is not installed; install the git package") from error
    if done.returncode != 0:
        raise BenchTreeError(f"git {' '.join(args)} failed in {repo}: {done.stderr.strip()}")
    return done.stdout


def write_repo(repo: Path) -> None:
    repo.mkdir(parents=True)
    (repo / "build.sh").write_text(BUILD_SCRIPT, encoding="utf-8")
    (repo / "server.py").write_text(SERVER_SCRIPT, encoding="utf-8")
    (repo / ".gitignore").write_text("dist/\n", encoding="utf-8")
    git(repo, "init", "-q")
    git(repo, "symbolic-ref", "HEAD", f"refs/heads/{BRANCH}")
    git(repo, "add", "--all")
    git(repo, *GIT_IDENTITY, "commit", "-q", "-m", "bench: synthetic app")


def yaml_list(items: List[str]) -> str:
    return "[" + ", ".join(json.dumps(item) for item in items) + "]"


def app_yaml(app: BenchApp, repo: Path, build_seconds: float, start_seconds: float) -> str:
    return "\n".join(
        [
            f"# Synthetic app of level {app.level}: build {build_seconds:.3f}s, start {start_seconds:.3f}s.",
            f"app_code: {app.code}",
            "scm:",
            f"  url: {json.dumps(repo.as_uri())}",
            f"  branch: {BRANCH}",
            "build:",
            "  method: shell",
            f"  command: {json.dumps(f'sh build.sh {build_seconds:.3f}')}",
            "  artifact: dist/",
            "runtime:",
            "  type: command",
            f"  command: {json.dumps(f'{APP_INTERPRETER} server.py {start_seconds:.3f}')}",
            "  cpus: 0.1",
            "  mem: 32",
            "  instances: 1",
            "  config_templates: []",
            f"check: {{urls: [/health], timeout: {int(start_seconds * 4) + 30}}}",
            f"depends_on: {yaml_list(app.depends_on)}",
            "services: []",
            "",
        ]
    )


def env_yaml(codes: List[str]) -> str:
    lines = [f"name: {ENV_NAME}", "deploy_type: dev", "managers: [bench]", "services: {}", "apps:"]
    return "\n".join(lines + [f"  {code}: {{}}" for code in codes] + [""])


def write_manifest(tree: BenchTree) -> None:
    manifest = {
        "build_seconds": tree.build_seconds,
        "start_seconds": tree.start_seconds,
        "apps": [asdict(app) for app in tree.apps.values()],
    }
    (tree.root / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")


def make_tree(
    dest_dir: Union[str, Path],
    apps: int = 40,
    levels: int = 5,
    build_seconds: float = 1.0,
    start_seconds: float = 1.0,
    spread: float = 0.5,
    seed: int = 1,
) -> BenchTree:
    """Write the synthetic registry, repositories and manifest into dest_dir (new or empty)."""
    root = Path(dest_dir).expanduser().resolve()
    if root.exists() and any(root.iterdir()):
        raise BenchTreeError(f"{root} is not empty; give make_tree a new or empty directory")
    tree = BenchTree(
        root, float(build_seconds), float(start_seconds), plan_dag(apps, levels, spread, seed)
    )
    for app in tree.apps.values():
        repo = root / "repos" / app.code
        write_repo(repo)
        target = tree.registry_path / "apps" / f"{app.code}.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            app_yaml(app, repo, tree.build_time(app.code), tree.start_time(app.code)),
            encoding="utf-8",
        )
    (tree.registry_path / "envs").mkdir(parents=True, exist_ok=True)
    (tree.registry_path / "envs" / f"{ENV_NAME}.yaml").write_text(
        env_yaml(list(tree.apps)), encoding="utf-8"
    )
    write_manifest(tree)
    return tree


def load_tree(dest_dir: Union[str, Path]) -> BenchTree:
    root = Path(dest_dir).expanduser().resolve()
    try:
        manifest = json.loads((root / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BenchTreeError(
            f"{root / MANIFEST_NAME} cannot be read ({error}); make the tree with make_tree"
        ) from error
    apps = {entry["code"]: BenchApp(**entry) for entry in manifest["apps"]}
    return BenchTree(root, manifest["build_seconds"], manifest["start_seconds"], apps)


# --- schedule times ------------------------------------------------------------------------------


def as_tree(tree: Union[BenchTree, str, Path]) -> BenchTree:
    return tree if isinstance(tree, BenchTree) else load_tree(tree)


def depth_levels(tree: BenchTree) -> Dict[str, int]:
    """Each app's level as a scheduler sees it: 0 without deps, else 1 + the deepest dependency's."""
    levels: Dict[str, int] = {}

    def level_of(code: str, trail: Tuple[str, ...]) -> int:
        if code in trail:
            raise BenchTreeError(f"dependency cycle: {' -> '.join(trail + (code,))}")
        if code not in levels:
            deps = tree.apps[code].depends_on
            levels[code] = 1 + max(level_of(d, trail + (code,)) for d in deps) if deps else 0
        return levels[code]

    for code in tree.apps:
        level_of(code, ())
    return levels


def critical_path(
    tree: Union[BenchTree, str, Path],
    build_seconds: Optional[float] = None,
    start_seconds: Optional[float] = None,
) -> float:
    """Ideal wall time: every app built at once from t=0, each started as soon as it is built and all
    its own dependencies are healthy, healthy once its start time has passed. The means default to
    the tree's; other means scale every app's time alike."""
    return max(ideal_healthy_times(tree, build_seconds, start_seconds).values())


def ideal_healthy_times(
    tree: Union[BenchTree, str, Path],
    build_seconds: Optional[float] = None,
    start_seconds: Optional[float] = None,
) -> Dict[str, float]:
    """{app: when it is healthy in the critical-path schedule}."""
    tree = as_tree(tree)
    healthy_at: Dict[str, float] = {}
    for code in sorted(tree.apps, key=depth_levels(tree).__getitem__):
        deps_ready = max((healthy_at[d] for d in tree.apps[code].depends_on), default=0.0)
        start = max(tree.build_time(code, build_seconds), deps_ready)
        healthy_at[code] = start + tree.start_time(code, start_seconds)
    return healthy_at


def wave_schedule_time(
    tree: Union[BenchTree, str, Path],
    build_seconds: Optional[float] = None,
    start_seconds: Optional[float] = None,
) -> float:
    """Wall time of the wave schedule: all builds at once, then each level started together once the
    previous level is entirely healthy."""
    tree = as_tree(tree)
    levels = depth_levels(tree)
    total = max(tree.build_time(code, build_seconds) for code in tree.apps)
    for level in range(max(levels.values()) + 1):
        total += max(
            tree.start_time(code, start_seconds) for code in tree.apps if levels[code] == level
        )
    return total


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Write the env_up benchmark's synthetic app tree.")
    parser.add_argument("dest_dir")
    parser.add_argument("--apps", type=int, default=40)
    parser.add_argument("--levels", type=int, default=5)
    parser.add_argument("--build-seconds", type=float, default=1.0)
    parser.add_argument("--start-seconds", type=float, default=1.0)
    parser.add_argument("--spread", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    try:
        tree = make_tree(
            args.dest_dir,
            args.apps,
            args.levels,
            args.build_seconds,
            args.start_seconds,
            args.spread,
            args.seed,
        )
    except BenchTreeError as error:
        print(f"env_up_tree: error: {error}", file=sys.stderr)
        return 2
    print(f"registry: {tree.registry_path} (env template {tree.env_name!r}, {len(tree.apps)} apps)")
    print(f"critical path: {critical_path(tree):.2f} s")
    print(f"wave schedule: {wave_schedule_time(tree):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
