"""camcast-viewer on two camcastd daemons at once, in a real window (Xvfb).

Daemon A streams two cameras, daemon B one camera called like one of A's;
both offer a 'preview' variant (protocol 1.1).

1. One grid: a screenshot shows the three tiles, labelled HOST:PORT/camera,
   each with its own image (gray, colour, gray; A's and B's 'left' differ).
2. B dies (SIGKILL) under a running viewer: B's tile goes offline and its
   connection retries with backoff, while A's tiles stay live and A keeps
   sending to the viewer. B restarts on the same port: its tile comes
   back. SIGTERM: status 0, nothing malformed or rejected.
3. Variants: in a small window each connection asks its daemon for
   'preview' and the tiles get preview-sized frames (the daemon's /stats
   shows the client on it); key 1 shows A's camera alone, so A goes back
   to full frames while B stays on preview; key 3 shows B's camera alone
   (keys cross daemons); 0 the grid again.

Usage: /usr/bin/python3 test_viewer_multi.py CAMCASTD CAMCAST_VIEWER
"""

import json
import os
import re
import signal
import tempfile
import time
import urllib.request

import viewer_testlib as vt
from viewer_testlib import check, check_eq, fail, lib, log

CAMERAS_A = [
    ("left", lib.camera(640, 400, "Mono8", "scroll", grab_fps=60)),
    ("mid", lib.camera(320, 240, "RGB8", "bars", grab_fps=60)),
]
CAMERAS_B = [
    ("left", lib.camera(640, 480, "Mono8", "checker", grab_fps=60)),
]
# k = 2 for the 640-wide cameras (320x200, 320x240); the 320-wide one is
# its own size.
VARIANT = "\n[variant preview]\nmax_width = 320\nquality = 70\n"

WAIT = 30.0  # any one thing the viewer or a daemon must do


def config(cameras, port=0):
    return lib.make_config(lib.server_section(port=port), cameras) + VARIANT


def software_env(xvfb):
    """SDL's software renderer, as test_viewer_window.py (leak checks on)."""
    env = xvfb.env()
    env["SDL_RENDER_DRIVER"] = "software"
    env["SDL_FRAMEBUFFER_ACCELERATION"] = "0"
    return env


def stats(port):
    with urllib.request.urlopen(f"http://{lib.HOST}:{port}/stats", timeout=10) as r:
        return json.load(r)


def label(d):
    return f"{lib.HOST}:{d.port}"


def rx(d):
    """label(d) as a regular expression."""
    return re.escape(label(d))


def expect_live(v, names, start, timeout=WAIT):
    """Waits for a 'tile N NAME: live' line for every name from start on."""
    deadline = time.monotonic() + timeout
    for name in names:
        v.expect_line(rf"tile \d+ {re.escape(name)}: live$",
                      max(deadline - time.monotonic(), 0),
                      start, what=f"tile {name} live")


def screenshot_run(viewer_bin, a, b, env, tmp):
    shot = os.path.join(tmp, "multi.bmp")
    v = vt.run_viewer(viewer_bin, [a.uri(), b.uri(), "--size", "1280x720",
                                   "--screenshot", shot, "--after", "90",
                                   "--timeout", "60"], env=env)
    check_eq(v.rc, 0, f"exit status of the screenshot run; stderr:\n{v.stderr_text()}")
    bundles, frames, malformed, undecodable = v.counts()
    check(bundles >= 90, f"displayed {bundles} bundles, expected at least 90")
    check_eq((malformed, undecodable), (0, 0), "malformed / undecodable")
    size, tiles = vt.layout_from(v.lines)
    check_eq(size, (1280, 720), "window size in the layout log")
    want = {1: f"{label(a)}/left", 2: f"{label(a)}/mid", 3: f"{label(b)}/left"}
    check_eq({n: t[0] for n, t in tiles.items()}, want, "tiles and their labels")
    bmp = vt.Bmp(shot)
    st = {}
    for n, (name, _cell, image) in tiles.items():
        st[n] = vt.region_stats(bmp, image)
        log(f"tile {n} {name}: {st[n]['not_bg']:.1%} not background, "
            f"{st[n]['gray']:.1%} gray, {st[n]['colour']:.1%} coloured")
        check(st[n]["not_bg"] > 0.9, f"tile {n} ({name}) shows little image")
        check(st[n]["amber"] == 0, f"tile {n} ({name}) shows a banner (not live)")
    check(st[1]["gray"] > 0.95 and st[3]["gray"] > 0.95, "a Mono8 tile is not gray")
    check(st[2]["colour"] > 0.3, "A's RGB8 tile is not in colour")
    d = vt.grid_distance(st[1], st[3])
    check(d > 8, f"A's and B's 'left' look the same ({d:.1f})")


def outage_run(camcastd, viewer_bin, a, b, env):
    v = vt.Viewer(viewer_bin, [a.uri(), b.uri(), "--size", "1280x720",
                               "--timeout", "150"], env=env).start()
    la, lb, rb = label(a), label(b), rx(b)
    expect_live(v, [f"{la}/left", f"{la}/mid", f"{lb}/left"], 0)
    port_b = b.port

    mark = v.line_count()
    b.kill()
    log("daemon B killed")
    i, m = v.expect_line(rf"{rb}: offline \((.*)\): next attempt in ([0-9.]+) s", WAIT,
                         mark, what="B's connection offline")
    v.expect_line(rf"tile 3 {rb}/left: offline$", WAIT, mark, what="B's tile offline")
    v.expect_line(rf"{rb}: offline \(.*\): next attempt in 1\.0 s", WAIT, i + 1,
                  what="B's second attempt, after a doubled delay")
    # Meanwhile A streams on (60 more bundles to the viewer): its tiles
    # change state never (stale after 2 s would be logged).
    vt.wait_bundles_sent(a.port, 60, "A streaming to the viewer while B is down")
    moved = [ln for ln in v.lines[mark:] if f"{la}/" in ln and "tile " in ln]
    check(not moved, f"A's tiles changed state while B was down: {moved}")
    check(v.proc.poll() is None, "the viewer died with B")

    b2 = lib.Daemon(camcastd, config(CAMERAS_B, port=port_b)).start()
    check_eq(b2.port, port_b, "B's port after the restart")
    mark = v.line_count()
    v.expect_line(rf"{rb}: hello from camcastd", WAIT, mark, what="B's new hello")
    expect_live(v, [f"{lb}/left"], mark)
    rc = v.stop(signal.SIGTERM)
    check_eq(rc, 0, f"exit status after SIGTERM; stderr:\n{v.stderr_text()}")
    check(v.counts()[2:] == (0, 0), f"malformed / undecodable: {v.stdout}")
    check("0 rejected" in v.stdout, f"entries rejected: {v.stdout}")
    return b2


def client_variants(port):
    return [c.get("variant") for c in stats(port).get("clients", [])]


def expect_variant(v, d, name, start, what):
    return v.expect_line(rf"{rx(d)}: subscribed to variant {name}$", WAIT, start,
                         what=what)


def variant_run(viewer_bin, a, b, xvfb):
    v = vt.Viewer(viewer_bin, [a.uri(), b.uri(), "--size", "640x400", "--timeout", "120"],
                  env=software_env(xvfb)).start()
    la, lb, ra, rb = label(a), label(b), rx(a), rx(b)
    # Three tiles in 640x400: about 289x181 each, smaller than preview.
    expect_variant(v, a, "preview", 0, "A asked for preview")
    expect_variant(v, b, "preview", 0, "B asked for preview")
    v.expect_line(rf"tile 1 {ra}/left: frames 320x200 \(preview\)", WAIT,
                  what="A's preview frames")
    v.expect_line(rf"tile 3 {rb}/left: frames 320x240 \(preview\)", WAIT,
                  what="B's preview frames")
    for d in (a, b):
        variants = client_variants(d.port)
        log(f"{label(d)} /stats: clients on {variants}")
        check_eq(variants, ["preview"], f"{label(d)}'s client variants (/stats)")

    keys = vt.XKeys(xvfb.display)
    try:
        keys.pointer_to(320, 200)
        mark = v.line_count()
        keys.press("1")
        _, tiles = wait_layout(v, mark, [1])
        expect_variant(v, a, "full", mark, "A back to full frames for its camera alone")
        v.expect_line(rf"tile 1 {ra}/left: frames 640x400 \(full\)", WAIT, mark,
                      what="A's full frames")
        check(not any(f"{lb}: subscribed" in ln for ln in v.lines[mark:]),
              "B changed variant while A's camera was alone")
        mark = v.line_count()
        keys.press("3")
        wait_layout(v, mark, [3])
        expect_variant(v, a, "preview", mark, "A on preview again (hidden)")
        expect_variant(v, b, "full", mark, "B on full frames for its camera alone")
        mark = v.line_count()
        keys.press("0")
        wait_layout(v, mark, [1, 2, 3])
        expect_variant(v, b, "preview", mark, "B on preview in the grid again")
        keys.press("q")
        rc = v.wait_exit(30)
    finally:
        keys.close()
    check_eq(rc, 0, f"exit status after Q; stderr:\n{v.stderr_text()}")
    check("0 rejected" in v.stdout, f"entries rejected: {v.stdout}")
    flips = [ln for ln in v.lines if "subscribed to variant" in ln]
    log(f"{len(flips)} subscriptions: {flips}")
    check(len(flips) <= 8, "more subscriptions than layout changes: flapping")


def wait_layout(v, start, want):
    """Waits for a layout showing exactly the tiles in want."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        v.wait_for_line(r"layout ", 0.5, start)
        size, tiles = vt.layout_from(v.lines, start)
        if sorted(tiles) == want:
            return size, tiles
    fail(f"no layout of tiles {want}; stderr:\n{v.stderr_text()}")


def main(camcastd, viewer_bin):
    a = lib.Daemon(camcastd, config(CAMERAS_A)).start()
    b = lib.Daemon(camcastd, config(CAMERAS_B)).start()
    with vt.Xvfb() as xvfb, tempfile.TemporaryDirectory(prefix="camcast-viewer-") as tmp:
        env = software_env(xvfb)
        screenshot_run(viewer_bin, a, b, env, tmp)
        b = outage_run(camcastd, viewer_bin, a, b, env)
        variant_run(viewer_bin, a, b, xvfb)
    check(a.alive() and b.alive(), "a daemon died")
    a.stop()
    b.stop()


if __name__ == "__main__":
    vt.run_main(main, 2)
