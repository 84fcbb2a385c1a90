"""camcast-viewer's camera control keys in a real window (Xvfb) against a
real camcastd with a control token (docs/viewer.md, "Keys").

1. An operator (--token-file with the control token), keys through XTEST
   with the pointer on tile 1:
   - L shows each tile's levels: a histogram box appears in the tile's
     bottom-left corner (its bar colour, read back from the X screen, is
     nowhere there before), the first levels of each tile are logged;
   - Shift+E six times halves the exposure three times over (each step
     confirmed by the daemon's feature message); S then saves a frame of
     tile 1 far darker than the one saved before, tile 2's as bright as
     before: S saves what is shown;
   - G and Shift+G step the gain by 1 dB; at 0 dB Shift+G says it is at its
     minimum and sends nothing;
   - 2 (camera 2 alone) then E: the step is camera 2's;
   - L again: levels no longer asked for; Q quits with status 0.
2. A viewer without the control token: E says view only, and why; L shows
   the levels all the same (the viewing right).

Usage: /usr/bin/python3 test_viewer_operator.py CAMCASTD CAMCAST_VIEWER
"""

import os
import re
import tempfile
import time

import viewer_testlib as vt
from test_viewer_window import software_env
from viewer_testlib import check, check_eq, lib, log

CONTROL = "cc-operator-" + os.urandom(10).hex()
CAMERAS = [
    ("left", lib.camera(640, 480, "Mono8", "scroll", grab_fps=60)),
    ("right", lib.camera(640, 480, "Mono8", "checker", grab_fps=60)),
]
BAR = (210, 210, 150)  # render.h: CC_COLOR_LEVEL_BAR


def token_file(tmp, token):
    path = os.path.join(tmp, "control-token")
    with open(path, "w") as f:
        f.write(token + "\n")
    os.chmod(path, 0o600)
    return path


def press(v, keys, key, pattern, what, shift=False):
    mark = v.line_count()
    keys.press(key, shift)
    return v.expect_line(pattern, 15, mark, what=what)[1]


def newest(save_dir, name):
    ids = [int(f[len(f"camcast-{name}-"):-4]) for f in os.listdir(save_dir)
           if f.startswith(f"camcast-{name}-") and f.endswith(".jpg")]
    return os.path.join(save_dir, f"camcast-{name}-{max(ids)}.jpg") if ids else None


def saved_means(v, keys, save_dir):
    """S: the mean brightness of each camera's saved JPEG (the newest frame
    of each: what S saved, or saved already)."""
    for _ in range(10):
        m = press(v, keys, "s", r"saved (\d+) frames to ", "the S summary")
        if int(m.group(1)) == len(CAMERAS):
            break
        time.sleep(0.5)  # a tile without a frame yet saves nothing
    check_eq(int(m.group(1)), len(CAMERAS), "frames S saved")
    tj = lib.TurboJPEG()
    try:
        means = {}
        for name, _ in CAMERAS:
            with open(newest(save_dir, name), "rb") as f:
                w, h, _ss, _cs, px = tj.decode(f.read(), True)
            means[name] = sum(px) / len(px)
    finally:
        tj.close()
    return means


def on_screen(keys, rect):
    """A rect of the 1280x720 window in screen coordinates."""
    ox, oy = keys.window_origin(1280, 720)
    return (rect[0] + ox, rect[1] + oy, rect[2], rect[3])


def point_at(keys, image):
    x, y, w, h = on_screen(keys, image)
    keys.pointer_to(x + w // 2, y + h // 2)


def bar_pixels(keys, image):
    """Pixels of the levels box's bar colour in the bottom-left quarter of
    a tile's image, on the X screen."""
    x, y, w, h = on_screen(keys, image)
    rect = (x, y + h // 2, w // 2, h // 2)
    shot = keys.grab(rect)
    n = 0
    for yy in range(rect[1], rect[1] + rect[3]):
        for xx in range(rect[0], rect[0] + rect[2]):
            n += vt.near(shot.pixel(xx, yy), BAR, 8)
    return n


def check_levels(v, keys, tiles):
    before = bar_pixels(keys, tiles[1][2])
    check_eq(before, 0, "bar-coloured pixels in tile 1 before L")
    mark = v.line_count()
    keys.press("l")
    v.expect_line(r"info: levels on$", 10, mark, what="L: levels on")
    v.expect_line(r"levels asked for", 10, mark, what="levels subscribed")
    for n, name in ((1, "left"), (2, "right")):
        m = v.expect_line(rf"tile {n} {name}: levels: clipped (\S+) black  (\S+) white; "
                          r"exposure 10000 us  gain 0 dB", 15, mark,
                          what=f"tile {n}'s levels")[1]
        log(f"tile {n} levels: {m.group(0)}")
    after = 0
    for _ in range(20):  # the next frames drawn carry the box
        after = bar_pixels(keys, tiles[1][2])
        if after > 100:
            break
        time.sleep(0.2)
    check(after > 100, f"the histogram's bars in tile 1: {after} pixels")
    log(f"L: levels box drawn ({after} bar pixels in tile 1, none before)")


def check_exposure(v, keys, save_dir, before):
    value = 10000.0
    for _ in range(6):
        m = press(v, keys, "e", r"left: ExposureTime (\S+) us -> (\S+) us", "Shift+E",
                  shift=True)
        check_eq(float(m.group(1)), float(f"{value:.6g}"), "the step's start")
        value /= 2 ** 0.5
        check(abs(float(m.group(2)) - value) < value * 1e-4, f"step to {m.group(2)}")
        v.expect_line(rf"camera left: ExposureTime = {re.escape(m.group(2))} us", 10,
                      what="the daemon confirms the exposure")
    after = None
    for _ in range(20):  # frames grabbed after the last set reach the screen
        after = saved_means(v, keys, save_dir)
        if after["left"] < before["left"] / 4:
            break
        time.sleep(0.3)
    check(after["left"] < before["left"] / 4,
          f"tile 1 not darker: {before['left']:.1f} -> {after['left']:.1f}")
    check(abs(after["right"] - before["right"]) < before["right"] / 5,
          f"tile 2 changed: {before['right']:.1f} -> {after['right']:.1f}")
    log(f"Shift+E x6: ExposureTime 10000 -> {value:.0f} us; saved frames: left "
        f"{before['left']:.1f} -> {after['left']:.1f}, right {before['right']:.1f} -> "
        f"{after['right']:.1f}")


def check_gain(v, keys):
    press(v, keys, "g", r"left: Gain 0 dB -> 1 dB", "G")
    v.expect_line(r"camera left: Gain = 1 dB", 10, what="the daemon confirms the gain")
    press(v, keys, "g", r"left: Gain 1 dB -> 0 dB", "Shift+G", shift=True)
    v.expect_line(r"camera left: Gain = 0 dB", 10, what="the gain back at 0")
    # At the end of the range the key says so (and sends nothing).
    press(v, keys, "g", r"left: Gain 0 dB is at its minimum", "Shift+G at 0", shift=True)
    log("G / Shift+G: 0 -> 1 -> 0 dB; at 0 dB Shift+G goes no lower")


def start(viewer_bin, args, xvfb):
    """A viewer in a 1280x720 window with its grid laid out, and keys with
    the pointer on tile 1 -> (viewer, tiles, keys)."""
    v = vt.Viewer(viewer_bin, args + ["--size", "1280x720"], env=software_env(xvfb)).start()
    mark = v.line_count()
    v.expect_line(r"layout 1280x720: tile 2 ", 30, what="the grid layout")
    _, tiles = vt.layout_from(v.lines, mark)
    keys = vt.XKeys(xvfb.display)
    point_at(keys, tiles[1][2])
    return v, tiles, keys


def operator_run(viewer_bin, url, xvfb, tmp):
    save_dir = os.path.join(tmp, "saved")
    os.mkdir(save_dir)
    v, tiles, keys = start(viewer_bin, [url, "--save-dir", save_dir, "--token-file",
                                        token_file(tmp, CONTROL), "--timeout", "150"], xvfb)
    try:
        before = saved_means(v, keys, save_dir)
        check_levels(v, keys, tiles)
        check_exposure(v, keys, save_dir, before)
        check_gain(v, keys)
        press(v, keys, "2", r"layout 1280x720: tile 2 right: ", "camera 2 alone")
        press(v, keys, "e", r"right: ExposureTime 10000 us -> 14142\.1 us", "E on camera 2")
        v.expect_line(r"camera right: ExposureTime = 14142\.1 us", 10,
                      what="the daemon confirms camera 2's exposure")
        press(v, keys, "0", r"layout 1280x720: tile 1 ", "the grid")
        mark = v.line_count()
        keys.press("l")
        v.expect_line(r"info: levels off$", 10, mark, what="L again")
        v.expect_line(r"levels no longer asked for", 10, mark, what="levels unsubscribed")
        keys.press("q")
        rc = v.wait_exit(30)
    finally:
        keys.close()
    check_eq(rc, 0, f"exit status after Q; stderr:\n{v.stderr_text()}")
    log("2 + E: camera 2's exposure 10000 -> 14142.1 us; L again: levels off; Q")


def viewer_run(viewer_bin, url, xvfb):
    v, _, keys = start(viewer_bin, [url, "--timeout", "60"], xvfb)
    try:
        v.expect_line(r"hello from", 10, what="the hello")
        m = None
        for _ in range(20):  # until the features reply came
            m = press(v, keys, "e", r"left: (view only.*|camera settings not known yet)",
                      "E without the operator right")
            if m.group(1).startswith("view only"):
                break
            time.sleep(0.3)
        check(m.group(1).startswith("view only") and "control token" in m.group(1),
              f"E without the right: {m.group(0)}")
        mark = v.line_count()
        keys.press("l")
        v.expect_line(r"tile 1 left: levels: clipped ", 15, mark,
                      what="levels with the viewing right")
        keys.press("q")
        rc = v.wait_exit(30)
    finally:
        keys.close()
    check_eq(rc, 0, f"exit status after Q; stderr:\n{v.stderr_text()}")
    log(f"without the control token: {m.group(0)!r}; L shows the levels")


def main(camcastd, viewer_bin):
    with tempfile.TemporaryDirectory(prefix="camcast-viewer-") as tmp:
        server = lib.server_section(stream_fps=20)
        server["control_token_file"] = token_file(tmp, CONTROL)
        config = lib.make_config(server, CAMERAS)
        with lib.Daemon(camcastd, config) as d, vt.Xvfb() as xvfb:
            url = d.uri()
            operator_run(viewer_bin, url, xvfb, tmp)
            viewer_run(viewer_bin, url, xvfb)
            check(d.alive(), "the daemon died")


if __name__ == "__main__":
    vt.run_main(main, 2)
