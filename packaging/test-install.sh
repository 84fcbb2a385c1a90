#!/bin/sh
# Checks what `meson install` installs (packaging/meson.build and the
# programs' own install: true) and the man pages:
#   - prefix /usr: bin/camcastd (and camcast-viewer, camcast-bench when
#     their folders are built), /etc/camcast/cams.ini, the man pages in
#     share/man, README.md + docs/*.md + examples in share/doc/camcast;
#   - prefix /usr/local: the config goes to /usr/local/etc/camcast;
#   - installing again keeps an edited cams.ini;
#   - the man pages render without warnings, camcastd(8) documents exactly
#     the options of `camcastd --help`, cams.ini(5) exactly the keys of
#     docs/config.md.
# Builds in build-pkg (shared with test-service.sh: run them one after
# the other). Ends with "test-install: PASS" or "test-install: FAIL".
set -eu
cd "$(dirname "$0")/.."
TEST_NAME=test-install
. packaging/testlib.sh

./scripts/install-deps.sh >/dev/null || bail "scripts/install-deps.sh"
./scripts/install-packaging-deps.sh >/dev/null || bail "scripts/install-packaging-deps.sh"

tmp=$(mktemp -d)
at_exit='rm -rf "$tmp"'
dir=build-pkg

install_to() { # PREFIX STAGING
    if [ -f "$dir/build.ninja" ]; then
        meson configure "$dir" -Dprefix="$1" >"$tmp/log" 2>&1
    else
        meson setup "$dir" -Dprefix="$1" >"$tmp/log" 2>&1
    fi && meson compile -C "$dir" >>"$tmp/log" 2>&1 &&
        meson install -C "$dir" --destdir "$2" >>"$tmp/log" 2>&1
}

# ---- prefix /usr ----
stage="$tmp/usr"
if install_to /usr "$stage"; then
    ok "meson install with --prefix=/usr"
else
    tail -n 30 "$tmp/log" | sed 's/^/#   /'
    bail "meson install with --prefix=/usr"
fi
check "bin: /usr/bin/camcastd" test -x "$stage/usr/bin/camcastd"
[ ! -f viewer/meson.build ] || check "bin: /usr/bin/camcast-viewer" test -x "$stage/usr/bin/camcast-viewer"
[ ! -f bench/meson.build ] || check "bin: /usr/bin/camcast-bench" test -x "$stage/usr/bin/camcast-bench"
check "config: /etc/camcast/cams.ini is the sample" cmp cams.ini "$stage/etc/camcast/cams.ini"
check "man: /usr/share/man/man8/camcastd.8" test -f "$stage/usr/share/man/man8/camcastd.8"
check "man: /usr/share/man/man5/cams.ini.5" test -f "$stage/usr/share/man/man5/cams.ini.5"
doc="$stage/usr/share/doc/camcast"
check "doc: README.md" cmp README.md "$doc/README.md"
for md in docs/*.md; do
    check "doc: $md" cmp "$md" "$doc/$md"
done
check "doc: cams.ini (the target of docs/config.md's link ../cams.ini)" cmp cams.ini "$doc/cams.ini"
check "doc: examples/camcastd.service" cmp packaging/camcastd.service "$doc/examples/camcastd.service"
check "doc: examples/realtime.conf" cmp packaging/realtime.conf "$doc/examples/realtime.conf"
check "doc: the man page sources are not copied among the docs" \
    sh -c '! ls "$1"/docs | grep -Ex "camcastd\.8|cams\.ini\.5"' sh "$doc"

echo "# edited" >>"$stage/etc/camcast/cams.ini"
check "meson install again over the edited config" install_to /usr "$stage"
check_output "installing again keeps an edited /etc/camcast/cams.ini" '^# edited$' \
    tail -n 1 "$stage/etc/camcast/cams.ini"

# ---- prefix /usr/local ----
stage="$tmp/usr-local"
check "meson install with --prefix=/usr/local" install_to /usr/local "$stage"
check "config: /usr/local/etc/camcast/cams.ini" test -f "$stage/usr/local/etc/camcast/cams.ini"
check "bin: /usr/local/bin/camcastd" test -x "$stage/usr/local/bin/camcastd"
# Leaves build-pkg with prefix /usr (test-service.sh builds there next).
check "meson install with --prefix=/usr again" install_to /usr "$tmp/usr2"

# ---- the man pages ----
for page in docs/camcastd.8 docs/cams.ini.5; do
    check "$page renders without warnings" sh -c '
        out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$1" 2>&1 >/dev/null)
        [ -z "$out" ] || { echo "$out"; exit 1; }' sh "$page"
done

# Options: those on the option lines of --help, those in the man page
"$dir/src/camcastd" --help | grep -E '^ +-' | grep -oE -- '(^| )--?[a-zA-Z][a-z-]*' |
    tr -d ' ' | sort -u >"$tmp/help-opts"
# (man: its SYNOPSIS and OPTIONS sections)
awk '/^\.SH/ {keep = ($2 == "SYNOPSIS" || $2 == "OPTIONS"); next} keep' docs/camcastd.8 |
    sed 's/\\-/-/g; s/\\f[BIR]//g' | grep -oE -- '(^|[ "[|])--?[a-zA-Z][a-z-]*' |
    sed 's/^[ "[|]//' | sort -u >"$tmp/man-opts"
for o in $(cat "$tmp/help-opts"); do
    check "camcastd(8) documents $o (camcastd --help)" grep -qx -- "$o" "$tmp/man-opts"
done
for o in $(cat "$tmp/man-opts"); do
    grep -qx -- "$o" "$tmp/help-opts" ||
        not_ok "camcastd(8) documents $o, which camcastd --help does not list"
done
check "camcastd(8) gives the exit statuses 0, 1 and 2" \
    sh -c 'for s in 0 1 2; do sed -n "/^\.SH EXIT STATUS/,/^\.SH/p" "$1" | grep -qx "\.B $s" || exit 1; done' \
    sh docs/camcastd.8

# Keys: the rows of docs/config.md's tables, the entries of cams.ini(5).
sed -n 's/^| `\([a-z_][a-z_.]*\)` |.*/\1/p' docs/config.md | sort -u >"$tmp/md-keys"
sed -n 's/^\.BI "\([a-z_][a-z_.]*\) = ".*/\1/p' docs/cams.ini.5 | sort -u >"$tmp/man-keys"
[ -s "$tmp/md-keys" ] || bail "docs/config.md has key tables (| \`key\` | ...)"
for k in $(cat "$tmp/md-keys"); do
    check "cams.ini(5) documents $k (docs/config.md)" grep -qx "$k" "$tmp/man-keys"
done
for k in $(cat "$tmp/man-keys"); do
    grep -qx "$k" "$tmp/md-keys" ||
        not_ok "cams.ini(5) documents $k, which docs/config.md does not"
done

finish
