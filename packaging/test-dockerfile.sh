#!/bin/sh
# Checks packaging/Dockerfile without a Docker engine:
#   - the build stage runs the dependency script CI runs
#     (scripts/install-deps.sh, called by scripts/test.sh) and a Meson
#     release build with the options of CI's release build, then installs
#     to /staging;
#   - the runtime stage's packages exist in apt (apt-cache show) and cover
#     every shared library the built camcastd needs (objdump NEEDED, each
#     library's package found with dpkg -S), and each of them is needed;
#   - the files the runtime stage copies from /staging are installed there
#     by that build (run here, in build-pkg-docker, with the Dockerfile's
#     own meson commands), and the image's command line is accepted;
#   - it runs as a non-root user, exposes the sample config's port.
# Ends with "test-dockerfile: PASS" or "test-dockerfile: FAIL".
set -eu
cd "$(dirname "$0")/.."
TEST_NAME=test-dockerfile
. packaging/testlib.sh

dockerfile=packaging/Dockerfile
./scripts/install-deps.sh >/dev/null || bail "scripts/install-deps.sh"
./scripts/install-packaging-deps.sh >/dev/null || bail "scripts/install-packaging-deps.sh"

tmp=$(mktemp -d)
at_exit='rm -rf "$tmp"'

# Instructions one per line (continuations joined, comments dropped), each
# prefixed with its stage number.
sed -e ':a' -e '/\\$/N' -e 's/\\\n//' -e 'ta' "$dockerfile" |
    grep -Ev '^[[:space:]]*(#|$)' |
    awk '/^FROM /{stage++} {print stage ": " $0}' >"$tmp/instructions"
n_stages=$(awk -F: 'END{print $1}' "$tmp/instructions")
build_stage() { sed -n 's/^1: //p' "$tmp/instructions"; }
runtime_stage() { sed -n "s/^$n_stages: //p" "$tmp/instructions"; }
runs() { sed -n 's/^RUN //p'; }

check_output "two stages, the build one on debian:bookworm" '^FROM debian:bookworm AS build$' \
    sh -c "[ $n_stages -eq 2 ] && sed -n 's/^1: //p' '$tmp/instructions' | head -n 1"
check_output "the runtime stage is on debian:bookworm(-slim)" '^FROM debian:bookworm(-slim)?$' \
    sh -c "sed -n 's/^2: //p' '$tmp/instructions' | head -n 1"

# ---- the build stage does what CI does ----
check "CI (.ci/run -> scripts/test.sh) runs ./scripts/install-deps.sh" \
    sh -c 'grep -q "scripts/test.sh" .ci/run && grep -Eq "^\./scripts/install-deps\.sh$" scripts/test.sh'
check "the build stage copies scripts/install-deps.sh in" \
    sh -c "sed -n 's/^1: //p' '$tmp/instructions' | grep -Eq '^COPY (\./)?scripts/install-deps\.sh '"
check "the build stage runs ./scripts/install-deps.sh" \
    sh -c "sed -n 's/^1: RUN //p' '$tmp/instructions' | grep -Eq '(^|&& *)\./scripts/install-deps\.sh( |$)'"

setup=$(build_stage | runs | tr '&' '\n' | sed -n 's/^ *meson setup //p' | sed 's/ *$//')
[ -n "$setup" ] || bail "the build stage runs meson setup"
builddir=${setup%% *}
setup_opts=${setup#"$builddir" }
ci_opts=$(sed -n 's/^\(if \)\{0,1\}setup build-release \([^;&|]*\).*/\2/p' scripts/test.sh)
[ -n "$ci_opts" ] || bail "scripts/test.sh has CI's release build ('setup build-release OPTIONS')"
for opt in $ci_opts; do
    check "meson setup has CI's release option $opt" \
        sh -c 'for o in $1; do [ "$o" = "$2" ] && exit 0; done; exit 1' sh "$setup_opts" "$opt"
done
check "meson setup has --prefix=/usr" \
    sh -c 'for o in $1; do [ "$o" = --prefix=/usr ] && exit 0; done; exit 1' sh "$setup_opts"
check "the build stage runs meson compile -C $builddir" \
    sh -c "sed -n 's/^1: RUN //p' '$tmp/instructions' | grep -Fq 'meson compile -C $builddir'"
check "the build stage runs meson install -C $builddir --destdir /staging" \
    sh -c "sed -n 's/^1: RUN //p' '$tmp/instructions' | grep -Fq 'meson install -C $builddir --destdir /staging'"

# ---- the runtime packages ----
pkgs=$(runtime_stage | runs | tr '&' '\n' | sed -n 's/.*apt-get install //p' |
    tr ' ' '\n' | grep -Ev '^(-.*|)$' | sort -u)
[ -n "$pkgs" ] || bail "the runtime stage installs packages with apt-get install"
for p in $pkgs; do
    check "runtime package $p exists in apt" apt-cache show --no-all-versions "$p"
done
# What apt installs with them (their dependencies, recursively).
# shellcheck disable=SC2086
apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances $pkgs 2>/dev/null |
    sed -n 's/^\([^ <][^ ]*\)$/\1/p; s/^ *\(Pre\)\{0,1\}Depends: \([^<][^ ]*\)$/\2/p' |
    sed 's/:any$//' | sort -u >"$tmp/with-deps"

# ---- build as the Dockerfile does, install to a staging dir ----
dir=build-pkg-docker
if [ -f "$dir/build.ninja" ]; then
    # shellcheck disable=SC2086
    meson setup --reconfigure "$dir" $setup_opts >"$tmp/build.log" 2>&1 || true
else
    # shellcheck disable=SC2086
    meson setup "$dir" $setup_opts >"$tmp/build.log" 2>&1 || true
fi
staging="$tmp/staging"
if meson compile -C "$dir" >>"$tmp/build.log" 2>&1 &&
        meson install -C "$dir" --destdir "$staging" >>"$tmp/build.log" 2>&1; then
    ok "meson setup $setup_opts; compile; install --destdir (in $dir)"
else
    tail -n 30 "$tmp/build.log" | sed 's/^/#   /'
    bail "meson setup $setup_opts; compile; install --destdir (in $dir)"
fi
bin="$staging/usr/bin/camcastd"

# Every library camcastd needs comes from a package the image gets.
objdump -p "$bin" | awk '$1 == "NEEDED" {print $2}' >"$tmp/needed"
[ -s "$tmp/needed" ] || bail "objdump -p lists what camcastd needs"
ldd "$bin" >"$tmp/ldd"
: >"$tmp/used"
while read -r soname; do
    path=$(awk -v s="$soname" '$1 == s && $2 == "=>" {print $3}' "$tmp/ldd")
    pkg=""
    for f in "$path" "$(readlink -f "$path" 2>/dev/null)" "/usr$path" "${path#/usr}"; do
        [ -n "$f" ] || continue
        pkg=$(dpkg -S "$f" 2>/dev/null | head -n 1 | cut -d: -f1) && [ -n "$pkg" ] && break
    done
    if [ -z "$pkg" ]; then
        not_ok "$soname ($path): no Debian package ships it"
    elif echo "$pkgs" | grep -qx "$pkg"; then
        echo "$pkg" >>"$tmp/used"
        ok "$soname comes from $pkg, installed by the runtime stage"
    elif grep -qx "$pkg" "$tmp/with-deps"; then
        ok "$soname comes from $pkg, a dependency of the runtime packages"
    else
        not_ok "$soname comes from $pkg, which the runtime stage does not install"
    fi
done <"$tmp/needed"
for p in $pkgs; do
    check "runtime package $p provides a library camcastd needs" grep -qx "$p" "$tmp/used"
done

# ---- the files copied from /staging, the image's command ----
for src in $(runtime_stage | sed -n 's/^COPY --from=build \([^ ]*\) .*/\1/p'); do
    check "COPY --from=build $src: the build installs it" test -e "$tmp$src"
done
check "runs as a non-root user" sh -c '
    user=$(sed -n "s/^2: USER //p" "$1" | tail -n 1)
    [ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ] &&
        sed -n "s/^2: RUN //p" "$1" | grep -Eq "(useradd|adduser) .*$user\$"' sh "$tmp/instructions"
port=$(sed -n 's/^port *= *\([0-9]*\).*/\1/p' cams.ini)
check_output "EXPOSE $port, the sample config's port" "^EXPOSE $port\$" runtime_stage
entry=$(runtime_stage | sed -n 's/^ENTRYPOINT //p')
cmd=$(runtime_stage | sed -n 's/^CMD //p')
/usr/bin/python3 -c 'import json, sys
for a in json.loads(sys.argv[1]) + json.loads(sys.argv[2]):
    print(a)' "$entry" "$cmd" | sed "s|^/|$staging/|" >"$tmp/argv"
check_output "ENTRYPOINT + CMD (--check-config added) accept the image's config" \
    '^listen = 0\.0\.0\.0$' sh -c 'tr "\n" "\0" <"$1" | xargs -0 sh -c "\"\$@\" --check-config" sh' \
    sh "$tmp/argv"

finish
