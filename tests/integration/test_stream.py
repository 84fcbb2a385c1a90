"""End-to-end: hello + 60 FrameBundles from three test-pattern cameras, then SIGTERM.

    /usr/bin/python3 tests/integration/test_stream.py build/camcastd

Checks (docs/protocol.md v1 and the daemon contract):
  - the hello, exactly, on /stream and on /;
  - 60 bundles: every bundle valid (magic, version, header_size, sizes adding
    up exactly, entry_count <= cameras, one entry per camera at most, codec 1,
    flags per pixel format, dims), every JPEG fully decoded with the camera's
    size and the right subsampling, each merged from 2 strips (a DRI
    segment: three cameras on two workers); bundle_seq strictly increasing; per-camera
    frame_id strictly increasing; capture_time_ns <= mux_time_ns, both within
    10 s of this host's clock; dropped plausible (> 0 summed for 400 fps
    cameras streamed at 30 fps, and never more than the frame_id gap allows);
  - connect/disconnect log lines;
  - SIGTERM: the client gets close code 1001, the daemon exits 0 within 10 s.
"""

import asyncio
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402

import websockets  # noqa: E402  (Debian python3-websockets 10.4)

CAMS = [
    ("left", T.camera(640, 480, "Mono8", "scroll")),
    ("mid", T.camera(320, 240, "RGB8", "bars")),
    ("right", T.camera(1920, 1200, "Mono8", "checker")),
]
STREAM_FPS = 30
N_BUNDLES = 60


def jpeg_has_dri(jpeg):
    """A DRI segment (FF DD) among the headers, before the scan."""
    sos = jpeg.find(b"\xff\xda")
    return sos > 0 and jpeg.find(b"\xff\xdd", 0, sos) > 0


async def collect(ws, n, timeout_each=T.RECV_TIMEOUT):
    """Receives n binary messages; -> list of (bytes, receive time ns).
    Validation happens afterwards so that decoding never slows the reader."""
    out = []
    for i in range(n):
        m = await T.recv_binary(ws, timeout_each, what=f"FrameBundle #{i + 1} of {n}")
        out.append((m, time.time_ns()))
    return out


def check_stream(msgs, cams, tj):
    sc = T.StreamChecker(cams, tj)
    prev_entry = {}  # camera -> (bundle_seq, frame_id)
    for data, now_ns in msgs:
        b = sc.feed(data, now_ns)
        for e in b.entries:
            p = prev_entry.get(e.camera_index)
            if p is not None and p[0] == b.bundle_seq - 1:
                # Consecutive bundles on this client: every frame the camera
                # grabbed in between and did not stream is counted in dropped,
                # and each has its own frame_id, so dropped < frame_id delta.
                check_delta = e.frame_id - p[1]
                T.check(e.dropped <= check_delta - 1,
                        f"bundle {b.bundle_seq} camera {e.camera_index}: dropped {e.dropped} "
                        f"but frame_id only advanced by {check_delta} since the previous "
                        f"bundle's entry")
            prev_entry[e.camera_index] = (b.bundle_seq, e.frame_id)
    return sc


async def wait_close(ws, who):
    """Reads until the server closes; the close code must be 1001."""
    deadline = time.monotonic() + T.STOP_TIMEOUT
    after = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            T.fail(f"{who}: the connection was not closed within 10 s of SIGTERM")
        try:
            m = await asyncio.wait_for(ws.recv(), left)
        except asyncio.TimeoutError:
            T.fail(f"{who}: the connection was not closed within 10 s of SIGTERM")
        except websockets.ConnectionClosed as e:
            T.check(e.rcvd is not None,
                    f"{who}: no close frame received after SIGTERM (connection dropped: {e})")
            T.check_eq(e.rcvd.code, 1001, f"{who}: close code after SIGTERM")
            return f"{who} closed after SIGTERM: {e} ({after} more messages before the close)"
        if isinstance(m, bytes):
            T.parse_bundle(m, len(CAMS))  # still whole and valid while shutting down
        after += 1


async def scenario(d, tj):
    cams = T.cameras_for_hello(CAMS)
    n0 = d.line_count()
    async with T.ws_connect(d.uri("/stream")) as ws:
        hello = await T.recv(ws, what="the hello")
        T.validate_hello(hello, cams, STREAM_FPS)
        T.log("hello on /stream ok")
        T.check(d.wait_for_line(r"\bconnected", 10, start=n0) is not None,
                "no 'connected' line on stderr after a client connected")

        msgs = await collect(ws, N_BUNDLES)
        T.log(f"received {len(msgs)} bundles; validating and decoding every JPEG")
        sc = check_stream(msgs, cams, tj)
        T.log(f"bundles ok: seq {T.parse_bundle(msgs[0][0], 3).bundle_seq}..{sc.last_seq}, "
              f"gaps {sc.gaps}, entries per camera {sc.entries}, dropped sums {sc.dropped}, "
              f"{sc.bytes} bytes")
        for i, (name, _c) in enumerate(CAMS):
            T.check(sc.entries[i] > 0, f"camera {i} ({name}) never had an entry in "
                                       f"{N_BUNDLES} bundles")
            T.check(sc.dropped[i] > 0,
                    f"camera {i} ({name}) grabs at 400 fps and streams at {STREAM_FPS} fps, "
                    f"but the sum of dropped over {N_BUNDLES} bundles is 0")
        T.check(any(len(T.parse_bundle(m, 3).entries) > 1 for m, _ in msgs),
                "no bundle ever carried more than one camera")
        # Three cameras on two workers: every frame is split in two strips,
        # merged with a restart interval (DRI), and decoded whole above.
        for m, _ in msgs:
            for e in T.parse_bundle(m, 3).entries:
                T.check(jpeg_has_dri(e.payload),
                        f"camera {e.camera_index}'s JPEG has no restart interval "
                        "(frames are split over the 2 workers)")
        T.log("every JPEG was merged from 2 strips and decoded")

        # Path "/" upgrades too (older clients).
        n1 = d.line_count()
        async with T.ws_connect(d.uri("/")) as ws2:
            hello2 = await T.recv(ws2, what="the hello on /")
            T.validate_hello(hello2, cams, STREAM_FPS)
            more = await collect(ws2, 3)
            check_stream(more, cams, tj)
            T.log("hello + bundles on / ok")
        T.check(d.wait_for_line(r"disconnected", 10, start=n1) is not None,
                "no 'disconnected' line on stderr after the / client closed")

        # Two clients reading; SIGTERM must close both with 1001.
        async with T.ws_connect(d.uri("/stream")) as ws3:
            T.validate_hello(await T.recv(ws3, what="the hello (client 3)"), cams, STREAM_FPS)
            await collect(ws, 2)
            await collect(ws3, 2)
            T.log("sending SIGTERM")
            d.send_signal(signal.SIGTERM)
            results = await asyncio.gather(wait_close(ws, "client 1"),
                                           wait_close(ws3, "client 3"))
            for r in results:
                T.log(r)

    rc = d.wait_exit(T.STOP_TIMEOUT)
    if rc is None:
        T.fail("daemon did not exit within 10 s of SIGTERM")
    T.check_eq(rc, 0, "daemon exit status after SIGTERM")
    T.log("daemon exited 0")


def main(binary):
    cfg = T.make_config(T.server_section(stream_fps=STREAM_FPS, encoder_workers=2), CAMS)
    tj = T.TurboJPEG()
    with T.Daemon(binary, cfg) as d:
        asyncio.run(scenario(d, tj))


if __name__ == "__main__":
    T.run_main(main)
