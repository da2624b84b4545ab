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
import sys

WRAPPER_MODULES = [
    "st2lite.runners.python_wrapper",
    "st2lite.compat",
    "st2common.runners.utils",
    "st2common.runners.base_action",
    "st2common.services.datastore",
    "st2lite.store.db",
    "st2lite.store.datastore",
]
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
        self.listings = _ListingCache()
        self.file_edges = {}

    def preload_for(self, entry_point, lib_paths):
        """The names that imported (empty when this entry point was preloaded before)."""
        if entry_point in self.done:
            return []
        self.done.add(entry_point)
        search = list(lib_paths) + [os.path.dirname(entry_point)]
        wanted = external_imports(
            entry_point,
            search,
            self.pack_paths,
            self._imports_in,
            self.listings.names,
            self.file_edges,
        )
        wanted = sorted(set(wanted) - self.tried)
        self.tried.update(wanted)
        loaded = [name for name in wanted if _try_import(name)]
        if "socket" in sys.modules and "encodings.idna" not in sys.modules:
            # no import statement shows it: socket imports this codec at its first host name
            loaded += [name for name in ["encodings.idna"] if _try_import(name)]
        return loaded

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
    from, so an edited file is compiled afresh. Served through an import path hook for the
    packs' directories (the public way to choose how a directory's modules load)."""

    def __init__(self, pack_dirs):
        self.code = {}  # path -> (source bytes, code object)
        self.roots = tuple(os.path.join(os.path.abspath(d), "") for d in pack_dirs)

    def remember(self, path, data, tree):
        try:
            self.code[path] = (data, compile(tree, path, "exec", dont_inherit=True))
        except (SyntaxError, ValueError):
            pass  # the child's own import reports it

    def install(self):
        """From now on (and in every child forked later) modules imported from a directory
        under a pack use what was compiled; the entry file is loaded by the wrapper, as ever."""
        machinery, known = importlib.machinery, self.code

        class CompiledLoader(machinery.SourceFileLoader):
            def get_code(self, fullname):
                path = self.get_filename(fullname)
                hit = known.get(path)
                if hit is not None and hit[0] == self.get_data(path):
                    return hit[1]
                return super().get_code(fullname)

        finder_for = machinery.FileFinder.path_hook(
            (machinery.ExtensionFileLoader, machinery.EXTENSION_SUFFIXES),
            (CompiledLoader, machinery.SOURCE_SUFFIXES),
            (machinery.SourcelessFileLoader, machinery.BYTECODE_SUFFIXES),
        )

        def pack_directory_hook(path):
            if not os.path.join(os.path.abspath(path), "").startswith(self.roots):
                raise ImportError("not a pack directory")  # the next hook takes it
            return finder_for(path)

        sys.path_hooks.insert(0, pack_directory_hook)


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


def external_imports(
    entry_point, search_dirs, pack_paths, read_imports=None, module_names=None, edges=None
):
    """Absolute module names imported by entry_point and the pack modules it imports (found
    in search_dirs), that no pack directory could resolve. `edges` keeps what each file was
    found to import, for the next entry point that reaches it."""
    edges = {} if edges is None else edges
    seen, external, queue = set(), set(), [entry_point]
    while queue and len(seen) < MAX_FILES_PER_ACTION:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        key = (path, tuple(search_dirs))
        if key not in edges:
            edges[key] = _edges_of(
                path, search_dirs, pack_paths, read_imports or imports_in, module_names
            )
        local, outside = edges[key]
        queue.extend(local)
        external.update(outside)
    return external


def _edges_of(path, search_dirs, pack_paths, read_imports, module_names):
    """(pack files, outside module names) that the file at path imports."""
    local, outside = [], set()
    for level, name in read_imports(path):
        if level:
            local.extend(_package_files(_parent_dir(path, level), name.split(".")))
            continue
        files = _local_files(name, search_dirs, module_names)
        if files is not None:
            local.extend(files)
        elif not resolvable_in(name, pack_paths, module_names):
            outside.add(name)
    return local, outside


def resolvable_in(name, directories, module_names=None):
    top = name.split(".")[0]
    for directory in directories:
        try:
            if top in (module_names or top_level_names)(directory):
                return True
        except OSError:
            continue
    return False


def top_level_names(directory):
    """The names an import could find in directory: its entries (packages, namespace
    directories) and its modules' names."""
    entries = os.listdir(directory)
    return set(entries).union(
        e.split(".")[0] for e in entries if e.endswith((".py", ".so", ".pyc"))
    )


class _ListingCache(object):
    """top_level_names, read again only when the directory changed: a preload asks about the
    same few directories for every import it follows."""

    def __init__(self):
        self.listings = {}  # directory -> (its mtime, its names)

    def names(self, directory):
        changed = os.stat(directory).st_mtime_ns  # raises OSError as listdir would
        known = self.listings.get(directory)
        if known is None or known[0] != changed:
            known = self.listings[directory] = (changed, top_level_names(directory))
        return known[1]


def _local_files(name, search_dirs, module_names=None):
    """The pack files importing `name` would execute, from the first directory that has it;
    None when no search directory has it."""
    parts = name.split(".")
    for directory in search_dirs:
        if resolvable_in(parts[0], [directory], module_names):
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
    except ImportError:
        return _try_attribute(name)
    except (Exception, SystemExit):  # a module that fails or exits on import is not preloaded
        return False


def _try_attribute(name):
    """`from m import n` where n is not a module: some packages import n's module only when n
    is first asked for (concurrent.futures' ThreadPoolExecutor), so ask for it, as the action's
    own import will."""
    parent, _, attribute = name.rpartition(".")
    module = sys.modules.get(parent)
    if module is None or not attribute:
        return False
    try:
        getattr(module, attribute)
        return True
    except (Exception, SystemExit):
        return False
