#!/bin/sh
# Installs the dependencies, builds, and runs camcastd on a config
# (default: the sample cams.ini, three test-pattern cameras, no hardware).
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
if [ ! -f build/build.ninja ]; then
    meson setup build >/dev/null
fi
meson compile -C build >/dev/null
exec ./build/src/camcastd --config "${1:-cams.ini}"
