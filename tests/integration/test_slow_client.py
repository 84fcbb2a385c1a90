"""End-to-end: a client that never reads is skipped; other clients are not.

    /usr/bin/python3 tests/integration/test_slow_client.py build/camcastd

1. A raw-socket client (SO_RCVBUF 4096) completes the handshake and then
   reads nothing.
2. A websockets client reads 90 bundles (and keeps reading until it has seen
   far more bytes than any kernel buffer between the server and the stalled
   client can hold, so the stalled client must have been skipped): all valid,
   every JPEG decoded. A bundle_seq gap it sees must be a skip /stats counts
   for it (this Python client, on a loaded machine, may itself fall
   behind), and it is skipped less than the stalled client: a server held
   up by the stalled client would stop this stream (the receive deadline)
   or skip everyone alike.
3. The stalled client now drains its socket with a minimal RFC 6455 reader:
   the hello, then bundles that are each whole and valid (JPEGs decoded),
   and a bundle_seq gap: it was skipped, not buffered without bound and not
   disconnected.
4. The daemon is still alive, a third client gets the hello and valid
   bundles.
5. SIGTERM while a second client has been stalled all along: the daemon
   exits 0 within 10 s; that client, reading from the moment of the signal,
   gets whole valid bundles and then the 1001 close frame.
"""

import asyncio
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402

CAMS = [
    ("left", T.camera(640, 480, "Mono8", "scroll")),
    ("mid", T.camera(320, 240, "RGB8", "bars")),
    ("right", T.camera(1920, 1200, "Mono8", "checker")),  # big bundles fill buffers fast
]
STREAM_FPS = 30
N_FAST = 90
FAST_DEADLINE = 120.0  # safety bound for the whole fast read
DRAIN_DEADLINE = 60.0


def kernel_buffer_bound():
    """Most bytes the kernel can hold between the server's write() and our
    stalled client's unread socket: the largest TCP send buffer plus the
    largest receive buffer (ours is clamped to a few KiB, counted anyway)."""
    def third(path):
        with open(path) as f:
            return int(f.read().split()[2])
    try:
        wmem = max(third("/proc/sys/net/ipv4/tcp_wmem"), 4 << 20)
        rmem = third("/proc/sys/net/ipv4/tcp_rmem")
    except (OSError, ValueError, IndexError):
        wmem, rmem = 4 << 20, 6 << 20
    return wmem + min(rmem, 64 << 10)


async def fast_reader(d, cams, tj, slow):
    """-> (list of (bytes, now_ns))."""
    bound = kernel_buffer_bound()
    async with T.ws_connect(d.uri("/stream"), max_queue=4096) as ws:
        T.validate_hello(await T.recv(ws, what="the hello (fast client)"), cams, STREAM_FPS)
        msgs, total, biggest = [], 0, 0
        deadline = time.monotonic() + FAST_DEADLINE
        while True:
            # Bytes that could be parked for the stalled client: kernel
            # buffers + 2 queued bundles + 1 partly written one.
            need = bound + 3 * biggest + (64 << 10)
            if len(msgs) >= N_FAST and total > need:
                break
            left = deadline - time.monotonic()
            if left <= 0:
                T.fail(f"fast client: only {len(msgs)} bundles ({total} bytes, wanted > {need}) "
                       f"within {FAST_DEADLINE:.0f} s; is the server blocked by the stalled "
                       f"client?")
            m = await T.recv_binary(ws, min(left, T.RECV_TIMEOUT),
                                    what=f"bundle #{len(msgs) + 1} on the fast client "
                                         f"(stalled behind the slow client?)")
            msgs.append((m, time.time_ns()))
            total += len(m)
            biggest = max(biggest, len(m))
        T.log(f"fast client: {len(msgs)} bundles, {total} bytes (bound for parked bytes "
              f"{bound + 3 * biggest + (64 << 10)}), biggest bundle {biggest}")
        sc = T.StreamChecker(cams, tj)
        for m, now_ns in msgs:
            sc.feed(m, now_ns)
        T.log(f"fast client: all {sc.bundles} bundles valid, gaps {sc.gaps}, "
              f"entries {sc.entries}")
        fast = T.check_gaps_counted(d.port, ws.transport.get_extra_info("sockname"), sc,
                                    "fast client")
        me = "%s:%d" % slow.sock.getsockname()[:2]
        stalled = [c for c in T.get_stats(d.port)["clients"] if c.get("address") == me]
        T.check(len(stalled) == 1 and fast["bundles_skipped"] < stalled[0]["bundles_skipped"],
                f"the fast client skipped {fast['bundles_skipped']} times, the stalled one "
                f"{stalled and stalled[0]['bundles_skipped']}")
        return msgs


def drain_slow(slow, cams, tj):
    """Reads the stalled client's backlog. -> (StreamChecker, bundles read)."""
    deadline = time.monotonic() + DRAIN_DEADLINE
    kind, hello = slow.recv_message(T.RECV_TIMEOUT)
    T.check(kind == "text", f"slow client: first message is {kind}, not the text hello")
    T.validate_hello(hello, cams, STREAM_FPS)
    # The backlog may be older than the 10 s "close to now" bound: off here.
    sc = T.StreamChecker(cams, tj, check_now=False)
    after_gap = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            T.fail(f"slow client: no bundle_seq gap after draining {sc.bundles} bundles for "
                   f"{DRAIN_DEADLINE:.0f} s: it was not skipped")
        try:
            kind, m = slow.recv_message(min(left, T.RECV_TIMEOUT))
        except T.ConnectionClosedByPeer as e:
            T.fail(f"slow client: the server closed the connection ({e}) after "
                   f"{sc.bundles} bundles; it should have been skipped, not disconnected")
        if kind == "close":
            T.fail(f"slow client: got a close frame {m} after {sc.bundles} bundles; it should "
                   f"have been skipped, not disconnected")
        T.check(kind == "binary", f"slow client: unexpected {kind} message {m!r:.200}")
        sc.feed(m)
        if sc.gaps:
            after_gap += 1
            if after_gap >= 3:
                return sc


def drain_after_sigterm(stuck, cams):
    """Reads a client that was stalled when SIGTERM came, right away.
    Every complete bundle must be valid; -> how the stream ended."""
    deadline = time.monotonic() + 20
    n = 0
    kind, hello = stuck.recv_message(T.RECV_TIMEOUT)
    T.check(kind == "text", "stalled client: first message is not the hello")
    T.validate_hello(hello, cams, STREAM_FPS)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            T.fail("stalled client: the stream did not end within 20 s of SIGTERM")
        try:
            kind, m = stuck.recv_message(left)
        except T.ConnectionClosedByPeer as e:
            return f"{e} after {n} bundles ({len(stuck.buf)} bytes of an unfinished frame)"
        if kind == "close":
            return f"close frame {m} after {n} bundles"
        T.check(kind == "binary", f"stalled client: unexpected {kind} message")
        T.validate_bundle(T.parse_bundle(m, len(cams)), cams)
        n += 1


async def scenario(d, tj):
    cams = T.cameras_for_hello(CAMS)
    n0 = d.line_count()
    # A second stalled client stays stalled until SIGTERM.
    stuck = T.RawWS(d.port, rcvbuf=4096)
    slow = T.RawWS(d.port, rcvbuf=4096)
    T.log(f"slow client connected (handshake done, {len(slow.buf)} bytes already buffered); "
          f"it now reads nothing")
    T.check(d.wait_for_line(r"\bconnected", 10, start=n0) is not None,
            "no 'connected' line on stderr for the slow client")
    try:
        await fast_reader(d, cams, tj, slow)
        T.check(d.alive(), "daemon died while a client was stalled")

        ssc = drain_slow(slow, cams, tj)
        T.log(f"slow client: {ssc.bundles} whole valid bundles, gaps {ssc.gaps[:5]}")
        T.check(ssc.gaps, "slow client shows no gap")
        first_gap = ssc.gaps[0]
        T.check(first_gap[1] - first_gap[0] > 1, f"bad gap {first_gap}")
    finally:
        slow.close()

    T.check(d.alive(), "daemon died")
    async with T.ws_connect(d.uri("/stream")) as ws3:
        T.validate_hello(await T.recv(ws3, what="the hello (third client)"), cams, STREAM_FPS)
        sc3 = T.StreamChecker(cams, tj)
        for _ in range(5):
            sc3.feed(await T.recv_binary(ws3))
        T.log("third client: hello + 5 valid bundles")
    # SIGTERM while a client is stalled: the daemon must still exit 0 within
    # 10 s. The stalled client reads at once; it should see its backlog,
    # whole, then the 1001 close frame the daemon sends every client.
    T.check(d.alive(), "daemon died")
    d.send_signal(signal.SIGTERM)
    try:
        how = drain_after_sigterm(stuck, cams)
    finally:
        stuck.close()
    T.log(f"stalled client after SIGTERM: {how}")
    rc = d.wait_exit(T.STOP_TIMEOUT)
    T.check(rc is not None, "daemon did not exit within 10 s of SIGTERM with a stalled client")
    T.check_eq(rc, 0, "exit status after SIGTERM")
    T.check(stuck.close_code == 1001,
            f"the stalled client, reading right after SIGTERM, got no 1001 close frame: {how}")


def main(binary):
    cfg = T.make_config({**T.server_section(stream_fps=STREAM_FPS, encoder_workers=2),
                         "expose_client_addresses": "true"}, CAMS)
    tj = T.TurboJPEG()
    with T.Daemon(binary, cfg) as d:
        asyncio.run(scenario(d, tj))


if __name__ == "__main__":
    T.run_main(main)
