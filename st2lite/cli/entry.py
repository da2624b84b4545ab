"""The `st2lite` command. A synchronous `st2lite run PACK.ACTION` first starts the python fork
server and asks it to preload for PACK's python actions, then loads the command line: the
server's imports (a third of a second) overlap with st2lite's own instead of following them.

Only the standard library is imported before that. Reading the command line here is a guess
that may be wrong (abbreviated options, say): then the server is started later, as it would be
without this, and nothing else changes.
"""

import os
import sys

VALUE_OPTIONS = ("--packs", "--state", "--user")  # the options of `run` that take a value


def main():
    target = run_target(sys.argv[1:])
    if target is not None:
        _prestart_fork_server(*target)
    from st2lite.cli.main import main as command_line

    return command_line()


def run_target(argv):
    """(pack search paths, action ref) of a synchronous `st2lite run`; None for anything else."""
    packs, positionals, index = [], [], 0
    while index < len(argv):
        arg = argv[index]
        if arg in VALUE_OPTIONS:
            if arg == "--packs" and index + 1 < len(argv):
                packs.append(argv[index + 1])
            index += 2
            continue
        if arg == "--async":
            return None  # a worker process runs the action, with a server of its own
        if arg.startswith("--packs="):
            packs.append(arg.split("=", 1)[1])
        elif not arg.startswith("-"):
            positionals.append(arg)
        index += 1
    if len(positionals) < 2 or positionals[0] != "run" or "." not in positionals[1]:
        return None
    from st2lite.cli.defaults import default_packs

    return packs or default_packs(), positionals[1]


def _prestart_fork_server(search_paths, ref):
    from st2lite.packs.discovery import pack_dirs
    from st2lite.runners import python_forkclient

    found = pack_dirs(search_paths)
    pack = [d for d in found if os.path.basename(d) == ref.split(".", 1)[0]]
    if pack:
        python_forkclient.warm(_action_specs(pack[0]), sorted(found))


def _action_specs(pack_dir):
    """Every python file under the pack's actions/ as a possible entry point: what the server
    preloads is only ever outside modules their code imports."""
    specs, lib = [], [os.path.join(pack_dir, "lib")]
    for folder, dirs, files in os.walk(os.path.join(pack_dir, "actions")):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__pycache__")))
        specs += [
            {"entry_point": os.path.join(folder, name), "lib_paths": lib}
            for name in sorted(files)
            if name.endswith(".py")
        ]
    return specs
