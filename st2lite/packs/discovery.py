"""Where packs are: each directory with a pack.yaml, either a search path itself or one of its
children. Standard library only, so the command line can ask before its own imports."""

import os


def pack_dirs(search_paths):
    """Absolute pack directories in search order, each real directory once."""
    seen, found = set(), []
    for base in search_paths:
        if not os.path.isdir(base):
            continue
        candidates = (
            [base]
            if os.path.isfile(os.path.join(base, "pack.yaml"))
            else [os.path.join(base, name) for name in sorted(os.listdir(base))]
        )
        for path in candidates:
            real = os.path.realpath(path)
            if os.path.isfile(os.path.join(path, "pack.yaml")) and real not in seen:
                seen.add(real)
                found.append(os.path.abspath(path))
    return found
