#!/bin/sh
# Runs camcastd on cams-gige-fake.ini with three simulated GigE Vision
# cameras (arv-fake-gv-camera-0.8, serials GV01..GV03 on 127.0.0.2..4).
# Needs root to add the loopback addresses; removes them, and stops the
# fake cameras, when camcastd exits (Ctrl-C). Clients connect as usual to
# ws://127.0.0.1:8765/stream. Extra arguments go to camcastd; CAMCASTD
# names another build of it.
set -eu
cd "$(dirname "$0")/.."
camcastd=${CAMCASTD:-build/src/camcastd}
[ "$(id -u)" -eq 0 ] || { echo "run-gige-fake: needs root (ip addr add)" >&2; exit 1; }
[ -x "$camcastd" ] || { echo "run-gige-fake: no $camcastd: build first" >&2; exit 1; }

added="" pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    for a in $added; do ip addr del "$a/8" dev lo 2>/dev/null || true; done
}
trap cleanup EXIT
# Ctrl-C reaches camcastd (in the foreground); the script stays to clean
# up once camcastd has released the cameras, which must still be there.
trap '' INT

n=1
for a in 127.0.0.2 127.0.0.3 127.0.0.4; do
    if ! ip -o addr show dev lo | grep -q " $a/"; then
        ip addr add "$a/8" dev lo
        added="$added $a"
    fi
    arv-fake-gv-camera-0.8 -i "$a" -s "GV0$n" >/dev/null 2>&1 &
    pids="$pids $!"
    n=$((n + 1))
done
sleep 1 # the fakes answer discovery once they listen
"$camcastd" --config cams-gige-fake.ini "$@"
