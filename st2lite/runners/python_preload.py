"""What the fork server imports before forking: the wrapper's own modules at start, then, the
first time each action is asked for, the stdlib and installed modules its code imports.

An action's imports are found by following its entry file's static imports (read with `ast`,
nothing executed) through the pack's own modules. Pack code itself is never preloaded (an
edited action or lib module takes effect on the next run), nor is any module whose top-level
name a loaded pack could resolve from its own directories: in a fresh interpreter those
directories come first on sys.path, so a cached module of the same name would shadow the pack's.
Importing what an action needs before forking costs what the child would have spent on it,
once, and every later child starts with it in memory.
"""
import ast
import importlib
import importlib.machinery
import os

WRAPPER_MODULES = ["st2lite.runners.python_wrapper", "st2lite.compat",
                   "st2common.runners.base_action", "st2common.services.datastore",
                   "st2lite.store.db", "st2lite.store.datastore"]
MAX_FILES_PER_ACTION = 500
MAX_FILE_BYTES = 1000000
NEVER = {"__future__", "__main__", "antigravity", "this"}


def preload_wrapper():
    from st2lite.compat import COMPAT_DIR
    from st2lite.runners.python_wrapper import add_compat
    add_compat(COMPAT_DIR)
    return [name for name in WRAPPER_MODULES if _try_import(name)]


class ActionImports(object):
    """Preloads, once per action entry point, the outside modules that action imports."""

    def __init__(self, pack_dirs, compiled=None):
        self.pack_paths = module_dirs(pack_dirs)
        self.compiled = compiled
        self.done = set()
        self.tried = set()
        self.file_imports = {}  # a pack file read once serves every action that imports it

    def preload_for(self, entry_point, lib_paths):
        """The names that imported (empty when this entry point was preloaded before)."""
        if entry_point in self.done:
            return []
        self.done.add(entry_point)
        search = list(lib_paths) + [os.path.dirname(entry_point)]
        wanted = external_imports(entry_point, search, self.pack_paths, self._imports_in)
        wanted = sorted(set(wanted) - self.tried)
        self.tried.update(wanted)
        return [name for name in wanted if _try_import(name)]

    def _imports_in(self, path):
        if path not in self.file_imports:
            data, tree = _parse(path)
            self.file_imports[path] = list(_imports_of(tree))
            if self.compiled is not None and tree is not None:
                self.compiled.remember(path, data, tree)
        return self.file_imports[path]


class CompiledSources(object):
    """Pack sources compiled once in the server, for children that would compile them again:
    with PYTHONDONTWRITEBYTECODE set (or a read-only pack) every fresh interpreter recompiles
    each module it imports. Like a .pyc, an entry serves only the exact source it was compiled
    from, so an edited file is compiled afresh."""

    def __init__(self):
        self.code = {}  # path -> (source bytes, code object)

    def remember(self, path, data, tree):
        try:
            self.code[path] = (data, compile(tree, path, "exec", dont_inherit=True))
        except (SyntaxError, ValueError):
            pass  # the child's own import reports it

    def install(self):
        """From now on (and in every child forked later) imports use what was compiled."""
        original = importlib.machinery.SourceFileLoader.source_to_code
        known = self.code

        def source_to_code(loader, data, path, *, _optimize=-1):
            hit = known.get(path)
            if hit is not None and _optimize == -1 and hit[0] == data:
                return hit[1]
            return original(loader, data, path, _optimize=_optimize)
        importlib.machinery.SourceFileLoader.source_to_code = source_to_code


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


def external_imports(entry_point, search_dirs, pack_paths, read_imports=None):
    """Absolute module names imported by entry_point and the pack modules it imports (found
    in search_dirs), that no pack directory could resolve."""
    seen, external, queue = set(), set(), [entry_point]
    while queue and len(seen) < MAX_FILES_PER_ACTION:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        for level, name in (read_imports or imports_in)(path):
            if level:
                queue.extend(_package_files(_parent_dir(path, level), name.split(".")))
                continue
            local = _local_files(name, search_dirs)
            if local is not None:
                queue.extend(local)
            elif not resolvable_in(name, pack_paths):
                external.add(name)
    return external


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


def _local_files(name, search_dirs):
    """The pack files importing `name` would execute, from the first directory that has it;
    None when no search directory has it."""
    parts = name.split(".")
    for directory in search_dirs:
        if resolvable_in(parts[0], [directory]):
            return _package_files(directory, parts)
    return None


def _package_files(directory, parts):
    files = []
    for part in [p for p in parts if p]:
        module = os.path.join(directory, part + ".py")
        directory = os.path.join(directory, part)
        init = os.path.join(directory, "__init__.py")
        files += [f for f in (module, init) if os.path.isfile(f)]
    return files


def _parent_dir(path, level):
    directory = os.path.dirname(path)
    for _ in range(level - 1):
        directory = os.path.dirname(directory)
    return directory


def imports_in(path):
    """(level, dotted name) of every import in the file: level 0 for absolute imports. For
    `from m import n`, both m and m.n (n may be a submodule)."""
    return _imports_of(_parse(path)[1])


def _parse(path):
    """(source bytes, ast) of a python file; (None, None) when it cannot be read or parsed."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            return None, None
        return data, ast.parse(data, path)
    except (OSError, SyntaxError, ValueError):
        return None, None


def _imports_of(tree):
    if tree is None:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield 0, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if base:
                yield node.level, base
            for alias in node.names:
                if alias.name != "*":
                    yield node.level, (base + "." + alias.name).lstrip(".")


def _try_import(name):
    if name.split(".")[0] in NEVER:
        return False
    try:
        importlib.import_module(name)
        return True
    except (Exception, SystemExit):  # a module that fails or exits on import is not preloaded
        return False
