"""Self-test of cc_testlib (no daemon needed):

    /usr/bin/python3 tests/integration/selftest_testlib.py

Builds FrameBundles by hand (struct, per docs/protocol.md) with real JPEGs from
TurboJPEG and checks that the parser accepts good ones, rejects every kind
of bad one, and that the decoder catches truncated/corrupt JPEGs. Also runs
the raw RFC 6455 frame reader against a local socketpair.
"""

import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402

CAMS = T.cameras_for_hello([
    ("left", T.camera(64, 48, "Mono8", "scroll")),
    ("mid", T.camera(32, 24, "RGB8", "bars")),
    ("right", T.camera(40, 30, "Mono8", "checker")),
])


def entry(cam, frame_id, cap_ns, payload, dropped=0, flags=None, codec=1, w=None, h=None,
          entry_size=48, pad=b"", device_ns=0):
    """entry_size 48 (1.2: device_ns at 40) plus pad, or 40 (v1) plus pad."""
    c = CAMS[cam] if cam < len(CAMS) else CAMS[0]
    if flags is None:
        flags = 1 if c["pixel_format"] == "Mono8" else 0
    hdr = struct.pack("<HHIIHHQQII", entry_size, cam, w or c["width"], h or c["height"], codec,
                      flags, frame_id, cap_ns, len(payload), dropped)
    if entry_size >= 48:
        hdr += struct.pack("<Q", device_ns)
    return hdr + pad + payload


def bundle(seq, mux_ns, entries, count=None, magic=b"CCFB", version=1, header_size=32,
           flags=0, pad=b""):
    if count is None:
        count = len(entries)
    return struct.pack("<4sHHQQHHI", magic, version, header_size, seq, mux_ns, count, flags,
                       0) + pad + b"".join(entries)


def expect_reject(data, what, validate=True):
    try:
        b = T.parse_bundle(data, len(CAMS))
        if validate:
            T.validate_bundle(b, CAMS)
    except T.TestFailure as e:
        T.log(f"  rejected as expected ({what}): {e}")
        return
    T.fail(f"parser accepted a bad bundle: {what}")


def main():
    tj = T.TurboJPEG()
    gray = bytes((x * 7 + y * 3) & 255 for y in range(48) for x in range(64))
    rgb = bytes((x * 5 + y + c * 80) & 255 for y in range(24) for x in range(32) for c in range(3))
    gray2 = bytes((x ^ y) & 255 for y in range(30) for x in range(40))
    j0 = tj.encode(gray, 64, 48, gray=True)
    j1 = tj.encode(rgb, 32, 24, gray=False)
    j2 = tj.encode(gray2, 40, 30, gray=True)

    # Decoder sanity.
    w, h, ss, cs, px = tj.decode(j0, want_pixels=True)
    T.check((w, h, ss, cs) == (64, 48, T.TJSAMP_GRAY, T.TJCS_GRAY), f"decode j0: {w, h, ss, cs}")
    T.check(len(px) == 64 * 48, "gray pixel count")
    T.check(sum(abs(a - b) for a, b in zip(px, gray)) / len(gray) < 20, "gray roundtrip error")
    w, h, ss, cs, px = tj.decode(j1, want_pixels=True)
    T.check((w, h, ss, cs) == (32, 24, T.TJSAMP_420, T.TJCS_YCbCr), f"decode j1: {w, h, ss, cs}")
    T.check(len(px) == 32 * 24 * 3, "rgb pixel count")
    for bad, what in ((j0[:len(j0) // 2], "truncated JPEG"),
                      (j0[:len(j0) // 2] + b"\xff\xd9", "truncated JPEG with EOI appended"),
                      (b"\xff\xd8" + b"\x00" * 100 + b"\xff\xd9", "garbage JPEG"),
                      (b"not a jpeg at all", "not a JPEG")):
        try:
            tj.decode(bad)
        except T.TestFailure as e:
            T.log(f"  decoder rejected {what}: {e}")
        else:
            T.fail(f"decoder accepted {what}")
    T.log("TurboJPEG wrapper ok")

    now = time.time_ns()
    good = bundle(5, now, [entry(0, 10, now - 1000, j0, dropped=12),
                           entry(1, 3, now - 2000, j1),
                           entry(2, 7, now - 500, j2, dropped=11)])
    b = T.parse_bundle(good, 3)
    T.validate_bundle(b, CAMS)
    T.check(b.bundle_seq == 5 and b.entry_count == 3 and b.mux_time_ns == now, repr(b))
    T.check([e.camera_index for e in b.entries] == [0, 1, 2], repr(b))
    T.check(b.entries[0].payload == j0 and b.entries[2].dropped == 11, repr(b))
    for e in b.entries:
        tj.check_entry(e, CAMS[e.camera_index])
    empty = bundle(6, now, [])
    T.validate_bundle(T.parse_bundle(empty, 3), CAMS)
    # 1.2: the device time; a v1 entry of 40 bytes has none.
    sync = bundle(8, now, [entry(0, 10, now - 1000, j0, flags=3, device_ns=now - 9000),
                           entry(2, 7, now - 500, j2, flags=3, device_ns=now - 9000)], flags=1)
    b = T.parse_bundle(sync, 3)
    T.validate_bundle(b, CAMS)
    T.check(b.flags == T.FLAG_ALIGNED and
            [e.device_time_ns for e in b.entries] == [now - 9000] * 2, repr(b))
    v1 = bundle(9, now, [entry(1, 4, now, j1, entry_size=40)])
    b = T.parse_bundle(v1, 3)
    T.check(b.entries[0].payload == j1 and b.entries[0].device_time_ns == 0, repr(b))
    T.validate_bundle(b, CAMS, strict=False)
    expect_reject(v1, "entries of 40 from this server (strict)")
    # Extension room: a reader skips extra header bytes (not this server though).
    ext = bundle(7, now, [entry(1, 4, now, j1, entry_size=56, pad=b"\0" * 8, device_ns=5)],
                 header_size=40, pad=b"\0" * 8)
    b = T.parse_bundle(ext, 3)
    T.check(b.entries[0].payload == j1 and b.entries[0].device_time_ns == 5,
            "extended header skip")
    T.validate_bundle(b, CAMS, strict=False)
    expect_reject(ext, "header_size 40 from this server (strict)")
    T.log("parser accepts good bundles")

    expect_reject(good[:20], "shorter than header")
    expect_reject(good[:-1], "one byte short")
    expect_reject(good + b"\0", "one byte extra")
    expect_reject(bundle(1, now, [entry(0, 1, now, j0)], magic=b"CCFX"), "bad magic")
    expect_reject(bundle(1, now, [entry(0, 1, now, j0)], version=2), "version 2")
    expect_reject(bundle(1, now, [entry(0, 1, now, j0)], header_size=16), "header_size 16")
    expect_reject(bundle(1, now, [entry(0, 1, now, j0)], count=2), "entry_count too big")
    expect_reject(bundle(1, now, [entry(0, 1, now, j0)], count=0), "entry_count too small")
    expect_reject(bundle(1, now, [entry(0, 1, now, j0)] * 4), "more entries than cameras")
    expect_reject(bundle(1, now, [entry(0, 1, now, j0), entry(0, 2, now, j0)]), "duplicate cam")
    expect_reject(bundle(1, now, [entry(0, 1, now, j0, flags=0)]), "mono without gray flag")
    expect_reject(bundle(1, now, [entry(1, 1, now, j1, flags=1)]), "rgb with gray flag")
    expect_reject(bundle(1, now, [entry(0, 1, now, j0, flags=5)]), "unknown entry flag")
    expect_reject(bundle(1, now, [entry(0, 1, now, j0, codec=2)]), "codec 2")
    expect_reject(bundle(1, now, [entry(0, 1, now, j0, w=65)]), "wrong width")
    expect_reject(bundle(1, now, [entry(0, 1, now, j0, entry_size=30)]), "entry_size 30")
    expect_reject(bundle(1, now, [entry(3, 1, now, j0)]), "camera index out of range")
    expect_reject(bundle(1, now, [entry(0, 1, now, j0)], flags=2), "bundle flags")
    T.log("parser rejects bad bundles")

    # Cross-bundle checker.
    sc = T.StreamChecker(CAMS, tj)
    sc.feed(bundle(10, now, [entry(0, 1, now - 5, j0, dropped=3)]))
    sc.feed(bundle(11, now, [entry(0, 2, now - 5, j0, dropped=4), entry(1, 1, now, j1)]))
    sc.feed(bundle(13, now, [entry(2, 9, now, j2)]))
    T.check(sc.gaps == [(11, 13)] and sc.dropped[0] == 7 and sc.entries[0] == 2, "checker")
    for bad, what in ((bundle(13, now, []), "repeated seq"),
                      (bundle(14, now, [entry(2, 9, now, j2)]), "repeated frame_id"),
                      (bundle(14, now, [entry(0, 3, now + 1, j0)]), "capture after mux"),
                      (bundle(14, now - 20 * 10**9, []), "mux time far from now")):
        try:
            sc2 = T.StreamChecker(CAMS, tj)
            sc2.last_seq, sc2.last_frame = sc.last_seq, dict(sc.last_frame)
            sc2.feed(bad)
        except T.TestFailure as e:
            T.log(f"  checker rejected {what}: {e}")
        else:
            T.fail(f"checker accepted {what}")
    corrupt = bundle(20, now, [entry(0, 1, now, j0[:len(j0) // 2] + b"\xff\xd9")])
    try:
        T.StreamChecker(CAMS, tj).feed(corrupt)
    except T.TestFailure as e:
        T.log(f"  checker rejected corrupt JPEG: {e}")
    else:
        T.fail("checker accepted corrupt JPEG")
    T.log("StreamChecker ok")

    # Hello validator.
    import json
    hello = {"type": "hello", "protocol": 1, "server": "camcastd 0.1.0", "stream_fps": 30,
             "extra": "ignored",
             "cameras": [{"index": i, "name": c["name"], "width": c["width"],
                          "height": c["height"], "pixel_format": c["pixel_format"],
                          "grab_fps": 400, "source": "testpattern"} for i, c in enumerate(CAMS)]}
    T.validate_hello(json.dumps(hello), CAMS, 30)
    for mutate, what in ((lambda h: h.update(protocol=2), "protocol 2"),
                         (lambda h: h["cameras"][1].update(width=33), "width"),
                         (lambda h: h["cameras"].pop(), "camera count"),
                         (lambda h: h["cameras"][0].update(index=1), "index"),
                         (lambda h: h.update(server="x"), "server")):
        h = json.loads(json.dumps(hello))
        mutate(h)
        try:
            T.validate_hello(json.dumps(h), CAMS, 30)
        except T.TestFailure as e:
            T.log(f"  hello validator rejected {what}: {e}")
        else:
            T.fail(f"hello validator accepted bad {what}")
    T.log("hello validator ok")

    # Raw WebSocket frame reader against a tiny fake server on 127.0.0.1.
    lsock = socket.socket()
    lsock.bind((T.HOST, 0))
    lsock.listen(1)
    port = lsock.getsockname()[1]

    def server():
        c, _ = lsock.accept()
        c.settimeout(10)
        head = b""
        while b"\r\n\r\n" not in head:
            head += c.recv(4096)
        key = [ln.split(b":", 1)[1].strip().decode() for ln in head.split(b"\r\n")
               if ln.lower().startswith(b"sec-websocket-key:")][0]
        resp = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Accept: {T.ws_accept(key)}\r\n\r\n")

        def frame(op, payload, fin=True):
            n = len(payload)
            h = bytes([(0x80 if fin else 0) | op])
            if n < 126:
                h += bytes([n])
            elif n < 65536:
                h += bytes([126]) + struct.pack(">H", n)
            else:
                h += bytes([127]) + struct.pack(">Q", n)
            return h + payload
        out = resp.encode() + frame(1, b'{"type":"hello"}')
        out += frame(2, good[:1000], fin=False) + frame(9, b"pp") + frame(0, good[1000:])
        out += frame(2, empty) + frame(8, struct.pack(">H", 1001) + b"bye")
        c.sendall(out)
        # Closed once the client's pong (a masked frame of 2 bytes: 8 in
        # all) has come, so no unread byte turns the close into a reset.
        c.settimeout(5)
        got = b""
        while len(got) < 8:
            chunk = c.recv(64)
            if not chunk:
                break
            got += chunk
        c.close()
    th = threading.Thread(target=server, daemon=True)
    th.start()
    ws = T.RawWS(port)
    kind, m = ws.recv_message(5)
    T.check(kind == "text" and m == '{"type":"hello"}', f"raw text: {kind} {m!r}")
    kind, m = ws.recv_message(5)
    T.check(kind == "binary" and m == good, "raw fragmented binary reassembly")
    kind, m = ws.recv_message(5)
    T.check(kind == "binary" and m == empty, "raw binary 2")
    kind, m = ws.recv_message(5)
    T.check(kind == "close" and m[0] == 1001, f"raw close: {kind} {m!r}")
    ws.close()
    th.join(5)
    lsock.close()
    T.log("raw RFC 6455 reader ok")
    tj.close()


if __name__ == "__main__":
    try:
        main()
    except T.TestFailure as e:
        print(f"FAIL selftest: {e}", file=sys.stderr)
        sys.exit(1)
    print("PASS selftest_testlib.py")
