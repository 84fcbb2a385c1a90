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
    instead of old ones queued in the server's socket: what the daemon's
    socket holds unsent for it (`ss`'s notsent, sampled as it reads) never
    exceeds send_queue_bound plus the bundle written last (default bound:
    half a bundle); the skips show as bundle_seq gaps, each counted in
    /stats. With send_queue_bound = 6 bundles the queue does grow past
    the default's limit, up to that bound. (The age such a queue adds is
    the bench's figure: bench/run, read_rate groups.)
"""

import json
import os
import re
import select
import socket
import statistics
import subprocess
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
        # catch up (nothing left to read), then it must get every one.
        drain(full)
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


def drain(ws):
    """Reads until nothing is waiting: the kernel's buffers between the
    daemon and this client are empty."""
    deadline = time.monotonic() + T.RECV_TIMEOUT
    while True:
        next_bundle(ws, deadline)
        if not ws.buf and not select.select([ws.sock], [], [], 0)[0]:
            return
        T.check(time.monotonic() < deadline, "a client that cannot catch up in 15 s")


def notsent(port, client_port):
    """Bytes the daemon's socket to this client holds not yet sent (ss)."""
    out = subprocess.run(["ss", "-tinH", "state", "established",
                          f"( sport = :{port} and dport = :{client_port} )"],
                         capture_output=True, text=True, timeout=10).stdout
    m = re.search(r"\bnotsent:(\d+)", out)
    return int(m.group(1)) if m else 0


def throttled(binary, bound_bundles, n=45):
    """A reader at half the stream's bytes/s; -> (biggest bundle, largest
    notsent seen, bound in bytes, bundle_seq gaps, /stats skipped)."""
    big = [("big", T.camera(1024, 768, "RGB8", "checker", grab_fps=60))]
    with T.Daemon(binary, T.make_config(T.server_section(stream_fps=30), big)) as d:
        probe = T.RawWS(d.port)
        sizes = [b.length for b in bundles(probe, 10)]
        probe.close()
    biggest = max(sizes)
    bound = bound_bundles * statistics.median(sizes)
    server = T.server_section(stream_fps=30)
    if bound:
        server["send_queue_bound"] = int(bound)
    with T.Daemon(binary, T.make_config(server, big)) as d:
        rate = statistics.median(sizes) * 30 / 2  # half the stream's bytes/s
        ws = T.RawWS(d.port, rcvbuf=32768)
        ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
        me = ws.sock.getsockname()[1]
        seqs, most = [], 0
        while len(seqs) < n:
            # Read one frame header + payload at the throttled rate.
            start = time.monotonic()
            before = len(ws.buf)
            b = next_bundle(ws, time.monotonic() + T.RECV_TIMEOUT)
            seqs.append(b.bundle_seq)
            biggest = max(biggest, b.length)
            most = max(most, notsent(d.port, me))
            spent = time.monotonic() - start
            time.sleep(max(0.0, (b.length - before) / rate - spent))
        skipped = T.get_stats(d.port)["clients"][0]["bundles_skipped"]
        ws.close()
        T.check_eq(d.stop(), 0, "exit status")
    gaps = sum(b - a - 1 for a, b in zip(seqs, seqs[1:]))
    T.log(f"reader at {rate / 1e6:.2f} MB/s, send_queue_bound "
          f"{int(bound) if bound else 'default'}: {len(seqs)} bundles of up to {biggest} "
          f"bytes, {gaps} skipped between them ({skipped} in /stats), at most {most} bytes "
          f"unsent in the daemon's socket")
    T.check(gaps > 0, "a half-rate reader skips bundles")
    T.check(skipped >= gaps, f"{gaps} bundles skipped, {skipped} counted in /stats")
    return biggest, most, bound


def check_throttled_reader(binary):
    slack = 64  # WebSocket frame headers
    biggest, most, _ = throttled(binary, 0)
    T.check(most <= biggest // 2 + biggest + slack,
            f"default send_queue_bound: {most} bytes unsent for a throttled reader, "
            f"above half a bundle plus the one written ({biggest} bytes)")
    biggest, most, bound = throttled(binary, 6)
    T.check(most <= bound + biggest + slack,
            f"send_queue_bound {bound:.0f}: {most} bytes unsent, above it plus a bundle")
    T.check(most > biggest // 2 + biggest + slack,
            f"send_queue_bound {bound:.0f}: at most {most} bytes unsent, no more than the "
            f"default allows: the key changed nothing")


def main(binary):
    check_max_fps(binary)
    check_throttled_reader(binary)


if __name__ == "__main__":
    T.run_main(main)
