#!/bin/sh
# Installs the dependencies, then builds and runs the whole test suite three
# ways: a warnings-as-errors build (unit tests), an ASan+UBSan build (every
# test, including the end-to-end ones) and a ThreadSanitizer build (the
# cross-thread code: suite 'threads'); then the packaging checks (meson
# install, the systemd unit, the Dockerfile, the Debian package), the
# Windows viewer (cross-built, run under Wine) and the fuzz harnesses
# (clang, 15 s each).
# Ends with "N passed, N failed".
set -eu
cd "$(dirname "$0")/.."

./scripts/install-deps.sh

setup() {
    dir=$1; shift
    if [ -f "$dir/build.ninja" ]; then
        meson setup --reconfigure "$dir" "$@" >/dev/null
    else
        meson setup "$dir" "$@" >/dev/null
    fi
    meson compile -C "$dir"
}

status=0
setup build-release -Dwerror=true -Dbuildtype=release
meson test -C build-release --suite unit --print-errorlogs || status=1

setup build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false
meson test -C build-asan --print-errorlogs || status=1

setup build-tsan -Dwerror=true -Db_sanitize=thread -Db_lundef=false
meson test -C build-tsan --suite threads --print-errorlogs || status=1

# Each packaging check ends with one "test-NAME: PASS|FAIL" line; so do
# the viewer-only build (-Ddaemon=false, as on Windows) and the build
# without RTSP (-Drtsp=disabled: the unit tests pass, an [rtsp] section is
# refused, test_rtsp.py skips).
checks_log=build-release/check-results.txt
packaging_checks="test-install test-service test-dockerfile test-deb"
: > "$checks_log"
if setup build-viewer-only -Dwerror=true -Ddaemon=false; then
    echo "viewer-only-build: PASS" >> "$checks_log"
else
    echo "viewer-only-build: FAIL" >> "$checks_log"
fi
if setup build-no-rtsp -Dwerror=true -Drtsp=disabled &&
        meson test -C build-no-rtsp --suite unit >/dev/null &&
        meson test -C build-no-rtsp integration-rtsp integration-variants >/dev/null; then
    echo "no-rtsp-build: PASS" >> "$checks_log"
else
    echo "no-rtsp-build: FAIL" >> "$checks_log"
fi
for t in $packaging_checks; do
    ./packaging/$t.sh > build-release/$t.log 2>&1 || cat build-release/$t.log
    grep -E "^$t: (PASS|FAIL)" build-release/$t.log >> "$checks_log" || true
done

# The Windows viewer (packaging/windows/, docs/viewer.md "Windows"):
# cross-built with MinGW from ../shared/third_party (the built dependencies
# stay in build-windows/prefix while their inputs are unchanged), then run
# under Wine and Xvfb against camcastd. Two lines: "windows-build: ..." and
# "windows-viewer-wine: ..." (viewer/tests/test_viewer_wine.py).
if ./packaging/windows/build.sh ../shared/third_party build-windows \
        > build-release/windows-build.log 2>&1; then
    echo "windows-build: PASS" >> "$checks_log"
    /usr/bin/python3 viewer/tests/test_viewer_wine.py build-release/src/camcastd \
        "$(tail -n 1 build-release/windows-build.log)" > build-release/windows-wine.log 2>&1 ||
        cat build-release/windows-wine.log
    grep -E "^windows-viewer-wine: (PASS|FAIL)" build-release/windows-wine.log \
        >> "$checks_log" || true
else
    tail -n 60 build-release/windows-build.log
    echo "windows-build: FAIL" >> "$checks_log"
fi

# The fuzz harnesses (tests/fuzz/, docs/fuzzing.md): built with clang, each
# run 15 s on a copy of its seed corpus. One "fuzz-build: PASS|FAIL" line,
# then one "fuzz-NAME: PASS|FAIL" line per harness (tests/fuzz/fuzz_*.c).
fuzz_harnesses=$(ls tests/fuzz/fuzz_*.c | wc -l)
fuzz_reconfigure=""
if [ -f build-fuzz/build.ninja ]; then
    fuzz_reconfigure=--reconfigure
fi
if CC=clang meson setup $fuzz_reconfigure build-fuzz -Dwerror=true -Dfuzz=true \
        -Db_sanitize=address,undefined -Db_lundef=false >/dev/null &&
        meson compile -C build-fuzz fuzz; then
    echo "fuzz-build: PASS" >> "$checks_log"
    ./tests/fuzz/run.sh build-fuzz 15 > build-release/fuzz.log 2>&1 ||
        cat build-release/fuzz.log
    grep -E "^fuzz-[a-z0-9_]+: (PASS|FAIL)" build-release/fuzz.log >> "$checks_log" || true
else
    echo "fuzz-build: FAIL" >> "$checks_log"
fi

/usr/bin/python3 scripts/test_summary.py \
    --results "$checks_log" \
    "$(($(echo $packaging_checks | wc -w) + 1 + 1 + 1 + 2 + fuzz_harnesses))" \
    build-release/meson-logs/testlog.json \
    build-asan/meson-logs/testlog.json \
    build-tsan/meson-logs/testlog.json || status=1
exit $status
