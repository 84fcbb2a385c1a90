#!/bin/sh
# Runs every fuzz harness built in BUILD_DIR for SECONDS each, on a copy of
# its seed corpus (the tree does not grow), and prints one line per
# harness: "fuzz-NAME: PASS", or "fuzz-NAME: FAIL" after the sanitizer
# report and the path of the input that broke it.
#   tests/fuzz/run.sh BUILD_DIR SECONDS
# Build BUILD_DIR with: CC=clang meson setup BUILD_DIR -Dfuzz=true
#   -Db_sanitize=address,undefined -Db_lundef=false (docs/fuzzing.md).
set -u
if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR SECONDS" >&2
    exit 2
fi
build=$1
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/camcast-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

# UBSan reports stop the run (also compiled in); leaks count as failures.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1

status=0
found=0
for exe in "$build"/tests/fuzz/fuzz_*; do
    [ -f "$exe" ] && [ -x "$exe" ] || continue
    name=$(basename "$exe")
    name=${name#fuzz_}
    found=$((found + 1))
    corpus=$work/$name/corpus
    artifacts=$work/$name/artifacts/
    mkdir -p "$corpus" "$artifacts"
    cp "$here/corpus/$name"/* "$corpus"/ 2>/dev/null || true
    log=$work/$name/log
    dict=
    [ -f "$here/$name.dict" ] && dict=-dict=$here/$name.dict
    if "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 -artifact_prefix="$artifacts" $dict \
            "$corpus" > "$log" 2>&1; then
        echo "fuzz-$name: PASS $(grep -Eo '#[0-9]+.*(DONE|pulse).*' "$log" | tail -1)"
    else
        # Keep what reproduces it beside the build, out of the tree.
        keep=$build/fuzz-failures/$name
        rm -rf "$keep"
        mkdir -p "$keep"
        cp "$artifacts"* "$keep"/ 2>/dev/null || true
        cat "$log"
        for f in "$keep"/*; do
            [ -f "$f" ] && echo "fuzz-$name: input $f (reproduce: $exe $f)"
        done
        echo "fuzz-$name: FAIL"
        status=1
    fi
done
if [ "$found" -eq 0 ]; then
    echo "fuzz: no harness in $build/tests/fuzz (built with -Dfuzz=true?)" >&2
    exit 2
fi
exit $status
