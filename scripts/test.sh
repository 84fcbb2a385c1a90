#!/bin/sh
# Installs the dependencies, then builds and runs the whole test suite three
# ways: a warnings-as-errors build (unit tests), an ASan+UBSan build (every
# test, including the end-to-end ones) and a ThreadSanitizer build (the
# cross-thread code: suite 'threads'); then a build without RTSP, the
# packaging checks (meson install, the systemd unit, the Dockerfile, the
# Debian package), the Windows viewer (cross-built, run under Wine) and
# the fuzz harnesses (clang, 15 s each).
# scripts/test_summary.py checks every result against tests/suite.txt (a
# test that gives no result fails) and ends with "N passed, N failed".
# In CI (CI=true) every dependency of the suite is required at configure
# time (-Dtest_deps=enabled) and a skipped test fails the run; elsewhere a
# test whose dependency is missing shows as skipped.
set -eu
cd "$(dirname "$0")/.."

./scripts/install-deps.sh

if [ "${CI:-}" = true ]; then
    test_deps=enabled
    no_skips=--no-skips
else
    test_deps=auto
    no_skips=
fi

setup() {
    dir=$1; shift
    if [ -f "$dir/build.ninja" ]; then
        meson setup --reconfigure "$dir" -Dtest_deps=$test_deps "$@" >/dev/null
    else
        meson setup "$dir" -Dtest_deps=$test_deps "$@" >/dev/null
    fi
    meson compile -C "$dir"
}

# Results of an earlier run must not stand in for this one's.
rm -f build-*/meson-logs/testlog*.json build-release/check-results.txt

# A build that fails leaves no testlog: the summary counts its tests failed.
status=0
if setup build-release -Dwerror=true -Dbuildtype=release; then
    meson test -C build-release --suite unit --print-errorlogs || status=1
fi

if setup build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false; then
    meson test -C build-asan --print-errorlogs || status=1
fi

if setup build-tsan -Dwerror=true -Db_sanitize=thread -Db_lundef=false; then
    meson test -C build-tsan --suite threads --print-errorlogs || status=1
fi

# Without RTSP (-Drtsp=disabled): the unit tests pass, and test_rtsp.py
# checks that an [rtsp] section is refused (at --check-config and at
# start); test_variants.py runs without the RTSP code.
mkdir -p build-release
if setup build-no-rtsp -Dwerror=true -Drtsp=disabled; then
    meson test -C build-no-rtsp --suite unit --logbase testlog-unit --print-errorlogs ||
        status=1
    meson test -C build-no-rtsp integration-rtsp integration-variants --logbase testlog-rtsp \
        --print-errorlogs || status=1
fi

# Each packaging check ends with one "test-NAME: PASS|FAIL" line; so does
# the viewer-only build (-Ddaemon=false, as on Windows).
checks_log=build-release/check-results.txt
packaging_checks="test-install test-service test-dockerfile test-deb"
: > "$checks_log"
if setup build-viewer-only -Dwerror=true -Ddaemon=false; then
    echo "viewer-only-build: PASS" >> "$checks_log"
else
    echo "viewer-only-build: FAIL" >> "$checks_log"
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

# Each run's expected tests: its meson suites in tests/suite.txt ('all':
# every meson test; '!rtsp': not those a build without RTSP lacks).
/usr/bin/python3 scripts/test_summary.py $no_skips \
    --log release build-release/meson-logs/testlog.json unit \
    --log asan build-asan/meson-logs/testlog.json all \
    --log tsan build-tsan/meson-logs/testlog.json threads \
    --log 'no-rtsp unit' build-no-rtsp/meson-logs/testlog-unit.json 'unit,!rtsp' \
    --log 'no-rtsp [rtsp]' build-no-rtsp/meson-logs/testlog-rtsp.json integration-rtsp,integration-variants \
    --results checks "$checks_log" check || status=1
exit $status
