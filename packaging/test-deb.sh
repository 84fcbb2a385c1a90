#!/bin/sh
# Builds the Debian package, installs it with apt-get, checks what it
# installed (the binaries, /etc/camcast/cams.ini as a conffile, the man
# pages, the camcast user, the unit, not enabled), runs camcastd as the
# camcast user on the installed config and streams from it, reinstalls
# with an edited config, then removes and purges it and checks what is
# left. Needs root (apt-get, users). An installed camcast package is
# purged first; a camcast user that no package made stops the test (the
# purge check would delete it). Leaves no package and no user behind.
# Ends with "test-deb: PASS" or "test-deb: FAIL".
#
#   packaging/test-deb.sh [OUTDIR]      (the .deb goes to OUTDIR,
#                                        default build-pkg-deb)
set -eu
cd "$(dirname "$0")/.."
TEST_NAME=test-deb
. packaging/testlib.sh

[ "$(id -u)" -eq 0 ] || bail "runs as root (it installs and removes a package)"

./scripts/install-deps.sh >/dev/null || bail "scripts/install-deps.sh"
./scripts/install-packaging-deps.sh >/dev/null || bail "scripts/install-packaging-deps.sh"

outdir=${1:-build-pkg-deb}
version=$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" meson.build | head -n 1)
cameras=$(sed -n 's/^\[camera \([^]]*\)\].*/\1/p' cams.ini | paste -sd, -)
export DEBIAN_FRONTEND=noninteractive

if dpkg-query -W -f='${Status}' camcast 2>/dev/null | grep -q 'installed\|config-files'; then
    echo "# a camcast package is installed: purging it first"
    apt-get purge -y -qq camcast >/dev/null
fi
if getent passwd camcast >/dev/null; then
    bail "a camcast user exists without the package: the purge check would remove it"
fi

# Leaves the machine as it found it, whatever failed: no package, and no
# camcast user (there was none before, see above).
cleanup() {
    if dpkg-query -W -f='${Status}' camcast 2>/dev/null | grep -q 'installed\|config-files'; then
        apt-get purge -y -qq camcast >/dev/null 2>&1 || true
    fi
    if getent passwd camcast >/dev/null; then
        deluser --system --quiet camcast >/dev/null 2>&1 || true
    fi
    if getent group camcast >/dev/null; then
        delgroup --system --quiet camcast >/dev/null 2>&1 || true
    fi
}
at_exit=cleanup

# ---- build ----
mkdir -p "$outdir"
start=$(date +%s)
if ! packaging/build-deb.sh "$outdir" >"$outdir/build.log" 2>&1; then
    tail -n 40 "$outdir/build.log" | sed 's/^/#   /'
    bail "packaging/build-deb.sh builds the package (log: $outdir/build.log)"
fi
ok "packaging/build-deb.sh builds the package in $(($(date +%s) - start)) s"
deb=$(ls "$outdir"/camcast_"$version"-*_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || bail "a camcast_$version-*.deb in $outdir"
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
chmod 755 "$(dirname "$deb")" # apt's _apt user reads it from there

# ---- what is in it ----
contents=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
in_deb() {
    echo "$contents" | grep -qx "$1"
}
for f in /usr/bin/camcastd /etc/camcast/cams.ini \
         /lib/systemd/system/camcastd.service \
         /usr/share/man/man8/camcastd.8.gz /usr/share/man/man5/cams.ini.5.gz \
         /usr/share/doc/camcast/README.md /usr/share/doc/camcast/copyright \
         /usr/share/doc/camcast/examples/realtime.conf; do
    check "the package has $f" in_deb "$f"
done
for md in docs/*.md; do
    check "the package has /usr/share/doc/camcast/$md" in_deb "/usr/share/doc/camcast/$md"
done
[ ! -f viewer/meson.build ] || check "the package has /usr/bin/camcast-viewer" in_deb /usr/bin/camcast-viewer
[ ! -f bench/meson.build ] || check "the package has /usr/bin/camcast-bench" in_deb /usr/bin/camcast-bench
check_output "/etc/camcast/cams.ini is a conffile" '^/etc/camcast/cams.ini$' \
    dpkg-deb -I "$deb" conffiles
check_output "the package's Depends has adduser and the shared libraries" \
    'adduser.*libturbojpeg0|libturbojpeg0.*adduser' dpkg-deb -f "$deb" Depends

# ---- install ----
if ! apt-get install -y -qq "$deb" </dev/null >"$outdir/install.log" 2>&1; then
    sed 's/^/#   /' "$outdir/install.log" | tail -n 30
    bail "apt-get install -y $deb"
fi
ok "apt-get install -y $(basename "$deb")"
check_output "dpkg says camcast is installed" '^install ok installed$' \
    dpkg-query -W -f='${Status}\n' camcast
check_output "camcastd --version prints camcastd $version" "^camcastd $version\$" \
    camcastd --version
check_output "camcastd --help shows the options" '--check-config' camcastd --help
resolved=$(camcastd --check-config /etc/camcast/cams.ini 2>&1) && rc=0 || rc=$?
if [ "$rc" -eq 0 ]; then
    ok "camcastd --check-config /etc/camcast/cams.ini exits with 0"
else
    not_ok "camcastd --check-config /etc/camcast/cams.ini exits with 0 (got $rc)"
    echo "$resolved" | sed 's/^/#   /'
fi
old_ifs=$IFS
IFS=,
for cam in $cameras; do
    check "--check-config prints [camera $cam]" sh -c 'echo "$1" | grep -qxF "[camera $2]"' \
        sh "$resolved" "$cam"
done
IFS=$old_ifs
check_output "the camcast system user exists, no login shell, no home" \
    '^camcast:x:[0-9]+:[0-9]+:[^:]*:/nonexistent:/usr/sbin/nologin$' getent passwd camcast
check_output "the camcast group exists" '^camcast:' getent group camcast
check "camcast's uid is a system uid (< 1000)" \
    sh -c '[ "$(id -u camcast)" -lt 1000 ]'
check "the camcast user can read /etc/camcast/cams.ini" \
    setpriv --reuid camcast --regid camcast --init-groups \
    camcastd --check-config /etc/camcast/cams.ini
check_output "man finds camcastd(8)" 'camcastd\.8' man -w 8 camcastd
check_output "man finds cams.ini(5)" 'cams\.ini\.5' man -w 5 cams.ini
check "the installed unit passes systemd-analyze verify" \
    systemd-analyze verify /lib/systemd/system/camcastd.service
check "camcastd.service is not enabled on install" \
    test ! -e /etc/systemd/system/multi-user.target.wants/camcastd.service

# The unit's command line, as the unit's user, without capabilities or
# new privileges, on the installed config (port picked by the kernel).
exec_start=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/camcastd.service)
# shellcheck disable=SC2086
check "ExecStart as camcast (no capabilities) streams and stops on SIGTERM" \
    /usr/bin/python3 packaging/run_check.py "$cameras" -- \
    setpriv --reuid camcast --regid camcast --init-groups --no-new-privs \
    --inh-caps=-all --bounding-set=-all \
    $exec_start --listen 127.0.0.1:0

# ---- reinstall keeps a changed config ----
echo "# local change" >>/etc/camcast/cams.ini
check "apt-get install --reinstall (config changed locally) asks nothing" \
    apt-get install -y -qq --reinstall "$deb" </dev/null
check_output "the changed /etc/camcast/cams.ini is kept" '^# local change$' \
    tail -n 1 /etc/camcast/cams.ini

# ---- remove ----
check "apt-get remove -y camcast" apt-get remove -y -qq camcast </dev/null
check "remove: /usr/bin/camcastd is gone" test ! -e /usr/bin/camcastd
check "remove: the unit is gone" test ! -e /lib/systemd/system/camcastd.service
check "remove: /etc/camcast/cams.ini is kept" test -f /etc/camcast/cams.ini
check "remove: the camcast user is kept" getent passwd camcast
check_output "remove: dpkg keeps the config files" '^deinstall ok config-files$' \
    dpkg-query -W -f='${Status}\n' camcast

# ---- purge ----
check "apt-get purge -y camcast" apt-get purge -y -qq camcast </dev/null
check "purge: /etc/camcast is gone" test ! -e /etc/camcast
check "purge: the camcast user is gone" sh -c '! getent passwd camcast'
check "purge: the camcast group is gone" sh -c '! getent group camcast'
check "purge: dpkg no longer knows camcast" \
    sh -c '! dpkg-query -W -f="\${Status}" camcast 2>/dev/null | grep -q "ok"'
check "purge: no systemd state left" \
    sh -c '! ls /var/lib/systemd/deb-systemd-helper-enabled/ 2>/dev/null | grep -q camcastd'

finish
