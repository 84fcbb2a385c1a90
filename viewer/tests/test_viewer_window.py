"""camcast-viewer in a real window (Xvfb) against a real camcastd.

1. A screenshot after 45 displayed bundles, with SDL's default renderer
   and with its software renderer: every tile shows its streamed image
   (mostly non-background pixels), the Mono8 tiles are gray, the RGB8 tile
   is in colour, and the two Mono8 patterns differ.
2. Keys, sent through XTEST: '2' shows camera 2 alone (a new layout), '0'
   the grid, 'F' full screen; 'S' saves the displayed frames as JPEG files
   (valid, of the camera's size), the same ones while Space has paused the
   tiles, newer ones after Space again; 'Q' quits with status 0.
3. SIGTERM: a clean exit, status 0.

Usage: /usr/bin/python3 test_viewer_window.py CAMCASTD CAMCAST_VIEWER
"""

import os
import signal
import tempfile
import time

import viewer_testlib as vt
from viewer_testlib import check, check_eq, fail, lib, log

CAMERAS = [
    ("left", lib.camera(640, 480, "Mono8", "scroll", grab_fps=60)),
    ("middle", lib.camera(320, 240, "RGB8", "bars", grab_fps=60)),
    ("right", lib.camera(640, 480, "Mono8", "checker", grab_fps=60)),
]


def check_screenshot(viewer, path):
    size, tiles = vt.layout_from(viewer.lines)
    check_eq(size, (1280, 720), "window size in the layout log")
    check_eq(sorted(tiles), [1, 2, 3], "tiles in the layout log")
    bmp = vt.Bmp(path)
    check_eq((bmp.w, bmp.h), size, "screenshot size")
    stats = {}
    for n, (name, cell, image) in tiles.items():
        s = vt.region_stats(bmp, image)
        stats[n] = s
        log(f"tile {n} {name}: image {image}: {s['not_bg']:.1%} not background, "
            f"{s['gray']:.1%} gray, {s['colour']:.1%} coloured")
        # The overlay box covers a corner; the rest must be the image.
        check(s["not_bg"] > 0.9, f"tile {n} ({name}) shows little image: {s}")
        check(s["amber"] == 0, f"tile {n} ({name}) shows a banner (not live)")
    check(stats[1]["gray"] > 0.95, "the Mono8 tile 'left' is not gray")
    check(stats[3]["gray"] > 0.95, "the Mono8 tile 'right' is not gray")
    check(stats[2]["colour"] > 0.3, "the RGB8 tile 'middle' is not in colour")
    d = vt.grid_distance(stats[1], stats[3])
    log(f"tiles 1 and 3 differ by {d:.1f} (mean brightness per cell)")
    check(d > 8, "tiles 'left' and 'right' look the same")
    # The status bar has text on it.
    bar = (0, tiles[3][1][1] + tiles[3][1][3] + 2, bmp.w, 10)
    check(vt.region_stats(bmp, bar, step=1)["not_bg"] > 0.05, "no status bar text")


def software_env(xvfb):
    """SDL's software renderer straight to the X11 window. Whatever SDL
    picks by default (OpenGL, Mesa under Xvfb) is unloaded by SDL_Quit,
    after which LeakSanitizer cannot name Mesa's own leaks, let alone
    suppress them; so the other runs use this, with leak checks on."""
    env = xvfb.env()
    env["SDL_RENDER_DRIVER"] = "software"
    env["SDL_FRAMEBUFFER_ACCELERATION"] = "0"
    return env


def default_env(xvfb):
    """SDL's own choice of renderer; leak checks off for the reason above."""
    env = xvfb.env()
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    return env


def screenshot_run(viewer_bin, url, env, tmp):
    shot = os.path.join(tmp, "window.bmp")
    v = vt.run_viewer(viewer_bin, [url, "--size", "1280x720", "--screenshot", shot,
                                   "--after", "45", "--timeout", "60", "-v"], env=env)
    renderer = v.wait_for_line(r"renderer (\w+)", 0)[1]
    log(f"renderer: {renderer.group(1) if renderer else '?'}")
    check_eq(v.rc, 0, f"exit status of the screenshot run; stderr:\n{v.stderr_text()}")
    bundles, frames, malformed, undecodable = v.counts()
    check(bundles >= 45, f"displayed {bundles} bundles, expected at least 45")
    check(frames >= bundles, "fewer frames than bundles")
    check_eq((malformed, undecodable), (0, 0), "malformed / undecodable")
    check(os.path.getsize(shot) > 1280 * 720 * 4, "screenshot too small")
    check_screenshot(v, shot)


def press_and_wait(v, keys, key, pattern, what):
    mark = v.line_count()
    keys.press(key)
    return v.expect_line(pattern, 15, mark, what=what)[1]


def save(v, keys, save_dir, want=len(CAMERAS)):
    """Presses S until it saves want frames (a tile without a frame yet
    saves nothing); returns the files in save_dir."""
    for _ in range(10):
        m = press_and_wait(v, keys, "s", r"saved (\d+) frames to ", "the S summary")
        if int(m.group(1)) == want:
            return set(os.listdir(save_dir))
        time.sleep(0.5)
    fail(f"S saved {m.group(1)} frames, not {want}")


def check_saved(files, save_dir):
    tj = lib.TurboJPEG()
    try:
        for name, cam in CAMERAS:
            match = [f for f in files if f.startswith(f"camcast-{name}-") and f.endswith(".jpg")]
            check(match, f"no file saved for camera {name}: {files}")
            for f in match:
                check(f[len(f"camcast-{name}-"):-4].isdigit(), f"frame id in {f}")
                data = open(os.path.join(save_dir, f), "rb").read()
                w, h = tj.decode(data)[:2]
                check_eq((w, h), (cam["width"], cam["height"]), f"{f} size")
    finally:
        tj.close()


def keys_view(v, keys):
    """2: camera 2 alone; 0: the grid; F: full screen (the whole Xvfb screen)."""
    mark = v.line_count()
    press_and_wait(v, keys, "2", r"layout 1280x720: tile 2 middle: ", "camera 2 alone")
    size, tiles = vt.layout_from(v.lines, mark)
    check_eq(sorted(tiles), [2], "tiles shown after key 2")
    check(tiles[2][1][2] > 1200, f"camera 2 alone does not fill the window: {tiles}")
    press_and_wait(v, keys, "0", r"layout 1280x720: tile 3 ", "the grid after key 0")
    press_and_wait(v, keys, "f", r"layout 1280x800: tile 3 ", "a full-screen layout")
    press_and_wait(v, keys, "f", r"info: windowed", "windowed again")


def keys_pause(v, keys, save_dir, port):
    """Space freezes the tiles: S saves the same frames twice, 15 bundles
    apart; after Space again, newer ones."""
    save(v, keys, save_dir)  # every tile has a frame by now
    press_and_wait(v, keys, "space", r"info: paused", "paused")
    frozen = save(v, keys, save_dir)
    vt.wait_bundles_sent(port, 15, "streaming while paused")
    check_eq(save(v, keys, save_dir), frozen, "files saved twice while paused")
    press_and_wait(v, keys, "space", r"info: resumed", "resumed")
    for _ in range(20):
        newer = save(v, keys, save_dir) - frozen
        if len(newer) == len(CAMERAS):
            return
        time.sleep(0.5)
    fail(f"no newer frames after resuming: {sorted(newer)}")


def keys_run(viewer_bin, url, port, xvfb, tmp):
    save_dir = os.path.join(tmp, "saved")
    os.mkdir(save_dir)
    v = vt.Viewer(viewer_bin, [url, "--size", "1280x720", "--save-dir", save_dir,
                               "--timeout", "90"], env=software_env(xvfb)).start()
    v.expect_line(r"layout 1280x720: tile 3 ", 30, what="the grid layout")
    keys = vt.XKeys(xvfb.display)
    try:
        keys.pointer_to(640, 360)
        keys_view(v, keys)
        keys_pause(v, keys, save_dir, port)
        keys.press("q")
        rc = v.wait_exit(30)
    finally:
        keys.close()
    check_eq(rc, 0, f"exit status after Q; stderr:\n{v.stderr_text()}")
    bundles, frames, _, _ = v.counts()
    check(bundles > 0 and frames > 0, "nothing displayed before Q")
    files = sorted(os.listdir(save_dir))
    log(f"saved: {files}")
    check_saved(files, save_dir)


def sigterm_run(viewer_bin, url, port, xvfb):
    v = vt.Viewer(viewer_bin, [url, "--timeout", "60"], env=software_env(xvfb)).start()
    v.expect_line(r"layout \d+x\d+: tile 3 ", 30, what="the grid layout")
    vt.wait_bundles_sent(port, 15, "streaming to the viewer")
    rc = v.stop(signal.SIGTERM)
    check_eq(rc, 0, f"exit status after SIGTERM; stderr:\n{v.stderr_text()}")
    v.counts()


def main(camcastd, viewer_bin):
    config = lib.make_config(lib.server_section(), CAMERAS)
    with lib.Daemon(camcastd, config) as d, vt.Xvfb() as xvfb, \
            tempfile.TemporaryDirectory(prefix="camcast-viewer-") as tmp:
        url = d.uri()
        screenshot_run(viewer_bin, url, default_env(xvfb), tmp)
        screenshot_run(viewer_bin, url, software_env(xvfb), tmp)
        keys_run(viewer_bin, url, d.port, xvfb, tmp)
        sigterm_run(viewer_bin, url, d.port, xvfb)
        check(d.alive(), "the daemon died")


if __name__ == "__main__":
    vt.run_main(main, 2)
