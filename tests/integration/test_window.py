"""End-to-end: flow control (protocol 1.2, "window" and "ack").

    /usr/bin/python3 tests/integration/test_window.py build/src/camcastd

  - The hello lists "window" in its extensions.
  - A client with window 1 that holds each bundle a while (a second,
    plain client of the same stream reads on meanwhile) and acknowledges
    when its hold ends never has more than one bundle unacknowledged.
    Once the plain client has a newer bundle than the one held, the ack
    brings the newest at once: a bundle before the pong of a ping sent
    right behind the ack, never one older than the plain client's newest.
    bundle_seq jumps over what it missed and each entry's dropped counts
    exactly the frames it was not sent (frame_id steps); /stats shows its
    window and the bundles withheld. Moved to another group (max_fps 10)
    while its window is closed, it never gets a bundle of that group made
    before it joined, and dropped stays exact across the move. The plain
    client meanwhile gets every bundle. Window 2 lets two through, no
    more, and brings the newest at once too; window 0 turns it off.
  - A client that acknowledges nothing gets its window's worth, then
    nothing, and is closed with 1008 after stall_timeout; the other
    client streams on.
  - Bad input, each answered with an error reply and nothing else: window
    out of range or not a whole number, an ack without a window, an ack of
    a bundle never sent (ahead, or one skipped), a malformed seq. An ack
    of a bundle acknowledged already gets nothing. Floods of thousands of
    acks (repeats, then bad ones) stall nobody: the flooding client keeps
    its stream, the plain client keeps getting every bundle.
"""

import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402

CAMS = [("a", T.camera(320, 240, "Mono8", "scroll", grab_fps=120)),
        ("b", T.camera(320, 240, "RGB8", "bars", grab_fps=90))]
STALL_S = 3


def get_stats(port):
    status, _, body, _ = T.http_request(
        port, f"GET /stats HTTP/1.1\r\nHost: {T.HOST}\r\n\r\n".encode(), what="/stats")
    T.check_eq(status, 200, "/stats status")
    return json.loads(body)


class Plain(threading.Thread):
    """A client without a window reading everything on its own thread."""

    def __init__(self, port, subscribe=None):
        super().__init__(daemon=True)
        self.ws = T.RawWS(port)
        if subscribe:
            self.ws.send_text(json.dumps({"type": "subscribe", **subscribe}))
        self.seqs, self.error, self.stop = [], None, False

    def run(self):
        try:
            while not self.stop:
                kind, m = self.ws.recv_message()
                if kind == "binary":
                    self.seqs.append(T.parse_bundle(m, 2).bundle_seq)
        except Exception as e:  # reported by check()
            if not self.stop:
                self.error = e

    def check(self, port, what):
        """Every bundle it missed the server counted as skipped for its
        socket (send-queue bound), none withheld: no window held it up."""
        T.check(self.error is None, f"{what}: the plain client's stream broke: {self.error!r}")
        seqs = list(self.seqs)
        T.check(len(seqs) >= 10, f"{what}: the plain client got {len(seqs)} bundles")
        gaps = sum(b - a - 1 for a, b in zip(seqs, seqs[1:]))
        me = min(get_stats(port)["clients"], key=lambda c: c["id"])  # the first connected
        T.check(me["window"] == 0 and me["bundles_withheld"] == 0 and
                gaps <= me["bundles_skipped"],
                f"{what}: the plain client missed {gaps} of {seqs[-1] - seqs[0] + 1} bundles; "
                f"/stats {me}")
        return len(seqs), gaps

    def wait_newer(self, seq, what):
        """Until it has a bundle after seq (its stream made a newer one)."""
        deadline = time.monotonic() + T.RECV_TIMEOUT
        while not self.seqs or self.seqs[-1] <= seq:
            T.check(self.error is None and time.monotonic() < deadline,
                    f"{what}: the plain client got nothing after bundle {seq} "
                    f"({self.error!r})")
            time.sleep(0.01)
        return self.seqs[-1]

    def wait_more(self, since, n, what):
        """Until it has n bundles more than since (the stream goes on)."""
        deadline = time.monotonic() + T.RECV_TIMEOUT
        while len(self.seqs) < since + n:
            T.check(self.error is None and time.monotonic() < deadline,
                    f"{what}: the plain client got {len(self.seqs) - since} bundles, not {n} "
                    f"({self.error!r})")
            time.sleep(0.05)

    def close(self):
        self.stop = True
        self.ws.close()
        self.join(5)


def hello(ws):
    kind, m = ws.recv_message()
    T.check_eq(kind, "text", "first message")
    return json.loads(m)


def next_message(ws, deadline):
    """('bundle', Bundle) or ('text', dict)."""
    kind, m = ws.recv_message(max(0.1, deadline - time.monotonic()))
    if kind == "binary":
        return "bundle", T.parse_bundle(m, 2)
    T.check_eq(kind, "text", "message kind")
    return "text", json.loads(m)


def next_bundle(ws, deadline):
    while True:
        kind, v = next_message(ws, deadline)
        if kind == "bundle":
            return v
        T.check(v.get("type") != "error", f"unexpected error reply {v}")


def reply_to(ws, msg):
    """Sends msg, then a ping: the text replies before the pong are msg's.
    -> (replies, bundles received meanwhile)."""
    ws.send_text(json.dumps(msg))
    ws.send_text('{"type":"ping"}')
    deadline = time.monotonic() + T.RECV_TIMEOUT
    replies, bundles = [], []
    while True:
        kind, v = next_message(ws, deadline)
        if kind == "bundle":
            bundles.append(v)
        elif v.get("type") == "pong":
            return replies, bundles
        else:
            replies.append(v)


def check_error(ws, msg, text):
    replies, _ = reply_to(ws, msg)
    T.check(len(replies) == 1 and replies[0].get("type") == "error" and
            text in replies[0].get("message", ""),
            f"{msg}: want one error with {text!r}, got {replies}")


def check_nothing(ws, msg):
    replies, bundles = reply_to(ws, msg)
    T.check_eq(replies, [], f"replies to {msg}")
    return bundles


def subscribe_window(ws, n, taken=(), **keys):
    """The bundles that came meanwhile may have been sent after the window
    opened: the newest (of them and of those taken before) is
    acknowledged (an ack of one sent before changes nothing)."""
    replies, bundles = reply_to(ws, {"type": "subscribe", "window": n, **keys})
    bundles = list(taken) + bundles
    T.check_eq(replies, [], f"replies to window {n}")
    if n and bundles:
        ws.send_text(json.dumps({"type": "ack", "seq": bundles[-1].bundle_seq}))


class Dropped:
    """Each entry's dropped must be the frames between it and the previous
    entry of its camera this client got."""

    def __init__(self):
        self.last = {}
        self.entries = 0

    def feed(self, b):
        for e in b.entries:
            if e.camera_index in self.last:
                T.check_eq(e.dropped, e.frame_id - self.last[e.camera_index] - 1,
                           f"camera {e.camera_index} dropped at seq {b.bundle_seq}")
            self.last[e.camera_index] = e.frame_id
            self.entries += 1


def ack_and_ping(ws, seq, deadline):
    """Acks seq with a ping right behind, in one write. -> the bundles that
    came before the pong, and the ms from the ack to the first."""
    sent = time.monotonic()
    ws.sock.sendall(T.RawWS.frame(T.RawWS.OP_TEXT, json.dumps({"type": "ack", "seq": seq})
                                  .encode()) +
                    T.RawWS.frame(T.RawWS.OP_TEXT, b'{"type":"ping"}'))
    bundles, first_ms = [], None
    while True:
        kind, v = next_message(ws, deadline)
        if kind == "bundle":
            if not bundles:
                first_ms = (time.monotonic() - sent) * 1e3
            bundles.append(v)
        elif v.get("type") == "pong":
            return bundles, first_ms
        else:
            T.check(v.get("type") != "error", f"unexpected error reply {v}")


def slow_acks(ws, window, rounds, hold_s, dropped, plain=None, held=(), since_ns=None):
    """Takes bundles until its window is full, holds them hold_s, then acks
    the newest (ack_and_ping); rounds bundles in all, the last ones left
    unacknowledged. held: bundles taken before, acknowledged by the first
    ack; since_ns: the first bundle must be muxed after it. With plain (a
    client of the same stream), each ack waits until that client has a
    newer bundle than the ones held, and must then bring the newest at
    once. -> (seqs, ms from each such ack to its bundle, seqs held)."""
    deadline = time.monotonic() + T.RECV_TIMEOUT + rounds * (hold_s + 1)
    seqs, waits, queue, held = [], [], [], list(held)
    newest = None
    while len(seqs) < rounds:
        if len(held) == window:
            time.sleep(hold_s)
            if plain:
                newest = plain.wait_newer(held[-1], f"window {window}")
            got, ms = ack_and_ping(ws, held[-1], deadline)
            T.check(not plain or got,
                    f"window {window}: the ack of {held[-1]} brought nothing before the pong "
                    f"behind it, though bundle {newest} of its stream was newer: the newest "
                    "was not sent at once")
            if plain:
                waits.append(ms)
            queue += got
            held = []
        b = queue.pop(0) if queue else next_bundle(ws, deadline)
        if since_ns is not None:
            T.check(b.mux_time_ns > since_ns,
                    f"window {window}: bundle {b.bundle_seq} muxed "
                    f"{(since_ns - b.mux_time_ns) / 1e6:.1f} ms before the client joined "
                    "its group")
            since_ns = None
        if newest is not None:
            T.check(b.bundle_seq >= newest,
                    f"window {window}: bundle {b.bundle_seq} after the ack, older than "
                    f"{newest}, the newest then")
            newest = None
        held.append(b.bundle_seq)
        T.check(len(held) <= window,
                f"window {window}: {len(held)} bundles unacknowledged ({held})")
        dropped.feed(b)
        seqs.append(b.bundle_seq)
    T.check(dropped.entries > 0, "entries")
    return seqs, waits, held


def check_slow_reader(binary):
    config = T.make_config(T.server_section(stream_fps=30), CAMS)
    with T.Daemon(binary, config) as d:
        plain = Plain(d.port)
        ws = T.RawWS(d.port)
        h = hello(ws)
        T.check("window" in (h.get("extensions") or []), f"hello extensions: {h}")
        plain.start()
        subscribe_window(ws, 1)
        dropped = Dropped()
        seqs, waits, held = slow_acks(ws, 1, 12, 0.2, dropped, plain)
        steps = [b - a for a, b in zip(seqs, seqs[1:])]
        # 0.2 s a bundle of a 30 fps stream: bundle_seq jumps.
        T.check(sum(steps) > len(steps), f"window 1: seq steps {steps}")
        mine = [c for c in get_stats(d.port)["clients"] if c["window"] == 1]
        T.check(len(mine) == 1 and mine[0]["bundles_withheld"] > 0 and
                mine[0]["acks_refused"] == 0, f"/stats of the windowed client: {mine}")
        T.log(f"window 1, 0.2 s per bundle: seq steps {steps}; the newest at once on each "
              f"ack (ack to bundle {min(waits):.1f}-{max(waits):.1f} ms, not asserted); "
              f"dropped exact; /stats withheld {mine[0]['bundles_withheld']}")

        # Another group (one with a member already) while its window is
        # closed, and the ack right behind (one write): none of its bundles
        # made before the join comes, and dropped goes on exact.
        other = Plain(d.port, {"max_fps": 10})
        other.start()
        other.wait_more(0, 2, "max_fps 10")
        joined = time.time_ns()
        ws.sock.sendall(b"".join(
            T.RawWS.frame(T.RawWS.OP_TEXT, json.dumps(m).encode())
            for m in ({"type": "subscribe", "max_fps": 10}, {"type": "ack", "seq": held[-1]})))
        seqs, _, held = slow_acks(ws, 1, 6, 0.2, dropped, since_ns=joined)
        T.log(f"moved to max_fps 10 with its window closed: seqs {seqs}, dropped exact")
        other.close()

        got, _ = ack_and_ping(ws, held[-1], time.monotonic() + T.RECV_TIMEOUT)
        subscribe_window(ws, 2, got, max_fps=0)
        seqs, waits, _ = slow_acks(ws, 2, 12, 0.2, Dropped(), plain)
        T.log(f"window 2: seqs {seqs}; the newest at once on each ack")

        # Off: every bundle again, without acks.
        subscribe_window(ws, 0)
        deadline = time.monotonic() + T.RECV_TIMEOUT
        while time.time_ns() - next_bundle(ws, deadline).mux_time_ns > 50e6:
            pass
        got = [next_bundle(ws, deadline).bundle_seq for _ in range(15)]
        steps = [b - a for a, b in zip(got, got[1:])]
        T.check(all(s == 1 for s in steps), f"window 0: steps {steps}")
        n, gaps = plain.check(d.port, "slow windowed reader")
        T.log(f"window 0: every bundle again; the plain client: {n} bundles, {gaps} skipped "
              "for its socket, none withheld")
        ws.close()
        plain.close()
        T.check_eq(d.stop(), 0, "exit status")


def check_no_acks(binary):
    server = T.server_section(stream_fps=30)
    server["stall_timeout"] = STALL_S
    with T.Daemon(binary, T.make_config(server, CAMS)) as d:
        plain = Plain(d.port)
        ws = T.RawWS(d.port)
        hello(ws)
        plain.start()
        subscribe_window(ws, 3)
        # The window's worth, then nothing until the stall closes it.
        got, end = [], None
        deadline = time.monotonic() + STALL_S + T.RECV_TIMEOUT
        while end is None:
            kind, m = ws.recv_message(max(0.1, deadline - time.monotonic()))
            if kind == "binary":
                got.append(T.parse_bundle(m, 2))
            elif kind == "close":
                end = m
        T.check_eq(len(got), 3, "bundles to a client with window 3 that acks nothing")
        T.check_eq(end[0], 1008, f"close code after {STALL_S} s without acks")
        plain.check(d.port, "a client that acks nothing")
        T.log(f"no acks: {len(got)} bundles, then close {end}; the plain client streamed on")
        plain.close()
        T.check_eq(d.stop(), 0, "exit status")


def check_bad_input(binary):
    config = T.make_config(T.server_section(stream_fps=30), CAMS)
    with T.Daemon(binary, config) as d:
        plain = Plain(d.port)
        ws = T.RawWS(d.port)
        hello(ws)
        plain.start()
        first = next_bundle(ws, time.monotonic() + T.RECV_TIMEOUT).bundle_seq
        for bad in (9, -1, 1.5, "2", True, None, [1], 1e300):
            check_error(ws, {"type": "subscribe", "window": bad}, '"window" must be')
        check_error(ws, {"type": "subscribe", "window": 1, "variant": "nonesuch"},
                    'no variant "nonesuch"')
        # Refused: still no window, so an ack is one too.
        check_error(ws, {"type": "ack", "seq": 1}, "no window")
        for bad in (-1, 2.5, "7", None, 2**60):
            check_error(ws, {"type": "ack", "seq": bad}, '"seq" must be')
        T.log("window out of range or of the wrong kind, acks without a window, malformed "
              "seqs: one error each")

        subscribe_window(ws, 1)
        deadline = time.monotonic() + T.RECV_TIMEOUT
        b = next_bundle(ws, deadline)
        # Window closed: nothing comes while these are answered.
        check_error(ws, {"type": "ack", "seq": b.bundle_seq + 5}, "was not sent")
        check_error(ws, {"type": "ack", "seq": b.bundle_seq + 1}, "was not sent")
        check_nothing(ws, {"type": "ack", "seq": first})  # sent before the window: nothing
        check_error(ws, {"type": "ack", "seq": first - 1}, "was not sent")  # before the first
        check_error(ws, {"type": "ack", "seq": 0}, "was not sent")
        ws.send_text(json.dumps({"type": "ack", "seq": b.bundle_seq}))
        c = next_bundle(ws, deadline)
        T.check(c.bundle_seq > b.bundle_seq, f"after the ack: {c.bundle_seq}")
        check_nothing(ws, {"type": "ack", "seq": b.bundle_seq})  # a repeat
        check_error(ws, {"type": "ack", "seq": c.bundle_seq + 1}, "was not sent")
        T.log("acks of bundles never sent: an error; acknowledged already: nothing")

        # Floods. Repeats of an ack: nothing to answer (next_bundle fails on
        # an error reply), and the stream goes on.
        before = len(plain.seqs)
        again = json.dumps({"type": "ack", "seq": b.bundle_seq}).encode()
        ws.sock.sendall(T.RawWS.frame(T.RawWS.OP_TEXT, again) * 5000)
        ws.send_text(json.dumps({"type": "ack", "seq": c.bundle_seq}))
        n = next_bundle(ws, deadline)
        T.check(n.bundle_seq > c.bundle_seq, "a bundle after a flood of repeated acks")
        # Bad acks in one burst: an error each as far as the client reads
        # them (the rest only counted), and the stream goes on.
        bad = T.RawWS.frame(T.RawWS.OP_TEXT, b'{"type":"ack","seq":9007199254740992}')
        ws.sock.sendall(bad * 2000)
        replies, _ = reply_to(ws, {"type": "ping"})
        errors = len(replies)
        T.check(0 < errors <= 2000 and
                all("was not sent" in v.get("message", "") for v in replies),
                f"{errors} replies to 2000 bad acks: {replies[:3]}")
        ws.send_text(json.dumps({"type": "ack", "seq": n.bundle_seq}))
        last = next_bundle(ws, time.monotonic() + T.RECV_TIMEOUT)
        T.check(last.bundle_seq > n.bundle_seq, "a bundle after a flood of bad acks")
        refused = [c["acks_refused"] for c in get_stats(d.port)["clients"] if c["window"]]
        T.check(refused and refused[0] >= 2000, f"/stats acks_refused {refused}")
        plain.wait_more(before, 10, "ack floods")
        plain.check(d.port, "ack floods")
        T.log(f"5000 repeated acks: nothing; 2000 bad acks in a burst: {errors} errors "
              f"(the rest counted: /stats {refused[0]}); both streams go on")
        ws.close()
        plain.close()
        T.check_eq(d.stop(), 0, "exit status")


def main(binary):
    check_slow_reader(binary)
    check_no_acks(binary)
    check_bad_input(binary)


if __name__ == "__main__":
    T.run_main(main)
