#!/bin/sh
# Cross-builds what camcast-viewer needs for 64-bit Windows, from the
# upstream source tarballs, into PREFIX (static libraries, and nettle as a
# DLL: it is LGPL, so it stays replaceable). Called by build.sh; see
# docs/viewer.md, "Windows".
#
#   build-deps.sh THIRD_PARTY_DIR OUT_DIR
#
# THIRD_PARTY_DIR holds the tarballs and SHA256SUMS (../shared/third_party
# in CI). The result goes to OUT_DIR/prefix; OUT_DIR/prefix/.stamp records
# the inputs (tarball checksums, this script, the toolchain file, the
# compiler), and an unchanged stamp skips the whole build. Nothing is ever
# downloaded.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
tp=$(cd "$1" && pwd)
out=$(mkdir -p "$2" && cd "$2" && pwd)
prefix=$out/prefix
src=$out/deps/src
bld=$out/deps/build
host=x86_64-w64-mingw32
jobs=$(nproc 2>/dev/null || echo 2)

# name-version.tar.gz of every input, in build order.
SDL2=SDL2-2.32.8
LIBUV=libuv-1.52.1
LIBJPEG=libjpeg-turbo-3.1.4.1
CJSON=cJSON-1.7.19
WSLAY=wslay-1.1.1
NETTLE=nettle-3.10.2
ALL="$SDL2 $LIBUV $LIBJPEG $CJSON $WSLAY $NETTLE"

t0=$(date +%s)
say() { echo "build-deps: [$(($(date +%s) - t0)) s] $*"; }
die() { echo "build-deps: $*" >&2; exit 1; }

for tool in $host-gcc-win32 $host-g++-win32 cmake ninja nasm autoconf m4 make; do
    command -v "$tool" >/dev/null || die "$tool not found: run ./scripts/install-deps.sh"
done

# 1. The inputs: present, and exactly the ones in SHA256SUMS.
[ -f "$tp/SHA256SUMS" ] || die "$tp/SHA256SUMS missing"
for n in $ALL; do
    if [ ! -f "$tp/$n.tar.gz" ]; then
        die "$tp/$n.tar.gz missing. It is the upstream git tree at the tag listed in
$tp/README.md, packed with
  git archive --prefix=$n/ -o $n.tar.gz TAG
(its checksum must match SHA256SUMS)."
    fi
    grep -q "  $n.tar.gz\$" "$tp/SHA256SUMS" || die "$n.tar.gz is not in $tp/SHA256SUMS"
done
(cd "$tp" && sha256sum --quiet --strict -c SHA256SUMS) ||
    die "a tarball in $tp does not match SHA256SUMS"

stamp() {
    for n in $ALL; do grep "  $n.tar.gz\$" "$tp/SHA256SUMS"; done
    (cd "$here" && sha256sum build-deps.sh mingw-w64-x86_64.cmake)
    $host-gcc-win32 --version | head -n 1
    cmake --version | head -n 1
}
if [ -f "$prefix/.stamp" ] && [ "$(stamp)" = "$(cat "$prefix/.stamp")" ]; then
    say "up to date: $prefix"
    exit 0
fi

rm -rf "$prefix" "$out/deps"
mkdir -p "$prefix" "$src" "$bld"
for n in $ALL; do
    say "unpacking $n"
    tar -xzf "$tp/$n.tar.gz" -C "$src"
    [ -d "$src/$n" ] || die "$n.tar.gz did not unpack into $n/"
done

# Reproducible: no build path and no build date in the output (the
# libraries' own version strings stay as upstream made them), and no git
# repository around OUT_DIR taken for theirs (SDL's CMake asks git).
export SOURCE_DATE_EPOCH=1735689600 # 2025-01-01, fixed for the dependencies
export GIT_CEILING_DIRECTORIES="$src"
cflags="-O2 -ffile-prefix-map=$out=/camcast-windows"

cmake_build() { # NAME [CMAKE OPTIONS...]
    n=$1; shift
    say "building $n"
    cmake -S "$src/$n" -B "$bld/$n" -G Ninja --log-level=WARNING \
        -DCMAKE_TOOLCHAIN_FILE="$here/mingw-w64-x86_64.cmake" \
        -DCMAKE_FIND_ROOT_PATH="$prefix" \
        -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="$cflags -DNDEBUG" \
        -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib \
        -DBUILD_SHARED_LIBS=OFF "$@" > "$bld/$n.log" 2>&1 ||
        { cat "$bld/$n.log"; die "$n: cmake failed"; }
    cmake --build "$bld/$n" -j "$jobs" >> "$bld/$n.log" 2>&1 &&
        cmake --install "$bld/$n" >> "$bld/$n.log" 2>&1 ||
        { tail -n 40 "$bld/$n.log"; die "$n: build failed (log: $bld/$n.log)"; }
}

# SDL2: video, render, events, threads and timers; no audio, joystick,
# haptic, sensors, HIDAPI, OpenGL ES or Vulkan. The Direct3D 9/11 and
# OpenGL renderers stay (SDL picks one; the software one is the fallback).
cmake_build $SDL2 -DSDL_SHARED=OFF -DSDL_STATIC=ON -DSDL_TEST=OFF \
    -DSDL_AUDIO=OFF -DSDL_JOYSTICK=OFF -DSDL_HAPTIC=OFF -DSDL_HIDAPI=OFF \
    -DSDL_POWER=OFF -DSDL_SENSOR=OFF -DSDL_LOCALE=OFF -DSDL_MISC=OFF \
    -DSDL_FILESYSTEM=OFF -DSDL_OPENGLES=OFF -DSDL_VULKAN=OFF \
    -DSDL_XINPUT=OFF -DSDL_WASAPI=OFF -DSDL_DISKAUDIO=OFF -DSDL_DUMMYAUDIO=OFF \
    -DSDL_CCACHE=OFF -DSDL2_DISABLE_UNINSTALL=ON

cmake_build $LIBUV -DLIBUV_BUILD_SHARED=OFF -DLIBUV_BUILD_TESTS=OFF \
    -DLIBUV_BUILD_BENCH=OFF
# libuv names its static pkg-config file libuv-static; the viewer asks for
# libuv (as on Debian and MSYS2).
sed 's/^Name: libuv-static/Name: libuv/' "$prefix/lib/pkgconfig/libuv-static.pc" \
    > "$prefix/lib/pkgconfig/libuv.pc"

# libjpeg-turbo with its SIMD code (nasm): the viewer decodes with
# TurboJPEG. Its regression tests need the host to run Windows programs;
# the viewer's Wine test decodes real frames instead.
cmake_build $LIBJPEG -DENABLE_SHARED=OFF -DENABLE_STATIC=ON -DWITH_TURBOJPEG=ON \
    -DREQUIRE_SIMD=ON -DWITH_TOOLS=OFF -DWITH_TESTS=OFF -DWITH_JAVA=OFF \
    -DBUILD=3.1.4.1

# cJSON: no dllexport in a static library (that would give the exe an
# export table).
cmake_build $CJSON -DENABLE_CJSON_TEST=OFF -DENABLE_CJSON_UTILS=OFF \
    -DENABLE_PUBLIC_SYMBOLS=OFF -DENABLE_HIDDEN_SYMBOLS=ON -DENABLE_TARGET_EXPORT=OFF \
    -DENABLE_CJSON_UNINSTALL=OFF -DENABLE_CUSTOM_COMPILER_FLAGS=OFF \
    -DCMAKE_POLICY_DEFAULT_CMP0054=NEW
# Code that includes cJSON.h must hide its symbols the same way.
sed -i 's/^Cflags: \(.*\)/Cflags: \1 -DCJSON_HIDE_SYMBOLS/' "$prefix/lib/pkgconfig/libcjson.pc"

cmake_build $WSLAY -DWSLAY_STATIC=ON -DWSLAY_SHARED=OFF -DWSLAY_EXAMPLES=OFF \
    -DWSLAY_TESTS=OFF
# Its CMake build installs no pkg-config file: upstream's autotools one,
# filled in (wslay calls htons & co. from Winsock).
sed -e "s|@prefix@|$prefix|; s|@exec_prefix@|\${prefix}|; s|@libdir@|\${prefix}/lib|" \
    -e "s|@includedir@|\${prefix}/include|; s|@VERSION@|${WSLAY#wslay-}|" \
    "$src/$WSLAY/lib/libwslay.pc.in" > "$prefix/lib/pkgconfig/libwslay.pc"
echo "Libs.private: -lws2_32" >> "$prefix/lib/pkgconfig/libwslay.pc"

# nettle: the git tree has no configure yet (autoconf, as its .bootstrap
# does). Only libnettle (SHA-1 and base64 for the WebSocket handshake): no
# hogweed (public-key, needs GMP), no assembler, no documentation.
say "building $NETTLE"
(
    cd "$src/$NETTLE"
    autoconf && autoheader
    mkdir -p "$bld/$NETTLE" && cd "$bld/$NETTLE"
    "$src/$NETTLE/configure" --host=$host --prefix="$prefix" --libdir="$prefix/lib" \
        CC=$host-gcc-win32 CFLAGS="$cflags" LDFLAGS="-Wl,--no-insert-timestamp -s" \
        --enable-shared --disable-static --disable-public-key --disable-assembler \
        --disable-documentation --disable-openssl --disable-fat --disable-gcov
    make -j "$jobs" all-here nettle.pc
    make install-headers install-shared-nettle install-pkgconfig
) > "$bld/$NETTLE.log" 2>&1 || { tail -n 40 "$bld/$NETTLE.log"; die "$NETTLE: build failed"; }
[ -f "$prefix/bin/libnettle-8.dll" ] || die "$NETTLE: no libnettle-8.dll in $prefix/bin"

# The licenses that go into the zip, one file per project.
mkdir -p "$prefix/licenses"
cp "$src/$SDL2/LICENSE.txt" "$prefix/licenses/SDL2.txt"
cp "$src/$LIBUV/LICENSE" "$prefix/licenses/libuv.txt"
cat "$src/$LIBJPEG/LICENSE.md" "$src/$LIBJPEG/README.ijg" > "$prefix/licenses/libjpeg-turbo.txt"
cp "$src/$CJSON/LICENSE" "$prefix/licenses/cJSON.txt"
cp "$src/$WSLAY/COPYING" "$prefix/licenses/wslay.txt"
cp "$src/$NETTLE/COPYING.LESSERv3" "$prefix/licenses/nettle.txt"

stamp > "$prefix/.stamp"
say "done: $prefix"
