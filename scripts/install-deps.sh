#!/bin/sh
# Installs the Debian 12 packages CameraCast needs to build, run and test.
# Idempotent: packages already installed are left alone.
set -eu

PKGS="
build-essential meson ninja-build pkg-config
libturbojpeg0-dev libuv1-dev libwslay-dev libinih-dev libhttp-parser-dev
nettle-dev libcjson-dev libsystemd-dev
libaravis-dev aravis-tools libusb-1.0-0-dev iproute2
libsdl2-dev xvfb libxtst6
python3 python3-websockets
"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed'; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "install-deps: all packages present"
    exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
