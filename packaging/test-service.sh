#!/bin/sh
# Checks packaging/camcastd.service without a running systemd:
#   - systemd-analyze verify passes with no warning, alone and with the
#     real-time drop-in packaging/realtime.conf (on a temporary copy whose
#     ExecStart points at a built camcastd and the sample cams.ini; the
#     man pages of Documentation= come from docs/);
#   - systemd-analyze security --offline rates it at most 2.5 ("OK");
#   - the settings the daemon and the package rely on are there;
#   - the daemon accepts the unit's command line, and a bad config exits
#     with 2, the status RestartPreventExitStatus= names.
# Uses $CAMCASTD, else build-pkg/src/camcastd (built if missing).
# Ends with "test-service: PASS" or "test-service: FAIL".
set -eu
cd "$(dirname "$0")/.."
TEST_NAME=test-service
. packaging/testlib.sh

./scripts/install-packaging-deps.sh >/dev/null || bail "scripts/install-packaging-deps.sh"
unit=packaging/camcastd.service

camcastd=${CAMCASTD:-}
if [ -z "$camcastd" ]; then
    camcastd=build-pkg/src/camcastd
    ./scripts/install-deps.sh >/dev/null || bail "scripts/install-deps.sh"
    [ -f build-pkg/build.ninja ] || meson setup build-pkg >/dev/null
    meson compile -C build-pkg src/camcastd >/dev/null || bail "build camcastd in build-pkg"
fi
case $camcastd in /*) ;; *) camcastd=$(pwd)/$camcastd ;; esac
[ -x "$camcastd" ] || bail "$camcastd is executable"

tmp=$(mktemp -d)
at_exit='rm -rf "$tmp"'
mkdir -p "$tmp/units" "$tmp/man/man8" "$tmp/man/man5"
sed -e "s|/usr/bin/camcastd|$camcastd|g" -e "s|/etc/camcast/cams.ini|$(pwd)/cams.ini|g" \
    "$unit" >"$tmp/units/camcastd.service"
cp docs/camcastd.8 "$tmp/man/man8/"
cp docs/cams.ini.5 "$tmp/man/man5/"

# verify exits with 0 on warnings (an unknown key, say): no output is the test.
verify() {
    out=$(cd "$tmp/units" && MANPATH="$tmp/man" systemd-analyze verify ./camcastd.service 2>&1) &&
        [ -z "$out" ] || { echo "$out"; return 1; }
}
check "systemd-analyze verify: no error, no warning" verify
mkdir "$tmp/units/camcastd.service.d"
cp packaging/realtime.conf "$tmp/units/camcastd.service.d/"
check "systemd-analyze verify with the realtime.conf drop-in: no error, no warning" verify
rm -r "$tmp/units/camcastd.service.d"
check_output "systemd-analyze security --offline: exposure at most 2.5" \
    'Overall exposure level for camcastd.service: ([01]\.[0-9]|2\.[0-5]) ' \
    systemd-analyze security --offline=yes --threshold=25 --no-pager \
    "$tmp/units/camcastd.service"

# What the daemon, the package and the docs rely on.
has() {
    grep -Eq "^$1\$" "$unit"
}
check "Type=notify (camcastd sends READY=1)" has 'Type=notify'
check "WatchdogSec= is set (camcastd sends WATCHDOG=1)" has 'WatchdogSec=[1-9][0-9]*s?'
check "ExecStart runs /usr/bin/camcastd on /etc/camcast/cams.ini" \
    has 'ExecStart=/usr/bin/camcastd --config /etc/camcast/cams.ini'
check "ExecReload sends SIGHUP to the main process" has 'ExecReload=/bin/kill -HUP \$MAINPID'
check "Restart=on-failure" has 'Restart=on-failure'
check "runs as the user the package creates (User=camcast)" has 'User=camcast'
check "  ... and group (Group=camcast)" has 'Group=camcast'
postinst_adds_user() { # continuation lines joined first
    sed -e ':a' -e '/\\$/N' -e 's/\\\n//' -e 'ta' packaging/debian/camcast.postinst |
        grep -Eq 'adduser --system --group .* camcast$'
}
check "the postinst creates that user" postinst_adds_user
for opt in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
           ProtectKernelTunables=yes ProtectControlGroups=yes 'CapabilityBoundingSet=' \
           'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK'; do
    check "hardening: $opt" has "$opt"
done
check "no capability, no real-time limit unless a drop-in adds them" \
    sh -c '! grep -Eq "^(AmbientCapabilities|LimitRTPRIO|LimitNICE)=" "$1"' sh "$unit"
check "realtime.conf allows real-time scheduling" \
    grep -Eq '^LimitRTPRIO=[1-9]' packaging/realtime.conf

# The daemon against the unit's command line and exit statuses.
exec_start=$(sed -n 's/^ExecStart=//p' "$tmp/units/camcastd.service")
# shellcheck disable=SC2086
check_output "camcastd accepts the unit's command line (--check-config)" '^\[camera ' \
    $exec_start --check-config
printf '[server]\nport = web\n[camera a]\nsource = testpattern\nwidth = 64\nheight = 64\n' \
    >"$tmp/bad.ini"
bad_status() {
    "$camcastd" --config "$tmp/bad.ini" && return 1
    rc=$?
    echo "exit status $rc"
    [ "$rc" -eq "$(sed -n 's/^RestartPreventExitStatus=//p' "$unit")" ]
}
check "a bad config exits with RestartPreventExitStatus= (2): no restart loop" bad_status

finish
