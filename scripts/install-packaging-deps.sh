#!/bin/sh
# Installs the Debian 12 packages the packaging tests need on top of
# scripts/install-deps.sh: the Debian package tool chain (debhelper,
# dpkg-dev, fakeroot), systemd-analyze (package systemd; it works without a
# running systemd), adduser for the package's maintainer scripts, binutils
# for objdump, and every Build-Depends of packaging/debian/control.
# Idempotent: packages already installed are left alone.
set -eu
cd "$(dirname "$0")/.."

PKGS="
debhelper dpkg-dev fakeroot build-essential
systemd adduser binutils
"

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
updated=""
apt_install() {
    if [ -z "$updated" ]; then
        $SUDO apt-get update -qq
        updated=1
    fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@"
}

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed'; then
        missing="$missing $p"
    fi
done
if [ -n "$missing" ]; then
    echo "install-packaging-deps: installing$missing"
    # shellcheck disable=SC2086
    apt_install $missing
fi

# The build dependencies, straight from debian/control so the list lives in
# one place. dpkg-checkbuilddeps and apt-get build-dep want a directory with
# debian/control in it.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/debian"
cp packaging/debian/control "$tmp/debian/control"
if ! unmet=$(cd "$tmp" && dpkg-checkbuilddeps -B 2>&1); then
    echo "install-packaging-deps: build dependencies: ${unmet#*: }"
    if [ -z "$updated" ]; then
        $SUDO apt-get update -qq
        updated=1
    fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get build-dep -y -qq --no-install-recommends "$tmp"
    missing="$missing build-deps"
fi

[ -n "$missing" ] || echo "install-packaging-deps: all packages present"
