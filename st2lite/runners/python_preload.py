"""Which modules the fork server imports before forking: the wrapper's own, and the stdlib and
installed modules that the loaded packs' python code imports.

Pack code itself is never preloaded (an edited action takes effect on the next run), nor is any
module whose name a pack could resolve from its own directories: in a fresh interpreter those
directories come first on sys.path, so a cached module of the same name would shadow the pack's.
"""
import ast
import importlib
import os
import sys

WRAPPER_MODULES = ["st2lite.runners.python_wrapper", "st2lite.compat",
                   "st2common.runners.base_action", "st2common.services.datastore",
                   "st2lite.store.db", "st2lite.store.datastore"]
COMMON_MODULES = ["json", "logging", "cryptography.fernet", "yaml", "jinja2", "urllib.request",
                  "urllib.parse", "urllib.error", "http.client", "email.message", "xmlrpc.client",
                  "tarfile", "zipfile", "sqlite3", "subprocess", "socket", "ssl", "hashlib",
                  "tempfile", "shutil", "datetime", "uuid", "base64", "argparse"]
MAX_FILES = 2000
MAX_FILE_BYTES = 1000000
NEVER = {"__future__", "__main__", "antigravity", "this"}


def preload(pack_dirs):
    """Imports what actions of these packs would import; returns the names that imported."""
    from st2lite.compat import COMPAT_DIR
    from st2lite.runners.python_wrapper import add_compat
    add_compat(COMPAT_DIR)
    pack_paths = module_dirs(pack_dirs)
    wanted = [n for n in COMMON_MODULES + sorted(imported_modules(pack_paths))
              if not resolvable_in(n, pack_paths)]
    return [name for name in WRAPPER_MODULES + wanted if _try_import(name)]


def module_dirs(pack_dirs):
    """The directories a pack's python code is imported from: those holding .py files under
    actions/ (each action's own directory goes on sys.path), and lib/."""
    found = []
    for pack_dir in pack_dirs:
        lib = os.path.join(pack_dir, "lib")
        if os.path.isdir(lib):
            found.append(lib)
        for root, dirs, files in os.walk(os.path.join(pack_dir, "actions")):
            dirs[:] = [d for d in dirs if not d.startswith((".", "__pycache__"))]
            if any(f.endswith(".py") for f in files):
                found.append(root)
    return found


def imported_modules(directories):
    """Absolute module names imported anywhere in the .py files below these directories."""
    names = set()
    for path in _python_files(directories):
        try:
            with open(path, "rb") as f:
                tree = ast.parse(f.read(MAX_FILE_BYTES), path)
        except (OSError, SyntaxError, ValueError):
            continue
        names.update(_imports_of(tree))
    return names


def resolvable_in(name, directories):
    top = name.split(".")[0]
    for directory in directories:
        try:
            entries = os.listdir(directory)
        except OSError:
            continue
        if top in entries or any(e.split(".")[0] == top and e.endswith((".py", ".so", ".pyc"))
                                 for e in entries):
            return True
    return False


def _python_files(directories):
    seen = set()
    for directory in directories:
        for root, dirs, files in os.walk(directory):
            dirs[:] = [d for d in dirs if not d.startswith((".", "__pycache__"))]
            for f in files:
                path = os.path.join(root, f)
                if f.endswith(".py") and path not in seen and len(seen) < MAX_FILES:
                    seen.add(path)
                    yield path


def _imports_of(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
            for alias in node.names:
                if alias.name != "*":
                    yield node.module + "." + alias.name


def _try_import(name):
    if name.split(".")[0] in NEVER:
        return False
    try:
        importlib.import_module(name)
        return True
    except BaseException:  # a module that fails or exits on import is simply not preloaded
        return False
