"""End-to-end: sync groups ([sync NAME], docs/sync.md, protocol 1.2).

    /usr/bin/python3 tests/integration/test_sync.py build/src/camcastd

Three test-pattern cameras at 100 fps delivering 0, 3 and 7 ms after each
frame's instant (delay_us), and a fourth camera in no group:

  1. In a software group: the hello lists the group and "sync" among its
     extensions; bundles hold all three cameras with one device_time_ns
     (spread 0), entry flag bit 1 (one clock) and bundle flag bit 0, and
     each camera's entries reached the host at least its delay after their
     instant; the camera outside the group streams as before, without bit
     1, and does not clear the flag. A client of cameras 0 and 2 gets them
     aligned too. /stats shows the group's ticks aligned, a spread of 0,
     and each camera's clock offset at least its delay; /metrics counts
     the ticks.
  2. The same cameras without the group: the problem the groups fix.
     Bundles hold the newest frame of each camera, from different instants
     (most bundles spread over a millisecond or more), never flagged.
  3. A group whose third camera is 150 ms late, waited for 50 ms: the
     daemon says it goes on without it, and the bundles after that hold
     the other two of one instant (most of them: a stall of one of those
     puts it out of step too), the late camera's newest beside them, none
     flagged aligned; /stats names it out of step.

The flag never lies: every bundle flagged aligned holds all three of one
instant. That every bundle is flagged holds on a quiet host; a loaded one
stalls threads for hundreds of milliseconds (a test pattern then skips the
instants it missed, a tick finds no moment all three have, and goes on
unaligned, flagged so), so the test asks for most bundles with the group
(three in four) to be aligned, and counts a tick that came before the
group's next moment (no entry of the group, as a camera without a new
frame has none) as neither. The group in 1 gets wait_ms = 200 for the same
reason, and its checks start at its first bundle with all three cameras
(the first ticks may come before a camera's first frame). Every wait here
is bounded.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402

STREAM_FPS = 30
W, H = 160, 120
DELAYS_US = [0, 3000, 7000]


def cameras(delays, solo=True):
    cams = []
    for name, d in zip(("left", "center", "right"), delays):
        c = T.camera(W, H, "Mono8", "scroll", grab_fps=100)
        if d:
            c["delay_us"] = d
        cams.append((name, c))
    if solo:
        cams.append(("solo", T.camera(W, H, "Mono8", "bars", grab_fps=100)))
    return cams


def config(cams, sync=""):
    return T.make_config(T.server_section(stream_fps=STREAM_FPS), cams) + sync


SOFTWARE = """
[sync line]
cameras = left, center, right
trigger = software
tolerance_us = 500
wait_ms = 200
"""


def get(port, path):
    req = f"GET {path} HTTP/1.1\r\nHost: {T.HOST}\r\n\r\n".encode()
    status, _, body, _ = T.http_request(port, req, what=f"GET {path}")
    T.check_eq(status, 200, f"{path} status")
    return body.decode()


def hello(ws):
    kind, m = ws.recv_message()
    T.check_eq(kind, "text", "the first message's kind")
    return m


def bundles(ws, n, cams, timeout=T.RECV_TIMEOUT * 2):
    """The next n bundles (hellos skipped), parsed and validated."""
    deadline = time.monotonic() + timeout
    out = []
    while len(out) < n:
        if time.monotonic() > deadline:
            T.fail(f"only {len(out)} of {n} bundles within {timeout:.0f} s")
        kind, m = ws.recv_message(max(0.1, deadline - time.monotonic()))
        if kind == "binary":
            out.append(T.validate_bundle(T.parse_bundle(m, len(cams)), cams))
    return out


def first_whole(ws, group, cams, timeout=T.RECV_TIMEOUT):
    """Reads bundles until one has an entry of every camera of group."""
    deadline = time.monotonic() + timeout
    while True:
        T.check(time.monotonic() < deadline, f"no bundle with cameras {group} within "
                                             f"{timeout:.0f} s")
        b = bundles(ws, 1, cams)[0]
        if set(group) <= {e.camera_index for e in b.entries}:
            return b


def spread_ms(entries):
    dev = [e.device_time_ns for e in entries]
    return (max(dev) - min(dev)) / 1e6


def check_aligned(b, group, delays_us):
    where = f"bundle {b.bundle_seq}"
    mine = [e for e in b.entries if e.camera_index in group]
    T.check_eq(sorted(e.camera_index for e in mine), sorted(group), f"{where}: group entries")
    T.check(b.flags & T.FLAG_ALIGNED, f"{where} is not flagged aligned: {b!r}")
    dev = {e.device_time_ns for e in mine}
    T.check(len(dev) == 1 and 0 not in dev,
            f"{where}: device times of the group {sorted(dev)}, want one")
    for e in mine:
        T.check(e.flags & T.FLAG_SHARED_CLOCK, f"{where} camera {e.camera_index}: no "
                                               "shared-clock flag")
        late = e.capture_time_ns - e.device_time_ns
        T.check(late >= delays_us[e.camera_index] * 1000,
                f"{where} camera {e.camera_index}: received {late / 1e6:.3f} ms after its "
                f"instant, less than its delay {delays_us[e.camera_index] / 1000} ms")


def software_group(binary, tj):
    cams = cameras(DELAYS_US)
    hello_cams = T.cameras_for_hello(cams)
    with T.Daemon(binary, config(cams, SOFTWARE)) as d:
        ws = T.RawWS(d.port)
        h = T.validate_hello(hello(ws), hello_cams, STREAM_FPS)
        T.check("sync" in h.get("extensions", []), f"hello extensions: {h.get('extensions')}")
        T.check_eq(h.get("sync"), [{"name": "line", "cameras": [0, 1, 2],
                                    "trigger": "software", "tolerance_us": 500,
                                    "wait_ms": 200}], "hello sync")
        first_whole(ws, [0, 1, 2], hello_cams)
        every = bundles(ws, 80, hello_cams)
        with_group = [b for b in every if any(e.camera_index < 3 for e in b.entries)]
        got = [b for b in with_group if b.flags & T.FLAG_ALIGNED]
        T.check(len(got) * 4 >= len(with_group) * 3 and len(with_group) * 2 > len(every),
                f"{len(every)} bundles, {len(with_group)} with the group, {len(got)} aligned")
        for b in got:
            check_aligned(b, [0, 1, 2], DELAYS_US)
            solo = [e for e in b.entries if e.camera_index == 3]
            T.check(not solo or not solo[0].flags & T.FLAG_SHARED_CLOCK,
                    f"bundle {b.bundle_seq}: the camera in no group has the clock flag")
        for e in got[-1].entries:
            tj.check_entry(e, hello_cams[e.camera_index])
        instants = [b.entries[0].device_time_ns for b in got]
        T.check(all(a < b for a, b in zip(instants, instants[1:])),
                "the group's instants do not only grow")
        T.log(f"software group: {len(got)} of {len(with_group)} bundles with the group "
              f"aligned, each one instant of all three (the last {instants[-1]})")

        # A client of two of the group's cameras: aligned for those two.
        ws2 = T.RawWS(d.port)
        hello(ws2)
        ws2.send_text(json.dumps({"type": "subscribe", "cameras": [0, 2]}))
        deadline = time.monotonic() + T.RECV_TIMEOUT
        pair = []
        while len(pair) < 10:  # from the first bundle after the subscribe
            T.check(time.monotonic() < deadline, f"{len(pair)} bundles of cameras 0 and 2")
            b = bundles(ws2, 1, hello_cams)[0]
            mine = {e.camera_index for e in b.entries} <= {0, 2}
            T.check(mine or not pair, f"subscribed to 0 and 2, got {b!r}")
            if mine and b.entries:
                pair.append(b)
        aligned = [b for b in pair if b.flags & T.FLAG_ALIGNED]
        T.check(len(aligned) * 4 >= len(pair) * 3, f"{len(aligned)} of {len(pair)} bundles "
                                                   "of cameras 0 and 2 aligned")
        for b in aligned:
            check_aligned(b, [0, 2], DELAYS_US)
        ws2.close()

        st = json.loads(get(d.port, "/stats"))
        g = st["sync"][0]
        T.check(g["name"] == "line" and g["clock_shared"] and g["ticks_aligned"] >= len(got) and
                g["spread_us_p99"] == 0, f"/stats sync: {g}")
        for i, c in enumerate(st["cameras"][:3]):
            k = c["clock"]
            T.check(k["source"] == "host" and k["offset_ms"] >= DELAYS_US[i] / 1000,
                    f"/stats camera {c['name']} clock: {k}")
        T.check('camcast_sync_ticks_total{group="line",outcome="aligned"}'
                in get(d.port, "/metrics"), "/metrics has no aligned ticks of the group")
        ws.close()
        T.check_eq(d.stop(), 0, "exit status")


def without_group(binary):
    cams = cameras(DELAYS_US, solo=False)
    hello_cams = T.cameras_for_hello(cams)
    with T.Daemon(binary, config(cams)) as d:
        ws = T.RawWS(d.port)
        h = T.validate_hello(hello(ws), hello_cams, STREAM_FPS)
        T.check("sync" not in h, "hello lists sync groups without any")
        got = [b for b in bundles(ws, 40, hello_cams) if len(b.entries) == 3]
        T.check(len(got) >= 20, f"only {len(got)} bundles with all three cameras")
        spreads = [spread_ms(b.entries) for b in got]
        apart = sum(1 for s in spreads if s >= 1)
        T.check(apart * 2 > len(got), f"without the group, most bundles should mix "
                                      f"instants; spreads (ms): {spreads}")
        T.check(not any(b.flags & T.FLAG_ALIGNED for b in got), "a bundle flagged aligned "
                                                               "without a group")
        T.check(not any(e.flags & T.FLAG_SHARED_CLOCK for b in got for e in b.entries),
                "an entry with the shared-clock flag without a group")
        T.log(f"without the group: {apart} of {len(got)} bundles mix instants "
              f"{min(spreads):.2f}..{max(spreads):.2f} ms apart")
        ws.close()
        T.check_eq(d.stop(), 0, "exit status")


def late_camera(binary):
    delays = [0, 3000, 150000]
    cams = cameras(delays, solo=False)
    hello_cams = T.cameras_for_hello(cams)
    sync = "\n[sync line]\ncameras = left, center, right\ntrigger = software\nwait_ms = 50\n"
    with T.Daemon(binary, config(cams, sync)) as d:
        ws = T.RawWS(d.port)
        hello(ws)
        T.check(d.wait_for_line(r"sync line: camera right is late", 20) is not None,
                "no log line saying the group goes on without the late camera")
        n = d.line_count()
        got = bundles(ws, 30, hello_cams)[5:]  # those in flight as it was said go
        pairs = 0
        for b in got:
            T.check(not b.flags & T.FLAG_ALIGNED, f"bundle {b.bundle_seq} flagged aligned "
                                                  "with a camera out of step")
            two = [e for e in b.entries if e.camera_index in (0, 1)]
            pairs += len(two) == 2 and spread_ms(two) == 0
        T.check(pairs * 4 >= len(got) * 3, f"only {pairs} of {len(got)} bundles hold the "
                                           "cameras in step of one instant")
        right = [e for b in got for e in b.entries if e.camera_index == 2]
        T.check(len(right) >= len(got) // 2, "the late camera is not shown")
        T.check(not d.lines_matching(r"camera right is back in step", n),
                "a camera 150 ms late came back in step")
        g = json.loads(get(d.port, "/stats"))["sync"][0]
        T.check("right" in g["out_of_step"] and g["ticks_partial"] > 0, f"/stats sync: {g}")
        ws.close()
        T.check_eq(d.stop(), 0, "exit status")
        T.log("a camera 150 ms late: the group goes on without it, not aligned")


def main(binary):
    tj = T.TurboJPEG()
    software_group(binary, tj)
    without_group(binary)
    late_camera(binary)


if __name__ == "__main__":
    T.run_main(main)
