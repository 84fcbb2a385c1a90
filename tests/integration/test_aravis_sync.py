"""End-to-end: a sync group of three GigE Vision cameras fired by software;
one is lost and comes back.

    /usr/bin/python3 tests/integration/test_aravis_sync.py build/src/camcastd

The cameras are Aravis' arv-fake-gv-camera-0.8 on 127.0.0.2..4 in a private
network namespace, as in test_aravis_gige.py (which this test borrows its
fakes from; it re-runs itself under `unshare -n`, and exits 77 without root
or the tools). The group: trigger = software at grab_fps 50. A fake answers
TriggerSoftware on its own 25 Hz schedule, stamping frames with the host's
time, so the three fakes' frames of one trigger carry the same timestamp
within the time it takes three processes to fill a frame: the daemon sees
their clocks keep the host's time and matches them by their own
timestamps (docs/sync.md).

Checks:
  - the hello lists the group; bundles flagged aligned hold all three
    cameras, flagged as on one clock, their device times within the
    group's tolerance; at least half the bundles are aligned;
  - a fake is killed: the daemon says the group goes on without it (late
    first, then the camera offline), and no bundle muxed after that is
    flagged aligned; the other two go on, of one instant (most bundles);
  - the fake is started again: the daemon reconnects it and says it is
    back in step, and bundles are aligned again with all three;
  - /stats counts aligned and partial ticks.

Tolerance 5 ms and wait 200 ms, and half of the bundles aligned from the
first one on: the fakes are processes on a loaded host, not cameras on a
trigger line (a starved fake is late for a while, and said so). Every
bundle flagged aligned is checked. Every wait is bounded.
"""

import asyncio
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402
import test_aravis_gige as G  # noqa: E402

STREAM_FPS = 10
TOLERANCE_US = 5000
LOST = 1
CAMS = [(f"c{i + 1}", T.aravis_camera(serial, width=320, height=240, pixel_format="Mono8",
                                      grab_fps=50, packet_size=8192))
        for i, serial in enumerate(G.SERIALS)]
SYNC = f"""
[sync rig]
cameras = c1, c2, c3
trigger = software
tolerance_us = {TOLERANCE_US}
wait_ms = 200
"""


def spread_us(entries):
    dev = [e.device_time_ns for e in entries]
    return (max(dev) - min(dev)) / 1e3


def check_aligned(b):
    where = f"bundle {b.bundle_seq}"
    T.check_eq(sorted(e.camera_index for e in b.entries), [0, 1, 2], f"{where} cameras")
    T.check(all(e.flags & T.FLAG_SHARED_CLOCK for e in b.entries),
            f"{where}: aligned entries not flagged as on one clock")
    T.check(spread_us(b.entries) <= TOLERANCE_US, f"{where}: device times "
            f"{spread_us(b.entries):.0f} us apart, tolerance {TOLERANCE_US}")


async def aligned_run(reader, after_ns, n, timeout):
    """Waits for n aligned bundles muxed after after_ns, counted from the
    first one (a fake starved by a loaded host takes a while to keep up),
    checks them, and that they are at least half of those with entries."""
    deadline = time.monotonic() + timeout
    while True:
        mine = [b for b in reader.bundles if b.mux_time_ns > after_ns and b.entries]
        first = next((i for i, b in enumerate(mine) if b.flags & T.FLAG_ALIGNED), len(mine))
        mine = mine[first:]
        good = [b for b in mine if b.flags & T.FLAG_ALIGNED]
        if len(good) >= n:
            break
        T.check(time.monotonic() < deadline, f"{len(good)} of {len(mine)} bundles aligned "
                                             f"within {timeout:.0f} s, {n} wanted")
        await asyncio.sleep(0.1)
    for b in good:
        check_aligned(b)
    T.check(len(good) * 2 >= len(mine), f"only {len(good)} of {len(mine)} bundles aligned")
    return good


async def scenario(d, fakes):
    async with T.ws_connect(d.uri("/stream")) as ws:
        h = json.loads(await T.recv(ws, what="the hello"))
        T.check_eq(h.get("sync"), [{"name": "rig", "cameras": [0, 1, 2],
                                    "trigger": "software", "tolerance_us": TOLERANCE_US,
                                    "wait_ms": 200}], "hello sync")
        reader = G.Reader(ws, 3)
        task = asyncio.create_task(reader.run())
        try:
            good = await aligned_run(reader, 0, 20, 30)
            T.log(f"three fakes fired by software: {len(good)} aligned bundles, device "
                  f"times at most {max(spread_us(b.entries) for b in good):.0f} us apart")

            n0 = d.line_count()
            fakes[LOST].kill()
            T.log(f"killed fake camera {G.SERIALS[LOST]}")
            m = await G.wait_line(d, r"sync rig: camera c2 is (offline|late)", 15, n0)
            T.check(m is not None, "no line saying the group goes on without c2")
            gone_ns = time.time_ns()
            T.log(f"daemon: {m.group(0)}")
            m = await G.wait_line(d, r"camera c2: offline: ", 15, n0)
            T.check(m is not None, "no 'camera c2: offline' line within 15 s of the kill")
            await reader.wait_entries([0, 2], 10, gone_ns, 15)
            after = [b for b in reader.bundles if b.mux_time_ns > gone_ns]
            T.check(not any(b.flags & T.FLAG_ALIGNED for b in after),
                    "a bundle flagged aligned with c2 gone")
            pairs = [b for b in after if {e.camera_index for e in b.entries} == {0, 2}]
            close = [b for b in pairs if spread_us(b.entries) <= TOLERANCE_US]
            T.check(len(pairs) >= 5 and len(close) * 4 >= len(pairs) * 3,
                    f"{len(close)} of {len(pairs)} bundles of c1 and c3 of one instant")
            T.log("c1 and c3 go on, not aligned")

            # Releasing a camera that is gone takes Aravis about 9 s of
            # unanswered GVCP retries; then it looks for it again.
            m = await G.wait_line(d, r"camera c2: still offline: ", 30, n0)
            T.check(m is not None, "no 'camera c2: still offline' line within 30 s")
            n1 = d.line_count()
            fakes[LOST].start()
            m = await G.wait_line(d, r"camera c2: online again", G.BACK_WITHIN, n1)
            T.check(m is not None, "c2 not online again within "
                                   f"{G.BACK_WITHIN:.0f} s of its restart")
            m = await G.wait_line(d, r"sync rig: camera c2 is back in step", 15, n1)
            T.check(m is not None, "c2 not back in step within 15 s of coming back")
            back_ns = time.time_ns()
            good = await aligned_run(reader, back_ns, 10, 20)
            T.log(f"c2 back in step: {len(good)} aligned bundles again")
        finally:
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass


def run(binary):
    G.setup_loopback()
    fakes = [G.FakeCamera(a, s) for a, s in zip(G.ADDRESSES, G.SERIALS)]
    try:
        for f in fakes:
            f.start()
        cfg = T.make_config(T.server_section(stream_fps=STREAM_FPS, encoder_workers=2),
                            CAMS) + SYNC
        with T.Daemon(binary, cfg, name="sync.ini") as d:
            for name, _c in CAMS:
                T.check(d.wait_for_line(rf"camera {name}: online: ", 10) is not None,
                        f"no 'camera {name}: online' line")
            asyncio.run(scenario(d, fakes))
            req = f"GET /stats HTTP/1.1\r\nHost: {T.HOST}\r\n\r\n".encode()
            g = json.loads(T.http_request(d.port, req, what="GET /stats")[2])["sync"][0]
            T.check(g["ticks_aligned"] > 0 and g["ticks_partial"] > 0 and g["clock_shared"],
                    f"/stats sync: {g}")
            T.check_eq(d.stop(), 0, "exit status after SIGTERM")
    finally:
        for f in fakes:
            f.kill()


def main(binary):
    G.enter_netns(binary, __file__)
    run(binary)


if __name__ == "__main__":
    T.run_main(main)
