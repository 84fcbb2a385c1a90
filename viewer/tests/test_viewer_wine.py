"""camcast-viewer.exe, the Windows build (packaging/windows/build.sh), under
Wine in a real window (Xvfb), against a real camcastd on 127.0.0.1 with the
sample configuration (cams.ini: three 1920x1200 Mono8 cameras).

The exe and its DLL come out of the zip, as a user gets them.

1. --help, --version and a bad option: the usage text on stdout, exit 2.
2. --screenshot: every tile shows its camera's image (gray, each pattern
   its own), with Wine's choice of SDL renderer (Direct3D over wined3d).
3. A window: what Wine puts on the X screen (XGetImage) shows every tile
   live, and the tiles change between two shots. The daemon stops: the
   tiles go offline (the amber banner); a new daemon on the same port: the
   viewer reconnects, gets a second hello, and the tiles change again.
   Q (through XTEST) closes the window: exit status 0, the count line.
4. --token-file against a daemon that wants a token: the right token
   streams; a token file that every user may read (Wine maps the Unix
   mode to the DACL the viewer checks) and no token at all are refused.

Usage: /usr/bin/python3 test_viewer_wine.py CAMCASTD ZIP
The Wine prefix is $WINEPREFIX, or wineprefix/ beside ZIP: created on the
first run (slow), reused after. Prints "windows-viewer-wine: PASS|FAIL".
"""

import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import zipfile

import viewer_testlib as vt
from viewer_testlib import check, check_eq, fail, lib, log

CAMERAS = ["left", "center", "right"]
WAIT = 60.0  # one thing the viewer or Wine must do (Wine starts slowly)
RESULT = "windows-viewer-wine"


# ---------------------------------------------------------------------------
# The checks


def cli_runs(wine, exe):
    v = wine.run(exe, ["--help"], timeout=WAIT)
    check_eq(v.rc, 0, f"--help exit status; stderr:\n{v.stderr_text()}")
    check(v.stdout.startswith("usage: camcast-viewer"), f"--help: {v.stdout[:200]!r}")
    check("--token-file PATH" in v.stdout, "--help lists --token-file")
    v = wine.run(exe, ["--version"], timeout=WAIT)
    check_eq(v.rc, 0, "--version exit status")
    check(re.match(r"camcast-viewer \d+\.\d+\.\d+", v.stdout), f"--version: {v.stdout!r}")
    v = wine.run(exe, ["--no-such-option"], timeout=WAIT)
    check_eq(v.rc, 2, "exit status for a bad option")
    check("usage: camcast-viewer" in v.stderr_text(), "the usage text after a bad option")
    log("--help, --version, a bad option: as documented")


def tile_problems(img, tiles):
    """What is wrong with the tiles in img: each must show a gray image
    (Mono8) and no banner, and the three must differ."""
    problems, stats = [], {}
    for n, (name, _cell, image) in sorted(tiles.items()):
        s = stats[n] = vt.region_stats(img, image, step=3)
        if s["not_bg"] <= 0.9:
            problems.append(f"tile {n} ({name}) shows little image ({s['not_bg']:.1%})")
        if s["amber"]:
            problems.append(f"tile {n} ({name}) shows a banner (not live)")
        if s["gray"] <= 0.9:
            problems.append(f"the Mono8 tile {n} ({name}) is not gray ({s['gray']:.1%})")
    for a, b in ((1, 2), (1, 3), (2, 3)):
        d = vt.grid_distance(stats[a], stats[b])
        if d <= 5:
            problems.append(f"tiles {a} and {b} look the same ({d:.1f})")
    return problems, stats


def check_tiles(img, tiles, what):
    problems, stats = tile_problems(img, tiles)
    for n, s in sorted(stats.items()):
        log(f"{what}: tile {n} {tiles[n][0]}: {s['not_bg']:.1%} not background, "
            f"{s['gray']:.1%} gray")
    check(not problems, f"{what}: " + "; ".join(problems))


def screenshot_run(wine, exe, url, tmp):
    shot = os.path.join(tmp, "window.bmp")
    v = wine.run(exe, [url, "--size", "1280x720", "--screenshot", vt.win_path(shot),
                       "--after", "45", "--timeout", "120", "-v"], timeout=180)
    m = v.wait_for_line(r"renderer (\w+), video driver (\w+)", 0)[1]
    log(f"renderer under Wine: {m.group(1) if m else '?'}, driver {m.group(2) if m else '?'}")
    check_eq(v.rc, 0, f"exit status of the screenshot run; stderr:\n{v.stderr_text()}")
    bundles, frames, malformed, undecodable = v.counts()
    check(bundles >= 45, f"displayed {bundles} bundles, expected at least 45")
    check_eq((malformed, undecodable), (0, 0), "malformed / undecodable")
    size, tiles = vt.layout_from(v.lines)
    check_eq(size, (1280, 720), "window size in the layout log")
    check_eq([t[0] for _, t in sorted(tiles.items())], CAMERAS, "tiles in the layout log")
    bmp = vt.Bmp(shot)
    check_eq((bmp.w, bmp.h), size, "screenshot size")
    check_tiles(bmp, tiles, "--screenshot")


def changed(a, b, rect, step=3):
    """Fraction of pixels in rect that differ between two shots."""
    x0, y0, w, h = rect
    n = diff = 0
    for y in range(y0, y0 + h, step):
        for x in range(x0, x0 + w, step):
            n += 1
            diff += max(abs(p - q) for p, q in zip(a.pixel(x, y), b.pixel(x, y))) > 12
    return diff / max(n, 1)


def live_shots(xw, win, w, h, tiles, what):
    """Two shots of the window with every tile live, and every tile changed
    from the first to the second. Polled: Wine shows the window's first
    frames a moment after the viewer logs them."""
    deadline = time.monotonic() + 30
    while tile_problems(first := xw.grab(win, w, h), tiles)[0]:
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
    check_tiles(first, tiles, f"{what}, X shot 1")
    deadline = time.monotonic() + 20
    while True:
        time.sleep(0.5)
        second = xw.grab(win, w, h)
        moved = {n: changed(first, second, t[2]) for n, t in tiles.items()}
        if all(f > 0.01 for f in moved.values()):
            break
        if time.monotonic() > deadline:
            fail(f"{what}: tiles did not change between X shots: {moved}")
    check_tiles(second, tiles, f"{what}, X shot 2")
    log(f"{what}: changed between two X shots: "
        + ", ".join(f"tile {n} {f:.0%}" for n, f in sorted(moved.items())))


def amber_tiles(shot, tiles):
    return [n for n, t in tiles.items() if vt.region_stats(shot, t[1], step=2)["amber"] > 0]


def window_run(wine, exe, camcastd, d, xvfb, tmp):
    """A window on the X screen; the daemon restarts; Q."""
    url = d.uri()
    v = wine.viewer(exe, [url, "--size", "1280x720", "--timeout", "240"]).start()
    v.expect_line(r"layout 1280x720: tile 3 ", WAIT, what="the grid layout")
    for name in CAMERAS:
        v.expect_line(rf"tile \d {name}: live", WAIT, what=f"tile {name} live")
    _, tiles = vt.layout_from(v.lines)
    xw = vt.XWindows(xvfb.display)
    keys = vt.XKeys(xvfb.display)
    try:
        win, w, h = xw.find("camcast-viewer ", WAIT)
        # No window manager: Wine's X window is the client area itself.
        check_eq((w, h), (1280, 720), "size of the viewer's X window")
        live_shots(xw, win, w, h, tiles, "first daemon")

        mark = v.line_count()
        check_eq(d.stop(), 0, "daemon exit status")
        _, m = v.expect_line(r"offline \((.*)\): next attempt in ([0-9.]+) s", 30, mark,
                             what="offline after the daemon stopped")
        check("1001" in m.group(1), f"close code 1001 not reported: {m.group(0)}")
        deadline = time.monotonic() + 20
        while len(amber_tiles(xw.grab(win, w, h), tiles)) < len(tiles):
            if time.monotonic() > deadline:
                fail("the tiles show no offline banner on the X screen")
            time.sleep(0.5)
        log("daemon stopped: every tile shows its banner")

        d2 = lib.Daemon(camcastd, vt.sample_config(port=d.port)).start()
        check_eq(d2.port, d.port, "the new daemon's port")
        v.expect_line(r"connected to ", WAIT, mark, what="a reconnect")
        v.expect_line(r"hello from camcastd", WAIT, mark, what="the second hello")
        for name in CAMERAS:
            v.expect_line(rf"tile \d {name}: live", WAIT, mark, what=f"tile {name} live again")
        live_shots(xw, win, w, h, tiles, "after the restart")

        keys.pointer_to(640, 400)
        keys.press("q")
        rc = v.wait_exit(WAIT)
    finally:
        keys.close()
        xw.close()
    check_eq(rc, 0, f"exit status after Q; stderr:\n{v.stderr_text()}")
    bundles, frames, malformed, undecodable = v.counts()
    check(bundles > 0 and frames > 0, "nothing displayed before Q")
    check_eq((malformed, undecodable), (0, 0), "malformed / undecodable")
    hellos = [ln for ln in v.lines if "hello from camcastd" in ln]
    check_eq(len(hellos), 2, "hellos (one per daemon)")
    d2.stop()


def token_runs(wine, exe, camcastd, tmp):
    token = "cc-wine-" + os.urandom(12).hex()
    good = os.path.join(tmp, "token")
    with open(good, "w") as f:
        f.write(token + "\r\n")  # as Notepad writes it
    os.chmod(good, 0o600)
    shared = os.path.join(tmp, "token-shared")
    shutil.copy(good, shared)
    os.chmod(shared, 0o644)
    with lib.Daemon(camcastd, vt.sample_config(token_file=good)) as d:
        v = wine.run(exe, [d.uri(), "--token-file", vt.win_path(good), "--headless", "30",
                           "--timeout", "120"], timeout=180)
        check_eq(v.rc, 0, f"exit status with the right token; stderr:\n{v.stderr_text()}")
        check(v.counts()[0] >= 30, "bundles displayed with the token")
        check(token not in v.stderr_text() + v.stdout, "the token in the viewer's output")

        v = wine.run(exe, [d.uri(), "--token-file", vt.win_path(shared), "--headless", "1",
                           "--timeout", "20"], timeout=WAIT)
        check_eq(v.rc, 1, "exit status with a token file every user may read")
        check(any("readable by every user" in ln for ln in v.lines),
              f"no refusal of the shared token file:\n{v.stderr_text()}")

        v = wine.run(exe, [d.uri(), "--headless", "1", "--timeout", "5"], timeout=WAIT)
        check_eq(v.rc, 1, "exit status without a token")
        check(any("server wants an access token" in ln for ln in v.lines),
              f"no 401 message without a token:\n{v.stderr_text()}")
    log("--token-file: streams with the token (CRLF line), refuses a shared file; "
        "no token: 401")


def main(camcastd, zip_path):
    prefix = os.environ.get("WINEPREFIX") or os.path.join(
        os.path.dirname(os.path.abspath(zip_path)), "wineprefix")
    with tempfile.TemporaryDirectory(prefix="camcast-wine-") as tmp, vt.Xvfb() as xvfb:
        with zipfile.ZipFile(zip_path) as z:
            z.extractall(tmp)
            exes = [n for n in z.namelist() if n.endswith("/camcast-viewer.exe")]
        check_eq(len(exes), 1, f"camcast-viewer.exe in {zip_path}")
        exe = os.path.join(tmp, exes[0])
        wine = vt.Wine(prefix, xvfb.display)
        wine.boot()
        try:
            cli_runs(wine, exe)
            with lib.Daemon(camcastd, vt.sample_config()) as d:
                screenshot_run(wine, exe, d.uri(), tmp)
                window_run(wine, exe, camcastd, d, xvfb, tmp)
            token_runs(wine, exe, camcastd, tmp)
        finally:
            vt.Viewer.kill_all()
            wine.stop()


def watchdog(seconds):
    """Every wait above is bounded; this bounds them all together."""
    def fire():
        print(f"\nFAIL {os.path.basename(sys.argv[0])}: still running after {seconds} s",
              file=sys.stderr, flush=True)
        print(f"{RESULT}: FAIL", flush=True)
        os.killpg(os.getpgid(0), signal.SIGKILL)
    t = threading.Timer(seconds, fire)
    t.daemon = True
    t.start()


if __name__ == "__main__":
    os.setpgrp()  # the watchdog ends Wine, Xvfb and the daemons with us
    watchdog(900)
    try:
        vt.run_main(main, 2)
    except SystemExit as e:
        print(f"{RESULT}: {'PASS' if e.code == 0 else 'FAIL'}", flush=True)
        raise
