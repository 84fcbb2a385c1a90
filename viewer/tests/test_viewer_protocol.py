"""camcast-viewer against a scripted server: the cases camcastd does not
produce on its own.

A small WebSocket server (stdlib, written from /work/shared/PROTOCOL.md)
sends a bundle before the hello, then a hello whose camera "dark" is
marked "online": false, then FrameBundles with real JPEGs (TurboJPEG)
where camera "fading" stops after 15 bundles, with entries for an unknown
camera, a corrupt JPEG now and then, and every 10th bundle malformed in
one of several ways. The viewer (headless) must keep going, count the bad
ones, and show in its screenshot: "live" live, "dark" offline (a banner,
no image), "fading" stale (a banner over its last image).

Usage: /usr/bin/python3 test_viewer_protocol.py CAMCAST_VIEWER
"""

import base64
import hashlib
import json
import os
import socket
import struct
import tempfile
import threading
import time

import viewer_testlib as vt
from viewer_testlib import check, check_eq, lib, log

W, H = 160, 120
FPS = 30
MAX_BUNDLES = 3000  # the server stops by itself: 100 s at 30 fps
DEADLINE = 60.0     # and within this long in any case


def ws_frame(opcode, payload):
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return head + payload


def bundle(seq, entries, magic=b"CCFB"):
    """entries: (camera_index, flags, frame_id, payload) -> bytes."""
    out = struct.pack("<4sHHQQHHI", magic, 1, 32, seq, time.time_ns(), len(entries), 0, 0)
    for cam, flags, frame_id, payload in entries:
        out += struct.pack("<HHIIHHQQII", 40, cam, W, H, 1, flags, frame_id,
                           time.time_ns(), len(payload), 12)
        out += payload
    return out


def images():
    tj = lib.TurboJPEG()
    try:
        gray = bytes((x * 3 + y) & 0xFF for y in range(H) for x in range(W))
        rgb = bytes(v for y in range(H) for x in range(W) for v in (200, x, 40))
        return tj.encode(gray, W, H, True), tj.encode(rgb, W, H, False)
    finally:
        tj.close()


def malformed(k, good):
    """Every 10th bundle, broken in one of four ways (codec error)."""
    kind = (k // 10) % 4
    if kind == 0:
        return good[:-1]                     # truncated: ETRUNC
    if kind == 1:
        return b"XXXX" + good[4:]            # EMAGIC
    if kind == 2:
        return good + b"\0"                  # ESIZE: bytes left over
    twice = (0, 1, k, b"\xff\xd8\xff\xd9")
    return bundle(k, [twice, twice])         # EDUP: camera 0 twice


class ScriptedServer:
    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.sock.settimeout(20)
        self.port = self.sock.getsockname()[1]
        self.sent = {"bundles": 0, "malformed": 0, "corrupt_jpeg": 0}
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def _handshake(self, conn):
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(4096)
            if not chunk or len(head) > 16384:
                raise RuntimeError("no request head")
            head += chunk
        key = [ln.split(b":", 1)[1].strip() for ln in head.split(b"\r\n")
               if ln.lower().startswith(b"sec-websocket-key:")][0]
        accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                                  .digest())
        conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")

    def _stream(self, conn):
        gray, rgb = images()
        hello = {"type": "hello", "protocol": 1, "server": "scripted", "stream_fps": FPS,
                 "extra": [1, 2], "cameras": [
                     {"index": 0, "name": "live", "width": W, "height": H,
                      "pixel_format": "Mono8", "future_key": {"a": 1}},
                     {"index": 1, "name": "dark", "width": W, "height": H,
                      "pixel_format": "Mono8", "online": False},
                     {"index": 2, "name": "fading", "width": W, "height": H,
                      "pixel_format": "RGB8"}]}
        # A bundle before the hello: ignored, not fatal.
        conn.sendall(ws_frame(0x2, bundle(0, [(0, 1, 0, gray)])))
        conn.sendall(ws_frame(0x1, json.dumps(hello).encode()))
        start = time.monotonic()
        for k in range(1, MAX_BUNDLES):
            if time.monotonic() - start > DEADLINE:
                return
            jpeg = gray
            if k % 20 == 5:
                jpeg = b"\xff\xd8" + b"\x55" * 200  # not a JPEG stream
                self.sent["corrupt_jpeg"] += 1
            entries = [(0, 1, k, jpeg)]
            if k <= 15:
                entries.append((2, 0, k, rgb))
            if k % 7 == 3:
                entries.append((7, 1, k, gray))     # unknown camera: ignored
            data = bundle(k, entries)
            if k % 10 == 0:
                data = malformed(k, data)
                self.sent["malformed"] += 1
            try:
                conn.sendall(ws_frame(0x2, data))
            except OSError:
                return  # the viewer is done and gone
            self.sent["bundles"] += 1
            time.sleep(1 / FPS)

    def _run(self):
        try:
            conn, _ = self.sock.accept()
            with conn:
                conn.settimeout(10)
                self._handshake(conn)
                self._stream(conn)
        except Exception as e:  # reported by the test, not lost in a thread
            self.error = e
        finally:
            self.sock.close()

    def join(self):
        self.thread.join(DEADLINE + 10)
        check(not self.thread.is_alive(), "the scripted server did not stop")
        check(self.error is None, f"scripted server failed: {self.error!r}")


def main(viewer_bin):
    server = ScriptedServer().start()
    url = f"ws://127.0.0.1:{server.port}/stream"
    with tempfile.TemporaryDirectory(prefix="camcast-viewer-") as tmp:
        shot = os.path.join(tmp, "protocol.bmp")
        # 110 shown bundles: well over 2 s after "fading" sent its last.
        v = vt.run_viewer(viewer_bin, [url, "--screenshot", shot, "--after", "110",
                                       "--size", "960x540", "--timeout", "60"],
                          env=vt.headless_env())
        server.join()
        log(f"sent {server.sent}; viewer: {v.stdout.strip()}")
        check_eq(v.rc, 0, f"viewer exit status; stderr:\n{v.stderr_text()}")
        bundles, frames, bad, undecodable = v.counts()
        check(bundles >= 110, f"displayed {bundles} bundles")
        check(1 <= bad <= server.sent["malformed"], f"{bad} malformed counted")
        check(1 <= undecodable <= server.sent["corrupt_jpeg"], f"{undecodable} undecodable")
        text = "\n".join(v.lines)
        check("bundle before the hello ignored" in text, "early bundle not reported")
        check("malformed bundle" in text, "malformed bundles not logged")
        check("(offline)" in text, "the hello's offline camera not logged")

        size, tiles = vt.layout_from(v.lines)
        check_eq(size, (960, 540), "window size")
        bmp = vt.Bmp(shot)
        names = {n: t[0] for n, t in tiles.items()}
        check_eq(names, {1: "live", 2: "dark", 3: "fading"}, "tiles")
        s = {n: vt.region_stats(bmp, t[2]) for n, t in tiles.items()}
        for n in s:
            log(f"tile {n} {names[n]}: {s[n]['not_bg']:.1%} not background, "
                f"{s[n]['amber']} banner pixels")
        check(s[1]["not_bg"] > 0.9 and s[1]["amber"] == 0, "'live' is not shown live")
        check(s[2]["amber"] > 50, "'dark' has no offline banner")
        check(s[2]["not_bg"] < 0.4, "'dark' shows an image")
        check(s[3]["amber"] > 50, "'fading' has no stale banner")
        check(s[3]["not_bg"] > 0.6, "'fading' lost its last image")


if __name__ == "__main__":
    vt.run_main(main, 1)
