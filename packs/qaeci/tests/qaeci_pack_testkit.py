"""What the pack's tests share: a scratch site made from the fixtures (git repositories, the app
tree pointing at them, a work_dir and a file:// artifact store), running this pack's actions on
it, and reading the pack's own metadata (actions, workflows, aliases, policies).

Fixtures:
  fixtures/repos/APP/BRANCH/   one tree per branch; each APP becomes a git repository APP.git
                               whose branch BRANCH holds exactly that tree
  fixtures/registry/           the app tree; "{repos}" in a URL is where the repositories are
  fixtures/bad_registry/       an app tree with one invalid file (apps/worker.yaml)
  fixtures/config.yaml         the pack config; the harness sets its paths to the scratch site

Only st2tests' public API is used (BaseActionTestCase, action_service, get_fixture_content), so
the tests run the same under StackStorm's st2-run-pack-tests.
"""

import glob
import os
import shutil
import subprocess
import tempfile

import yaml
from st2tests.base import BaseActionTestCase

PACK_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
FIXTURES = os.path.join(PACK_DIR, "tests", "fixtures")
PACK_REF = "qaeci"
# Fixed identity and dates: commits need them, and the tests must not depend on HOME's git config.
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "qaeci tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "qaeci tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z",
}


def git(*args, **kwargs):
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", **GIT_IDENTITY)
    env.update(kwargs.pop("env", {}))
    return subprocess.run(
        ["git"] + list(args),
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        **kwargs,
    ).stdout.strip()


def make_repositories(target):
    """fixtures/repos/APP/BRANCH/ -> TARGET/APP.git with one root commit per branch."""
    os.makedirs(target)
    for app_dir in sorted(glob.glob(os.path.join(FIXTURES, "repos", "*"))):
        repo = os.path.join(target, os.path.basename(app_dir) + ".git")
        git("init", "--quiet", "--bare", "--template=", repo)
        for branch_dir in sorted(glob.glob(os.path.join(app_dir, "*"))):
            branch = os.path.basename(branch_dir)
            index = {
                "GIT_DIR": repo,
                "GIT_WORK_TREE": branch_dir,
                "GIT_INDEX_FILE": os.path.join(repo, "index-" + branch),
            }
            git("add", "--all", ".", env=index, cwd=branch_dir)
            tree = git("write-tree", env=index)
            commit = git(
                "commit-tree",
                tree,
                "-m",
                "%s on %s" % (os.path.basename(app_dir), branch),
                env=index,
            )
            git("--git-dir", repo, "update-ref", "refs/heads/" + branch, commit)
        git("--git-dir", repo, "symbolic-ref", "HEAD", "refs/heads/master")
    return target


def copy_registry(source, target, repos):
    """The app tree at SOURCE, with "{repos}" in its files replaced by REPOS."""
    for path in glob.glob(os.path.join(source, "*", "*.yaml")):
        relative = os.path.relpath(path, source)
        os.makedirs(os.path.join(target, os.path.dirname(relative)), exist_ok=True)
        with open(path) as original, open(os.path.join(target, relative), "w") as copy:
            copy.write(original.read().replace("{repos}", repos))
    return target


def commit_of(repos, app, branch):
    return git("--git-dir", os.path.join(repos, app + ".git"), "rev-parse", branch)


class QaeciActionTestCase(BaseActionTestCase):
    """An action of this pack on a scratch site: the fixture repositories and app tree are
    made once per test class; each test gets its own work_dir, artifact store and datastore."""

    @classmethod
    def setUpClass(cls):
        super(QaeciActionTestCase, cls).setUpClass()
        # Short: supervisord's socket lives under work_dir and unix socket paths are limited.
        cls.site = tempfile.mkdtemp(prefix="qaeci-pack-")
        cls.repos = make_repositories(os.path.join(cls.site, "repos"))
        cls.registry = copy_registry(
            os.path.join(FIXTURES, "registry"), os.path.join(cls.site, "registry"), cls.repos
        )

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.site, ignore_errors=True)
        super(QaeciActionTestCase, cls).tearDownClass()

    def setUp(self):
        super(QaeciActionTestCase, self).setUp()
        self.scratch = tempfile.mkdtemp(prefix="t", dir=self.site)
        self.addCleanup(shutil.rmtree, self.scratch, True)
        self.work_dir = os.path.join(self.scratch, "work")
        self.store_dir = os.path.join(self.scratch, "store")

    def config(self, **overrides):
        config = yaml.safe_load(self.get_fixture_content("config.yaml"))
        config.update(
            registry_path=self.registry,
            work_dir=self.work_dir,
            artifact_store="file://" + self.store_dir,
        )
        config.update(overrides)
        return config

    def run_action(self, action_cls, config=None, **parameters):
        """Run another action of the pack on this test's site and datastore, as a workflow
        step would: (ok, result)."""
        action = action_cls(config=config or self.config(), action_service=self.action_service)
        return action.run(**parameters)

    def run_ok(self, action_cls, **parameters):
        ok, result = self.run_action(action_cls, **parameters)
        self.assertTrue(ok, "%s failed: %s" % (action_cls.__name__, result))
        return result

    def assertRefused(self, outcome, message):
        """The action failed with exactly this one-line error."""
        ok, result = outcome
        self.assertFalse(ok, result)
        self.assertEqual(result["error"], message)

    def artifacts(self):
        """Keys of everything in the artifact store."""
        found = []
        for folder, _, files in os.walk(self.store_dir):
            found += [os.path.relpath(os.path.join(folder, name), self.store_dir) for name in files]
        return sorted(found)


# -- the pack's metadata -------------------------------------------------------------------------


def read_yaml(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


def pack_resources(folder):
    """{name: metadata} of the pack's actions, aliases or policies (one YAML file each)."""
    resources = {}
    for path in sorted(glob.glob(os.path.join(PACK_DIR, folder, "*.yaml"))):
        meta = read_yaml(path)
        resources[meta["name"]] = dict(meta, metadata_file=os.path.relpath(path, PACK_DIR))
    return resources


def actions():
    return pack_resources("actions")


def workflow_definition(action):
    """The Orquesta definition an orquesta action's entry_point names."""
    return read_yaml(os.path.join(PACK_DIR, "actions", action["entry_point"]))


def alias_format_strings(alias):
    """What a chat command is matched against: each plain format and each representation."""
    strings = []
    for entry in alias.get("formats") or []:
        if isinstance(entry, dict):
            representation = entry.get("representation") or []
            strings += [representation] if isinstance(representation, str) else representation
        else:
            strings.append(entry)
    return strings
