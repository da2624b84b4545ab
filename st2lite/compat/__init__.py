"""Stand-ins for the StackStorm modules that pack code imports (`st2common`, `st2reactor`,
`st2tests`). The runtime puts this directory on sys.path of the code it loads, and only when the
real modules are absent; nothing here is installed into site-packages under those names."""

import os

COMPAT_DIR = os.path.dirname(os.path.abspath(__file__))
