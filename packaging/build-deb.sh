#!/bin/sh
# Builds the Debian package camcast from this source tree:
#
#   packaging/build-deb.sh [OUTDIR]       (default OUTDIR: build-pkg-deb)
#
# Copies the tree (without build directories and .git) to a temporary
# directory, puts packaging/debian/ at its top as debian/ and runs
# dpkg-buildpackage -b -us -uc there. The .deb files land in OUTDIR.
# Needs scripts/install-deps.sh and scripts/install-packaging-deps.sh.
#
# Tests are skipped (scripts/test.sh runs them all); CAMCAST_DEB_CHECK=1
# runs the unit tests during the build, as a Debian build normally does.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
outdir=${1:-build-pkg-deb}

# The package version's upstream part must be the project's version.
project_version=$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" meson.build | head -n 1)
deb_version=$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)
if [ "${deb_version%-*}" != "$project_version" ]; then
    echo "build-deb: packaging/debian/changelog says $deb_version but meson.build says" \
         "$project_version: add a changelog entry (dch -v $project_version-1)" >&2
    exit 1
fi

tmp=$(mktemp -d /tmp/camcast-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
src="$tmp/camcast-$project_version"
mkdir "$src"
# Top-level build directories (build*/, dh's obj-*/), VCS data, caches.
tar -C "$top" -cf - \
    --exclude='./build*' --exclude='./obj-*' --exclude='./debian' \
    --exclude='./.git' --exclude='__pycache__' --exclude='*.pyc' . |
    tar -C "$src" -xf -
cp -R packaging/debian "$src/debian"

jobs="parallel=$(nproc)"
if [ "${CAMCAST_DEB_CHECK:-0}" = 1 ]; then
    profiles=""
    opts="$jobs"
else
    profiles="-Pnocheck"
    opts="$jobs nocheck"
fi
echo "build-deb: building camcast $deb_version in $src"
(cd "$src" && DEB_BUILD_OPTIONS="$opts ${DEB_BUILD_OPTIONS:-}" \
    dpkg-buildpackage -b -us -uc $profiles)

mkdir -p "$outdir"
rm -f "$outdir"/camcast_*.deb "$outdir"/camcast-dbgsym_*.deb
cp "$tmp"/*.deb "$tmp"/*.buildinfo "$tmp"/*.changes "$outdir"/
for f in "$outdir"/*.deb; do
    echo "build-deb: $f"
done
