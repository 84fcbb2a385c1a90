"""End-to-end: per-client rate and newest-wins down to the socket.

    /usr/bin/python3 tests/integration/test_fanout.py build/src/camcastd

  - subscribe with max_fps 5 on a 30 fps stream: bundle_seq advances by 6
    between the bundles the client gets (ticks spread evenly), and every
    entry's dropped counts exactly the frames it was not sent
    (frame_id - previous frame_id - 1); a second client at full rate gets
    every bundle meanwhile; "max_fps": 0 restores every tick; keys left
    out keep their settings; an unknown variant is refused and changes
    nothing. Rates fall on the ladder stream_fps / k: max_fps 7 and 6.5
    both get every 5th bundle (6 fps), as /stats says.
  - A throttled reader (small receive buffer, reading at about half the
    stream's bytes per second) gets fresh bundles, skipping the others,
    instead of old ones queued in the server's socket: the age of what it
    receives stays within a few bundle intervals.
"""

import json
import os
import socket
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402

CAMS = [("a", T.camera(320, 240, "Mono8", "scroll", grab_fps=120)),
        ("b", T.camera(320, 240, "RGB8", "bars", grab_fps=90))]


def next_bundle(ws, deadline):
    while True:
        kind, m = ws.recv_message(max(0.1, deadline - time.monotonic()))
        if kind == "binary":
            return T.parse_bundle(m, 2)
        if kind == "text" and '"error"' in m:
            return json.loads(m)


def bundles(ws, n, timeout=T.RECV_TIMEOUT):
    deadline = time.monotonic() + timeout
    out = []
    while len(out) < n:
        b = next_bundle(ws, deadline)
        T.check(not isinstance(b, dict), f"unexpected error reply {b}")
        out.append(b)
    return out


def check_exact_dropped(bs, what):
    last = {}
    for b in bs:
        for e in b.entries:
            if e.camera_index in last:
                T.check_eq(e.frame_id - last[e.camera_index] - 1, e.dropped,
                           f"{what}: camera {e.camera_index} dropped at seq {b.bundle_seq}")
            last[e.camera_index] = e.frame_id


def subscribe(ws, **keys):
    ws.send_text(json.dumps({"type": "subscribe", **keys}))


def settle(ws, want_gap, what):
    """Reads until the subscription shows (a gap of want_gap), then returns."""
    deadline = time.monotonic() + T.RECV_TIMEOUT
    prev = next_bundle(ws, deadline).bundle_seq
    while time.monotonic() < deadline:
        seq = next_bundle(ws, deadline).bundle_seq
        if seq - prev == want_gap:
            return
        prev = seq
    T.fail(f"{what}: never saw a bundle_seq step of {want_gap}")


def stats(port):
    req = f"GET /stats HTTP/1.1\r\nHost: {T.HOST}:{port}\r\n\r\n".encode()
    status, _, body, _ = T.http_request(port, req, what="/stats")
    T.check_eq(status, 200, "/stats status")
    return json.loads(body)


def check_max_fps(binary):
    config = T.make_config(T.server_section(stream_fps=30), CAMS)
    with T.Daemon(binary, config) as d:
        slow, full = T.RawWS(d.port), T.RawWS(d.port)
        subscribe(slow, max_fps=5)
        settle(slow, 6, "max_fps 5")
        got = bundles(slow, 8)
        steps = [b.bundle_seq - a.bundle_seq for a, b in zip(got, got[1:])]
        T.check(all(s == 6 for s in steps), f"max_fps 5 of 30: bundle_seq steps {steps}")
        check_exact_dropped(got, "max_fps 5")
        # Not read meanwhile, full fell behind and was skipped (newest wins):
        # catch up to fresh bundles, then it must get every one.
        deadline = time.monotonic() + T.RECV_TIMEOUT
        while (time.time_ns() - next_bundle(full, deadline).mux_time_ns) > 50e6:
            pass
        everything = bundles(full, 20)
        steps = [b.bundle_seq - a.bundle_seq for a, b in zip(everything, everything[1:])]
        T.check(all(s == 1 for s in steps), f"the full-rate client's steps {steps}")
        T.log(f"max_fps 5 of 30: every 6th bundle, dropped exact; the other client all")

        # Keys left out keep their settings: cameras only, the rate stays.
        subscribe(slow, cameras=[1])
        deadline = time.monotonic() + T.RECV_TIMEOUT
        while any(e.camera_index == 0 for e in next_bundle(slow, deadline).entries):
            pass
        got = bundles(slow, 4)
        T.check(all(e.camera_index == 1 for b in got for e in b.entries), "camera 1 only")
        steps = [b.bundle_seq - a.bundle_seq for a, b in zip(got, got[1:])]
        T.check(all(s == 6 for s in steps), f"rate kept: steps {steps}")
        check_exact_dropped(got, "max_fps 5, camera 1")

        # A variant the server does not have: refused, settings unchanged.
        subscribe(slow, variant="thumbnail", max_fps=0)
        deadline = time.monotonic() + T.RECV_TIMEOUT
        reply = next_bundle(slow, deadline)
        while not isinstance(reply, dict):
            reply = next_bundle(slow, deadline)
        T.check('no variant "thumbnail"' in reply.get("message", ""), f"reply {reply}")
        got = bundles(slow, 3)
        steps = [b.bundle_seq - a.bundle_seq for a, b in zip(got, got[1:])]
        T.check(all(s == 6 for s in steps), f"refused subscribe kept the rate: {steps}")

        subscribe(slow, max_fps=0, cameras=[0, 1], variant="full")
        settle(slow, 1, "max_fps 0")
        T.log("keys left out keep theirs; an unknown variant changes nothing; 0 = all")

        # 7 and 6.5 of 30 fall on one rung of the ladder: 30 / 5 = 6 fps.
        odd = [T.RawWS(d.port), T.RawWS(d.port)]
        for ws, asked in zip(odd, (7, 6.5)):
            subscribe(ws, max_fps=asked)
            settle(ws, 5, f"max_fps {asked}")
            got = bundles(ws, 4)
            steps = [b.bundle_seq - a.bundle_seq for a, b in zip(got, got[1:])]
            T.check(all(s == 5 for s in steps), f"max_fps {asked} of 30: steps {steps}")
        rates = sorted(c["max_fps"] for c in stats(d.port)["clients"])
        T.check_eq(rates, [0, 0, 6, 6], "max_fps in /stats: the rates given")
        T.log("max_fps 7 and 6.5 of 30: both every 5th bundle (6 fps), one rung")
        for ws in odd:
            ws.close()
        slow.close()
        full.close()
        T.check_eq(d.stop(), 0, "exit status")


def check_throttled_reader(binary):
    config = T.make_config(T.server_section(stream_fps=30),
                           [("big", T.camera(1024, 768, "RGB8", "checker", grab_fps=60))])
    with T.Daemon(binary, config) as d:
        probe = T.RawWS(d.port)
        sizes = [b.length for b in bundles(probe, 10)]
        probe.close()
        rate = statistics.median(sizes) * 30 / 2  # half the stream's bytes/s
        T.log(f"bundles of ~{statistics.median(sizes) / 1e3:.0f} kB; reading at "
              f"{rate / 1e6:.2f} MB/s")
        ws = T.RawWS(d.port, rcvbuf=32768)
        ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
        ages, seqs = [], []
        t_end = time.monotonic() + 6
        while time.monotonic() < t_end:
            # Read one frame header + payload at the throttled rate.
            start = time.monotonic()
            before = len(ws.buf)
            b = next_bundle(ws, time.monotonic() + T.RECV_TIMEOUT)
            ages.append((time.time_ns() - b.mux_time_ns) / 1e6)
            seqs.append(b.bundle_seq)
            spent = time.monotonic() - start
            time.sleep(max(0.0, (b.length - before) / rate - spent))
        ws.close()
        steady = ages[len(ages) // 3:]
        p90 = sorted(steady)[int(len(steady) * 0.9)]
        skipped = sum(b - a - 1 for a, b in zip(seqs, seqs[1:]))
        T.log(f"throttled reader: {len(seqs)} bundles, {skipped} skipped, age p50 "
              f"{statistics.median(steady):.0f} ms, p90 {p90:.0f} ms")
        T.check(skipped > len(seqs) / 3, f"a half-rate reader skips bundles: {skipped}")
        # Generous: a few bundle intervals, where a queue in the server's
        # socket (MBs) would make it seconds.
        T.check(p90 < 400, f"bundles reach the throttled reader fresh: p90 age {p90:.0f} ms")
        T.check_eq(d.stop(), 0, "exit status")


def main(binary):
    check_max_fps(binary)
    check_throttled_reader(binary)


if __name__ == "__main__":
    T.run_main(main)
