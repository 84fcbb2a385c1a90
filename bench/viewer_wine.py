#!/usr/bin/python3
"""The viewer's CPU per displayed frame: camcast-viewer on Linux against
camcast-viewer.exe under Wine, on this machine, on the same stream.

    bench/viewer_wine.py [--daemon PATH] [--viewer PATH] [--zip PATH]
                         [--bundles 300] [--runs 3]

One camcastd on 127.0.0.1 with the sample cams.ini (three 1920x1200 Mono8
cameras at 30 fps; the viewer picks the 640x400 'preview' variant for its
tiles), one Xvfb, a 1280x720 window. Each viewer runs to --screenshot
after 60 bundles, then after 60 + --bundles: the difference of the two
runs' CPU time (user + system, all threads: network, decode, render)
divided by the difference of their displayed frames is the CPU per frame,
without the start-up (Wine's is a second or more). Under Wine, what
wineserver and Xvfb spend in the same runs is shown apart. Medians of
--runs pairs. Wine's figure is Wine's: a Windows PC has real GPU drivers,
where Wine turns Direct3D into OpenGL on Mesa's llvmpipe here.

Defaults: build-release/src/camcastd, build-release/viewer/camcast-viewer,
build-windows/camcast-viewer-*-win64.zip (./scripts/test.sh or
packaging/windows/build.sh make them); the Wine prefix is $WINEPREFIX or
wineprefix/ beside the zip (the Wine test's). Run it on an idle machine.
"""

import argparse
import glob
import os
import statistics
import sys
import tempfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "viewer", "tests"))
import viewer_testlib as vt  # noqa: E402  (the path above first)
from viewer_testlib import check, lib, log  # noqa: E402

WARMUP = 60  # bundles of the short run
TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid):
    """CPU seconds (user + system) of a live process, from /proc."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


class Run:
    """One viewer run to its screenshot: its CPU time and frames, and
    what the helper processes (wineserver, Xvfb) spent meanwhile."""

    def __init__(self, start, wait_cpu, helpers):
        before = {name: proc_cpu(pid) for name, pid in helpers.items()}
        v = start()
        self.cpu = wait_cpu(v)
        self.helpers = {name: proc_cpu(pid) - before[name] for name, pid in helpers.items()}
        check(v.rc == 0, f"viewer exit status {v.rc}:\n{v.stderr_text()}")
        self.frames = v.counts()[1]


def wait_rusage(v, timeout=300.0):
    """Waits for the viewer (a direct child) and returns its CPU seconds:
    the wine launcher execs into the Windows process, so this is the
    viewer's own either way."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, ru = os.wait4(v.proc.pid, os.WNOHANG)
        if pid:
            v.proc.returncode = os.waitstatus_to_exitcode(status)
            break
        if time.monotonic() > deadline:
            v.kill()
            lib.fail(f"viewer still running after {timeout:.0f} s")
        time.sleep(0.05)
    for t in v._threads:
        t.join(5)
    v.rc = v.proc.returncode
    return ru.ru_utime + ru.ru_stime


def per_frame(start, helpers, bundles, runs, what):
    """Median over runs of (CPU, helpers' CPU) per frame, in ms."""
    own, extra = [], {name: [] for name in helpers}
    for i in range(runs):
        short = Run(lambda: start(WARMUP), wait_rusage, helpers)
        long = Run(lambda: start(WARMUP + bundles), wait_rusage, helpers)
        frames = long.frames - short.frames
        check(frames > 0, f"{what}: the long run displayed no more frames than the short one")
        own.append((long.cpu - short.cpu) / frames * 1000)
        for name in helpers:
            extra[name].append((long.helpers[name] - short.helpers[name]) / frames * 1000)
        log(f"{what} run {i + 1}: {own[-1]:.2f} ms per frame ({frames} frames)")
    return statistics.median(own), {n: statistics.median(v) for n, v in extra.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--daemon", default=os.path.join(ROOT, "build-release/src/camcastd"))
    ap.add_argument("--viewer", default=os.path.join(ROOT, "build-release/viewer/camcast-viewer"))
    ap.add_argument("--zip", default=None)
    ap.add_argument("--bundles", type=int, default=300)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    a.daemon, a.viewer = os.path.abspath(a.daemon), os.path.abspath(a.viewer)
    if a.zip is None:
        zips = sorted(glob.glob(os.path.join(ROOT, "build-windows", "camcast-viewer-*-win64.zip")))
        check(zips, "no build-windows/camcast-viewer-*-win64.zip: run packaging/windows/build.sh")
        a.zip = zips[-1]
    load = os.getloadavg()[0]
    if load > 0.5 * os.cpu_count():
        log(f"warning: load average {load:.1f} on {os.cpu_count()} CPUs: the figures "
            "will be noisy; run this on an idle machine")

    with tempfile.TemporaryDirectory(prefix="camcast-bench-wine-") as tmp, \
            vt.Xvfb() as xvfb, lib.Daemon(a.daemon, vt.sample_config()) as d:
        with zipfile.ZipFile(a.zip) as z:
            z.extractall(tmp)
            exe = os.path.join(tmp, [n for n in z.namelist()
                                     if n.endswith("/camcast-viewer.exe")][0])
        shot = os.path.join(tmp, "shot.bmp")
        args = [d.uri(), "--size", "1280x720", "--timeout", "240", "--after"]

        def native(n):
            return vt.Viewer(a.viewer, [*args, str(n), "--screenshot", shot],
                             env=xvfb.env()).start()

        native_ms, native_x = per_frame(native, {"Xvfb": xvfb.proc.pid}, a.bundles,
                                        a.runs, "native")
        prefix = os.environ.get("WINEPREFIX") or os.path.join(
            os.path.dirname(os.path.abspath(a.zip)), "wineprefix")
        wine = vt.Wine(prefix, xvfb.display).boot()
        try:
            def windows(n):
                return wine.viewer(exe, [*args, str(n), "--screenshot",
                                         vt.win_path(shot)]).start()

            wine_ms, wine_x = per_frame(windows, {"wineserver": wine.server.pid,
                                                  "Xvfb": xvfb.proc.pid},
                                        a.bundles, a.runs, "wine")
        finally:
            wine.stop()

    print(f"\ncamcast-viewer CPU per displayed frame (medians of {a.runs}; sample "
          f"cams.ini, 1280x720 window under Xvfb, load {load:.1f} at start):")
    print(f"  Linux, native:      {native_ms:6.2f} ms   (+ Xvfb {native_x['Xvfb']:.2f} ms)")
    print(f"  Windows exe, Wine:  {wine_ms:6.2f} ms   (+ wineserver "
          f"{wine_x['wineserver']:.2f} ms, Xvfb {wine_x['Xvfb']:.2f} ms)  [Wine's figure]")
    print(f"  Wine / native:      {wine_ms / native_ms:6.2f}x")


if __name__ == "__main__":
    try:
        main()
    finally:
        vt.Viewer.kill_all()
        lib.Daemon.kill_all()
