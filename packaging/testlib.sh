# Shared by the packaging/test-*.sh scripts (sourced, not run).
# check DESCRIPTION COMMAND...: runs COMMAND, prints "ok - DESCRIPTION" or
# "not ok - DESCRIPTION" with the command's output, and counts. finish
# prints the final "NAME: PASS" or "NAME: FAIL" line and sets the exit
# status. Set TEST_NAME before sourcing. Cleanup commands go into
# at_exit (not trap: the trap here runs them). A script stopped by an
# unexpected error (set -e) still ends with a FAIL line.

n_checks=0
n_failed=0
finished=0
at_exit=""
check_log=$(mktemp)

testlib_exit() {
    status=$?
    rm -f "$check_log"
    eval "$at_exit"
    if [ "$finished" -ne 1 ]; then
        echo "$TEST_NAME: FAIL (stopped by an error, status $status, after $n_checks checks)"
        exit 1
    fi
}
trap testlib_exit EXIT
trap 'exit 1' INT TERM HUP

ok() {
    n_checks=$((n_checks + 1))
    echo "ok - $1"
}

not_ok() {
    n_checks=$((n_checks + 1))
    n_failed=$((n_failed + 1))
    echo "not ok - $1"
}

check() {
    desc=$1
    shift
    if "$@" >"$check_log" 2>&1; then
        ok "$desc"
    else
        not_ok "$desc"
        sed 's/^/#   /' "$check_log" | tail -n 30
    fi
}

# check_output DESCRIPTION PATTERN COMMAND...: COMMAND succeeds and its
# output (stdout and stderr) matches the extended regex PATTERN.
check_output() {
    desc=$1
    pattern=$2
    shift 2
    if "$@" >"$check_log" 2>&1 && grep -Eq -- "$pattern" "$check_log"; then
        ok "$desc"
    else
        not_ok "$desc (wanted /$pattern/)"
        sed 's/^/#   /' "$check_log" | tail -n 30
    fi
}

# Stops the script at once: the remaining checks cannot run.
bail() {
    not_ok "$1"
    finish
}

finish() {
    finished=1
    if [ "$n_failed" -eq 0 ] && [ "$n_checks" -gt 0 ]; then
        echo "$TEST_NAME: PASS ($n_checks checks)"
        exit 0
    fi
    echo "$TEST_NAME: FAIL ($n_failed of $n_checks checks failed)"
    exit 1
}
