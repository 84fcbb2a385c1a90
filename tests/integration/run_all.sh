#!/bin/sh
# Runs the camcastd end-to-end tests with Debian's python3.
#   tests/integration/run_all.sh build/src/camcastd
# Exit status: number of failed scripts (0 = all passed).
set -u
if [ $# -ne 1 ]; then
    echo "usage: $0 PATH/TO/camcastd" >&2
    exit 2
fi
dir=$(dirname "$0")
py=/usr/bin/python3
failed=0
"$py" "$dir/selftest_testlib.py" >/dev/null || { echo "FAIL selftest_testlib.py"; failed=$((failed + 1)); }
for t in test_cli test_stream test_http test_slow_client; do
    "$py" "$dir/$t.py" "$1" || failed=$((failed + 1))
done
echo "integration: $failed failed"
exit "$failed"
