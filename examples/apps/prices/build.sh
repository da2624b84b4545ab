#!/bin/sh
# Shell build of `prices`: check the source compiles, assemble build/ and stamp it with the commit.
set -eu
cd "$(dirname "$0")"
python3 -c 'import ast, sys; ast.parse(open("server.py").read(), "server.py")'
rm -rf build
mkdir -p build/conf
cp server.py build/server.py
cp conf/app.json build/conf/app.json
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
printf '{"commit": "%s", "built_at": "%s"}\n' "$commit" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > build/BUILD_INFO.json
echo "prices: built build/ from commit $commit"
