#!/bin/sh
# The Windows viewer, cross-built on Debian (docs/viewer.md, "Windows"):
#
#   packaging/windows/build.sh [THIRD_PARTY_DIR] [OUT_DIR]
#
# THIRD_PARTY_DIR: the upstream source tarballs and their SHA256SUMS
# (default ../shared/third_party beside the repository). OUT_DIR: the build
# folder (default build-windows). Builds the dependencies once into
# OUT_DIR/prefix (build-deps.sh; kept while their inputs are unchanged),
# then libcamcast and camcast-viewer (-Ddaemon=false), then
# OUT_DIR/camcast-viewer-VERSION-win64.zip: camcast-viewer.exe,
# libnettle-8.dll, the licenses and a README. The same inputs give the same
# exe and the same zip, whatever OUT_DIR is. Prints the zip's path last.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tp=${1:-$root/../shared/third_party}
out=$(mkdir -p "${2:-$root/build-windows}" && cd "${2:-$root/build-windows}" && pwd)
host=x86_64-w64-mingw32

"$here/build-deps.sh" "$tp" "$out"
prefix=$out/prefix
build=$out/meson
rel=$(realpath -m --relative-to="$build" "$root")

# The machine file for this build: where the dependencies are, and no
# build path (-ffile-prefix-map: Meson names sources relative to the build
# folder, so that path too) or link time stamp in the exe. -s strips at
# link time (strip(1) would stamp the PE header again). The prefix's -L is
# relative to the build folder, where Meson links: ld orders the import
# table by the import libraries' paths, so an absolute one would put
# libnettle-8.dll before or after Windows' DLLs depending on OUT_DIR.
# SDL_DISABLE_ANALYZE_MACROS: SDL marks SDL_Log & co. format(printf),
# which MinGW's GCC checks against msvcrt's printf (no %zu); SDL formats
# with its own printf, which has it. The Linux builds check those formats.
cat > "$out/deps.ini" <<EOF
[properties]
pkg_config_libdir = ['$prefix/lib/pkgconfig']

[built-in options]
c_args = ['-I$prefix/include', '-DSDL_DISABLE_ANALYZE_MACROS', '-ffile-prefix-map=$root=camcast', '-ffile-prefix-map=$rel=camcast', '-ffile-prefix-map=$out=/camcast-windows']
c_link_args = ['-L../prefix/lib', '-Wl,--no-insert-timestamp', '-s']
prefer_static = true
EOF

if [ -d "$root/.git" ] || [ -f "$root/.git" ]; then
    SOURCE_DATE_EPOCH=$(git -C "$root" log -1 --format=%ct)
else
    SOURCE_DATE_EPOCH=1735689600
fi
export SOURCE_DATE_EPOCH

# A fresh build each time (a minute): Meson reads a machine file's options
# only at the first setup.
rm -rf "$build"
meson setup "$build" "$root" --cross-file "$here/x86_64-w64-mingw32.ini" \
    --cross-file "$out/deps.ini" -Ddaemon=false -Dbuildtype=release -Dwerror=true \
    > "$out/meson-setup.log" 2>&1 || { cat "$out/meson-setup.log"; exit 1; }
meson compile -C "$build" camcast-viewer

# Nothing but Windows' own DLLs and the ones shipped beside the exe.
exe=$build/viewer/camcast-viewer.exe
dlls=$($host-objdump -p "$exe" | sed -n 's/^\tDLL Name: //p' | sort -u)
for dll in $dlls; do
    case $(echo "$dll" | tr 'A-Z' 'a-z') in
    kernel32.dll | user32.dll | gdi32.dll | advapi32.dll | shell32.dll | ole32.dll | \
        oleaut32.dll | imm32.dll | winmm.dll | version.dll | setupapi.dll | \
        ws2_32.dll | iphlpapi.dll | userenv.dll | dbghelp.dll | msvcrt.dll | \
        libnettle-8.dll) ;;
    *) echo "build.sh: camcast-viewer.exe needs $dll, which the zip does not hold" >&2
       exit 1 ;;
    esac
done

version=$(sed -n "s/^ *version : '\([^']*\)'.*/\1/p" "$root/meson.build" | head -n 1)
name=camcast-viewer-$version-win64
stage=$out/$name
rm -rf "$stage" "$out/$name.zip"
mkdir -p "$stage/licenses"
cp "$exe" "$prefix/bin/libnettle-8.dll" "$stage/"
cp "$here/README.txt" "$stage/README.txt"
cp "$prefix"/licenses/*.txt "$stage/licenses/"
# CameraCast's own license, from the Debian package's copyright file.
awk '/^License: MIT$/ { body = 1; next } body && /^ / { sub(/^ \.?/, ""); print }' \
    "$root/packaging/debian/copyright" > "$stage/licenses/CameraCast.txt"
[ -s "$stage/licenses/CameraCast.txt" ] || { echo "build.sh: no MIT text found" >&2; exit 1; }

# A reproducible zip: fixed order, fixed times (UTC), no extra fields.
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
(cd "$out" && find "$name" -type f | LC_ALL=C sort |
    TZ=UTC zip -X -D -q "$name.zip" -@)
sha256sum "$stage/camcast-viewer.exe" "$out/$name.zip" | sed "s|$out/||"
echo "$out/$name.zip"
