#!/bin/sh
# Installs the Debian 12 packages CameraCast needs to build, run and test.
# Idempotent: packages already installed are left alone.
#   --build-only  only what building needs (the Docker image's build stage)
set -eu

BUILD_PKGS="
build-essential meson ninja-build pkg-config
libturbojpeg0-dev libuv1-dev libwslay-dev libinih-dev libhttp-parser-dev
nettle-dev libcjson-dev libsystemd-dev
libaravis-dev libusb-1.0-0-dev libsdl2-dev
libgstrtspserver-1.0-dev
"
# Running and testing: Aravis' fake GigE camera and network namespaces,
# Xvfb for the viewer's window, a WebSocket client, a browser, nginx and
# openssl (TLS in front of camcastd, tests/integration/test_tls_proxy.py); clang for the
# fuzz build (libclang-rt-dev holds libFuzzer and clang's sanitizers: only
# recommended by clang, so named here; llvm has llvm-symbolizer, which
# puts file:line in clang's sanitizer reports); GStreamer's RTP/RTSP
# elements (the RTSP server's pipeline: appsrc, rtpjpegpay), gst-launch-1.0
# and ffmpeg/ffprobe, the RTSP clients of tests/stream/test_rtsp_server.c;
# -plugins-bad for fpsdisplaysink, which counts the frames of the bench's
# GStreamer peer (bench/gst_peer/).
TEST_PKGS="
aravis-tools iproute2 xvfb libxtst6
python3 python3-websockets chromium nginx-light openssl
clang libclang-rt-dev llvm
gstreamer1.0-plugins-good gstreamer1.0-plugins-base gstreamer1.0-tools ffmpeg
gstreamer1.0-plugins-bad
"

# The Windows viewer (packaging/windows/build.sh, docs/viewer.md "Windows"):
# the MinGW-w64 cross compilers (C, and C++ because wslay's CMake project
# asks for it), CMake (SDL2, libuv, libjpeg-turbo, cJSON, wslay), nasm
# (libjpeg-turbo's SIMD code), autoconf and m4 (nettle's git tree has no
# configure), zip; wine64 runs the exe in the test, and wine holds the
# /usr/bin/wine launcher that wine64 alone lacks on Debian 12.
WINDOWS_PKGS="
gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 cmake nasm autoconf m4 zip
wine64 wine
"

case "${1:-}" in
"") PKGS="$BUILD_PKGS $TEST_PKGS $WINDOWS_PKGS" ;;
--build-only) PKGS="$BUILD_PKGS" ;;
*) echo "usage: $0 [--build-only]" >&2; exit 2 ;;
esac

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
