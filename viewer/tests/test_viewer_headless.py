"""camcast-viewer without any display, against a real camcastd.

1. --headless N with no DISPLAY (SDL's offscreen driver), and again with
   SDL_VIDEODRIVER=dummy: N bundles displayed, the count line, status 0.
2. Two connections at once (the same daemon through two URLs): two
   clients, two decode threads (this test runs under TSan too), every
   tile live under its HOST:PORT/camera label.
3. Reconnect: the daemon stops (close 1001) while the viewer runs; the
   viewer goes offline and retries with growing delays (0.5 s, 1 s, ...);
   a new daemon on the same port brings it back (a second hello) and the
   run completes. Meanwhile a viewer that gets nothing ends at --timeout
   with status 1.

Usage: /usr/bin/python3 test_viewer_headless.py CAMCASTD CAMCAST_VIEWER
"""

import re

import viewer_testlib as vt
from viewer_testlib import check, check_eq, lib, log

CAMERAS = [
    ("a", lib.camera(320, 240, "Mono8", "scroll", grab_fps=60)),
    ("b", lib.camera(160, 120, "RGB8", "bars", grab_fps=60)),
]


def headless_runs(viewer_bin, url):
    for driver in (None, "dummy"):
        env = vt.headless_env()
        if driver:
            env["SDL_VIDEODRIVER"] = driver
        v = vt.run_viewer(viewer_bin, [url, "--headless", "60", "--timeout", "60"], env=env)
        check_eq(v.rc, 0, f"exit status (driver {driver or 'default'}); stderr:\n"
                          f"{v.stderr_text()}")
        bundles, frames, malformed, undecodable = v.counts()
        log(f"driver {driver or 'offscreen'}: {v.stdout.strip()}")
        # A pass may show two bundles at once (one tile each): 60 or a bit more.
        check(60 <= bundles <= 62, f"displayed {bundles} bundles for --headless 60")
        check(bundles <= frames <= 2 * bundles, f"{frames} frames for {bundles} bundles")
        check_eq((malformed, undecodable), (0, 0), "malformed / undecodable")


def two_connections_run(viewer_bin, d):
    urls = [d.uri(), d.uri("/")]
    v = vt.run_viewer(viewer_bin, [*urls, "--headless", "120", "--timeout", "60"],
                      env=vt.headless_env())
    check_eq(v.rc, 0, f"exit status with two URLs; stderr:\n{v.stderr_text()}")
    bundles, frames, malformed, undecodable = v.counts()
    log(f"two URLs: {v.stdout.strip()}")
    check(bundles >= 120, f"displayed {bundles} bundles for --headless 120")
    check_eq((malformed, undecodable), (0, 0), "malformed / undecodable")
    label = f"{lib.HOST}:{d.port}"
    hellos = [ln for ln in v.lines if f"{label}: hello from camcastd" in ln]
    check_eq(len(hellos), 2, "hellos (one per connection)")
    for n, cam in enumerate(("a", "b", "a", "b"), 1):
        check(any(f"tile {n} {label}/{cam}: live" in ln for ln in v.lines),
              f"tile {n} ({cam}) never live:\n{v.stderr_text()}")


def reconnect_run(camcastd, viewer_bin, d):
    port = d.port
    v = vt.Viewer(viewer_bin, [d.uri(), "--headless", "60", "--timeout", "90"],
                  env=vt.headless_env()).start()
    v.expect_line(r"hello from camcastd", 20, what="the first hello")
    v.expect_line(r"layout ", 20, what="a layout")
    rc = d.stop()
    check_eq(rc, 0, "daemon exit status")
    # Two attempts at least, each after a longer wait.
    i, m = v.expect_line(r"offline \((.*)\): next attempt in ([0-9.]+) s", 20,
                         what="offline after the daemon stopped")
    check("1001" in m.group(1), f"close code 1001 not reported: {m.group(0)}")
    check_eq(m.group(2), "0.5", "first retry delay")
    _, m = v.expect_line(r"offline \((.*)\): next attempt in ([0-9.]+) s", 20, i + 1,
                         what="a second failed attempt")
    check_eq(m.group(2), "1.0", "second retry delay (doubled)")

    # Meanwhile a viewer that never gets a bundle ends at --timeout, status 1.
    probe = vt.run_viewer(viewer_bin, [d.uri(), "--headless", "1", "--timeout", "2"],
                          env=vt.headless_env())
    check_eq(probe.rc, 1, "status after --timeout")
    check(any("timed out" in ln for ln in probe.lines), "no timeout message")

    config = lib.make_config(lib.server_section(port=port), CAMERAS)
    d2 = lib.Daemon(camcastd, config).start()
    check_eq(d2.port, port, "the new daemon's port")
    v.expect_line(r"connected to ", 30, i + 1, what="a reconnect")
    rc = v.wait_exit(60)
    check_eq(rc, 0, f"viewer exit status after the reconnect; stderr:\n{v.stderr_text()}")
    hellos = [ln for ln in v.lines if "hello from camcastd" in ln]
    check_eq(len(hellos), 2, "hellos seen (one per daemon)")
    bundles = v.counts()[0]
    check(bundles >= 60, f"displayed {bundles} bundles")
    delays = [float(x) for x in re.findall(r"next attempt in ([0-9.]+) s", "\n".join(v.lines))]
    log(f"retry delays: {delays}")
    check(all(b >= a for a, b in zip(delays, delays[1:])), f"delays not growing: {delays}")
    check(max(delays) <= 5.0, f"a delay above 5 s: {delays}")
    d2.stop()


def main(camcastd, viewer_bin):
    config = lib.make_config(lib.server_section(), CAMERAS)
    d = lib.Daemon(camcastd, config).start()
    headless_runs(viewer_bin, d.uri())
    two_connections_run(viewer_bin, d)
    reconnect_run(camcastd, viewer_bin, d)


if __name__ == "__main__":
    vt.run_main(main, 2)
