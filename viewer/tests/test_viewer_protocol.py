"""camcast-viewer against a scripted server: the cases camcastd does not
produce on its own.

A small WebSocket server (stdlib, written from docs/protocol.md)
wants an access token (the viewer presents it with --token-file), sends a
bundle before the hello, then a hello whose camera "dark" is marked
"online": false, then FrameBundles with real JPEGs (TurboJPEG) where camera
"fading" stops after 15 bundles, with entries for an unknown camera, a
corrupt JPEG now and then, entries whose sizes lie (larger than the hello's
camera, a JPEG of another size, a payload far too big: rejected, never
decoded), and every 10th bundle malformed in one of several ways. The
viewer (headless) must keep going, count the bad ones, and show in its
screenshot: "live" live, "dark" offline (a banner, no image), "fading"
stale (a banner over its last image).

Then a server that lists variants (protocol 1.1) but refuses the subscribe
the viewer sends for its tiny window: the viewer must log the refusal and
ask that connection for no other variant, not even after a second hello
(a reload) whose variants would suit its tiles better.

Then a server that sends a bundle far larger than its hello's camera can
make (the viewer closes with 1009 before buffering it), and a close
reason with a terminal escape and a line break (logged as plain text).

Then a server that offers flow control (protocol 1.2) and keeps to the
window the viewer asks for (2): the viewer must acknowledge each bundle
once taken, a malformed one too, only bundles it was sent, so that the
stream goes on.

Then servers that answer 401: without a token, and to a wrong one. The
viewer must say why, and retry no faster than its backoff (0.5 s, then
doubling). A token file every user may read is refused.

Usage: /usr/bin/python3 test_viewer_protocol.py CAMCAST_VIEWER
"""

import base64
import hashlib
import json
import os
import re
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
TOKEN = "viewer-test-token_0123456789"
REJECTED_RE = re.compile(r"(\d+) rejected")


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
    """entries: (camera_index, flags, frame_id, payload[, width, height])
    -> bytes; the size is W x H unless given."""
    out = struct.pack("<4sHHQQHHI", magic, 1, 32, seq, time.time_ns(), len(entries), 0, 0)
    for cam, flags, frame_id, payload, *size in entries:
        w, h = size or (W, H)
        out += struct.pack("<HHIIHHQQII", 40, cam, w, h, 1, flags, frame_id,
                           time.time_ns(), len(payload), 12)
        out += payload
    return out


def images():
    """Gray and RGB W x H JPEGs, and a gray one of half the size."""
    tj = lib.TurboJPEG()
    try:
        gray = bytes((x * 3 + y) & 0xFF for y in range(H) for x in range(W))
        rgb = bytes(v for y in range(H) for x in range(W) for v in (200, x, 40))
        half = bytes(x & 0xFF for y in range(H // 2) for x in range(W // 2))
        return (tj.encode(gray, W, H, True), tj.encode(rgb, W, H, False),
                tj.encode(half, W // 2, H // 2, True))
    finally:
        tj.close()


def lying_entry(k, gray, half):
    """Camera 0's entry with sizes that cannot be true, by k; or None.
    Each JPEG would decode fine: only the checks keep it out."""
    kind = k % 20
    if kind == 9:
        return (0, 1, k, gray, 2 * W, 2 * H)        # larger than the hello's
    if kind == 13:
        return (0, 1, k, half)                      # JPEG W/2 x H/2, entry W x H
    if kind == 17:
        return (0, 1, k, gray + b"\0" * (W * H * 3 + 65536))  # absurd payload
    return None


def read_head(conn):
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = conn.recv(4096)
        if not chunk or len(head) > 16384:
            raise RuntimeError("no request head")
        head += chunk
    return head


def header(head, name):
    """A request header's value, or None."""
    name = name.lower().encode() + b":"
    for ln in head.split(b"\r\n"):
        if ln.lower().startswith(name):
            return ln.split(b":", 1)[1].strip().decode()
    return None


UNAUTHORIZED = (b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\n"
                b"Content-Length: 0\r\nConnection: close\r\n\r\n")


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
        self.sent = {"bundles": 0, "malformed": 0, "corrupt_jpeg": 0, "lying": 0}
        self.auth = None
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def _handshake(self, conn):
        head = read_head(conn)
        self.auth = header(head, "Authorization")
        if self.auth != "Bearer " + TOKEN:
            conn.sendall(UNAUTHORIZED)
            raise RuntimeError(f"request without the token: Authorization {self.auth!r}")
        switch_protocols(conn, head)

    def _stream(self, conn):
        gray, rgb, half = images()
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
            lie = lying_entry(k, gray, half)
            if lie:
                entries = [lie]
                self.sent["lying"] += 1
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


class UnauthorizedServer:
    """Answers every request 401 and notes when each came and its
    Authorization header."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.requests = []  # (monotonic time, Authorization or None)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        deadline = time.monotonic() + DEADLINE
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            with conn:
                conn.settimeout(5)
                try:
                    head = read_head(conn)
                    self.requests.append((time.monotonic(), header(head, "Authorization")))
                    conn.sendall(UNAUTHORIZED)
                except (OSError, RuntimeError):
                    pass
        self.sock.close()

    def join(self):
        self.stop.set()
        self.thread.join(10)
        check(not self.thread.is_alive(), "the 401 server did not stop")


class HostileServer:
    """Two connections: a hello for one small camera, then a binary message
    far larger than such a camera's bundles can be; then a hello and a close
    frame whose reason carries a terminal escape and a line break. Notes
    the close code the viewer sends on the first."""

    REASON = b"\x1b[31mred\r\nfake line\x07"

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(2)
        self.sock.settimeout(20)
        self.port = self.sock.getsockname()[1]
        self.viewer_close = None
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _accept(self):
        conn, _ = self.sock.accept()
        conn.settimeout(10)
        switch_protocols(conn, read_head(conn))
        conn.sendall(ws_frame(0x1, RefusingServer.hello([], {})))
        return conn

    def _run(self):
        try:
            with self._accept() as conn:
                try:
                    conn.sendall(ws_frame(0x2, b"CCFB" + bytes(4 << 20)))
                except OSError:
                    pass  # the viewer closed before taking it all
                while True:
                    frame = read_client_frame(conn)
                    if frame is None or frame[0] == 0x8:
                        break
                if frame and len(frame[1]) >= 2:
                    self.viewer_close = struct.unpack("!H", frame[1][:2])[0]
            with self._accept() as conn:
                conn.sendall(ws_frame(0x8, struct.pack("!H", 1008) + self.REASON))
                read_client_frame(conn)
        except Exception as e:  # reported by the test, not lost in a thread
            self.error = e
        finally:
            self.sock.close()

    def join(self):
        self.thread.join(DEADLINE)
        check(not self.thread.is_alive(), "the hostile server did not stop")
        check(self.error is None, f"hostile server failed: {self.error!r}")


def check_hostile_server(viewer_bin):
    """A bundle beyond what the hello's cameras can make is refused before
    it is buffered (1009); a close reason reaches the log as plain text."""
    server = HostileServer()
    v = vt.run_viewer(viewer_bin, [f"ws://127.0.0.1:{server.port}/stream", "--headless", "1",
                                   "--timeout", "5"], env=vt.headless_env())
    server.join()
    check_eq(server.viewer_close, 1009, "the viewer's close code for a 4 MiB bundle "
             f"of one {W}x{H} camera")
    text = "\n".join(v.lines)
    check("max_message" in text, f"the refusal is not logged:\n{v.stderr_text()}")
    check("?[31mred??fake line?" in text, f"the close reason, plain:\n{v.stderr_text()}")
    check("\x1b" not in text and "\x07" not in text, "control characters in the log")
    check(not any(ln.startswith("fake line") for ln in v.lines), "a forged log line")
    log("a bundle over the hello's bound: closed with 1009; a hostile close reason "
        "logged as plain text")


def read_client_frame(conn):
    """One frame from the viewer (masked, as every client frame) ->
    (opcode, payload), or None at the end."""
    def exactly(n):
        buf = b""
        while len(buf) < n:
            chunk = conn.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf
    head = exactly(2)
    if head is None:
        return None
    n = head[1] & 0x7F
    if n == 126:
        n = struct.unpack("!H", exactly(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", exactly(8))[0]
    mask = exactly(4) if head[1] & 0x80 else b"\0\0\0\0"
    data = exactly(n) or b""
    return head[0] & 0x0F, bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def switch_protocols(conn, head):
    """Answers the viewer's upgrade request (head) with 101."""
    key = header(head, "Sec-WebSocket-Key").encode()
    accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                              .digest())
    conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                 b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")


class OneViewerServer:
    """A scripted server for one connection: the upgrade, a thread that
    reads what the viewer sends (every text message noted, then
    on_text(conn, msg)), and serve(conn) streaming until it returns."""

    name = "scripted server"

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.sock.settimeout(20)
        self.port = self.sock.getsockname()[1]
        self.texts = []
        self.error = None
        self.send_lock = threading.Lock()
        self.gone = threading.Event()  # the viewer closed
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _send(self, conn, opcode, payload):
        with self.send_lock:
            conn.sendall(ws_frame(opcode, payload))

    def _read(self, conn):
        try:
            while True:
                frame = read_client_frame(conn)
                if frame is None or frame[0] == 0x8:
                    break
                if frame[0] == 0x1:
                    self.texts.append(frame[1].decode())
                    self.on_text(conn, json.loads(frame[1]))
        except (OSError, ValueError):
            pass
        self.gone.set()

    def _run(self):
        try:
            conn, _ = self.sock.accept()
            with conn:
                conn.settimeout(10)
                switch_protocols(conn, read_head(conn))
                reader = threading.Thread(target=self._read, args=(conn,), daemon=True)
                reader.start()
                self.serve(conn)
                reader.join(5)
        except Exception as e:  # reported by the test, not lost in a thread
            self.error = e
        finally:
            self.sock.close()

    def join(self):
        self.thread.join(DEADLINE + 10)
        check(not self.thread.is_alive(), f"the {self.name} did not stop")
        check(self.error is None, f"{self.name} failed: {self.error!r}")


class RefusingServer(OneViewerServer):
    """Lists variants, refuses every subscribe, and after RELOAD_AT bundles
    sends a second hello whose variants suit the viewer's tiles better;
    notes every text message the viewer sends."""

    RELOAD_AT = 45
    name = "refusing server"

    def on_text(self, conn, msg):
        if msg.get("type") == "subscribe":
            self._send(conn, 0x1, b'{"type":"error","message":"subscribe: '
                                  b'variants are off today"}')

    @staticmethod
    def hello(variants, sizes):
        cam = {"index": 0, "name": "cam", "width": W, "height": H,
               "pixel_format": "Mono8", "variant_sizes": sizes}
        return json.dumps({"type": "hello", "protocol": 1, "stream_fps": FPS,
                           "variants": variants, "cameras": [cam]}).encode()

    def serve(self, conn):
        gray = images()[0]
        # A tiny window's tile is smaller than half (80x60)...
        self._send(conn, 0x1, self.hello(
            [{"name": "full"}, {"name": "half", "scale": 0.5}],
            {"half": {"width": W // 2, "height": H // 2}}))
        start = time.monotonic()
        for k in range(1, MAX_BUNDLES):
            if time.monotonic() - start > DEADLINE:
                break
            if k == self.RELOAD_AT:
                # ... and than "small" (64x48), which a reload adds.
                self._send(conn, 0x1, self.hello(
                    [{"name": "full"}, {"name": "half", "scale": 0.5},
                     {"name": "small", "max_width": 64}],
                    {"half": {"width": W // 2, "height": H // 2},
                     "small": {"width": 64, "height": 48}}))
            try:
                self._send(conn, 0x2, bundle(k, [(0, 1, k, gray)]))
            except OSError:
                break  # the viewer is done and gone
            time.sleep(1 / FPS)


class WindowServer(OneViewerServer):
    """Offers flow control (protocol 1.2) and keeps to it: once the viewer
    subscribes with a window, a bundle goes out on a tick only while fewer
    than the window are unacknowledged (bundle_seq counts every tick, so
    the viewer sees it jump). Bundle MALFORMED_AT has a valid header and a
    broken entry: the viewer rejects it, and must acknowledge it all the
    same, or the stream would stop there."""

    MALFORMED_AT = 20
    name = "window server"

    def __init__(self):
        self.sent, self.acks = [], []
        self.window, self.bad_ack = 0, None
        super().__init__()

    def on_text(self, conn, msg):
        if msg.get("type") == "subscribe" and "window" in msg:
            self.window = msg["window"]
        elif msg.get("type") == "ack":
            with self.send_lock:
                seq = msg.get("seq")
                if seq not in self.sent or (self.acks and seq <= self.acks[-1]):
                    self.bad_ack = self.bad_ack or (seq, list(self.sent[-5:]))
                self.acks.append(seq)

    def _unacked(self):
        last = self.acks[-1] if self.acks else 0
        return sum(1 for s in self.sent if s > last)

    def serve(self, conn):
        gray = images()[0]
        cam = {"index": 0, "name": "cam", "width": W, "height": H, "pixel_format": "Mono8"}
        self._send(conn, 0x1, json.dumps({
            "type": "hello", "protocol": 1, "stream_fps": FPS, "extensions": ["window"],
            "cameras": [cam]}).encode())
        start = time.monotonic()
        for seq in range(1, MAX_BUNDLES):
            if time.monotonic() - start > DEADLINE or self.gone.is_set():
                break
            time.sleep(1 / FPS)
            with self.send_lock:
                if self.window and self._unacked() >= self.window:
                    continue  # the viewer has not taken what it has
                self.sent.append(seq)
            data = bundle(seq, [(0, 1, seq, gray)])
            if seq == self.MALFORMED_AT:
                data = data[:32] + struct.pack("<H", 20) + data[34:]
            try:
                self._send(conn, 0x2, data)
            except OSError:
                break  # the viewer is done and gone


def check_variant_refused(viewer_bin):
    server = RefusingServer()
    v = vt.run_viewer(viewer_bin, [f"ws://127.0.0.1:{server.port}/stream", "--size", "64x64",
                                   "--headless", "120", "--timeout", "30"],
                      env=vt.headless_env())
    server.join()
    log(f"the viewer sent {server.texts}")
    check_eq(v.rc, 0, f"viewer exit status; stderr:\n{v.stderr_text()}")
    text = "\n".join(v.lines)
    check("refused variant half (subscribe: variants are off today)" in text,
          f"the refusal is not logged:\n{v.stderr_text()}")
    hellos = [ln for ln in v.lines if "hello from" in ln]
    check_eq(len(hellos), 2, "hellos (the second one a reload)")
    subs = [json.loads(t) for t in server.texts if json.loads(t).get("type") == "subscribe"]
    check_eq(subs, [{"type": "subscribe", "variant": "half"}],
             "subscribes: one, refused, then none")
    check("0 rejected" in v.stdout, f"entries rejected: {v.stdout}")


def check_window(viewer_bin):
    """The viewer asks for window 2 and acknowledges each bundle its
    decode thread took, the malformed one too: only acks of bundles it was
    sent, increasing; 60 bundles displayed means the stream never stalled."""
    server = WindowServer()
    v = vt.run_viewer(viewer_bin, [f"ws://127.0.0.1:{server.port}/stream",
                                   "--headless", "60", "--timeout", "40"],
                      env=vt.headless_env())
    server.join()
    check_eq(v.rc, 0, f"viewer exit status; stderr:\n{v.stderr_text()}")
    subs = [json.loads(t) for t in server.texts if json.loads(t).get("type") == "subscribe"]
    check_eq(subs, [{"type": "subscribe", "window": 2}], "subscribes")
    check(server.bad_ack is None, f"an ack of a bundle not sent, or not increasing: "
                                  f"{server.bad_ack}")
    check(server.acks and max(server.acks) > server.MALFORMED_AT,
          f"acks {server.acks[-5:]}: none after the malformed bundle")
    check("1 malformed" in v.stdout, f"the malformed bundle not counted: {v.stdout}")
    log(f"window 2: {len(server.sent)} bundles sent, {len(server.acks)} acks "
        f"(last {server.acks[-1]}), the malformed one acknowledged; {v.stdout.strip()}")


def write_token(path, token, mode=0o600):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    os.chmod(path, mode)  # whatever the umask made of it


def check_unauthorized(viewer_bin, tmp, token, want):
    """A viewer against a server that always says 401: the reason in its
    log, each attempt one request, and the backoff it logs doubling from
    0.5 s (0.5, 1, 2 s...)."""
    server = UnauthorizedServer()
    args = [f"ws://127.0.0.1:{server.port}/stream", "--headless", "1", "--timeout", "4"]
    if token:
        path = os.path.join(tmp, "wrong.token")
        write_token(path, token)
        args += ["--token-file", path]
    v = vt.run_viewer(viewer_bin, args, env=vt.headless_env())
    server.join()
    times = [t for t, _ in server.requests]
    text = "\n".join(v.lines)
    delays = [float(x) for x in re.findall(r"next attempt in ([0-9.]+) s", text)]
    log(f"401 server: {len(times)} requests; the viewer's delays {delays}")
    check_eq(v.rc, 1, f"viewer exit status (timeout); stderr:\n{v.stderr_text()}")
    check(want in text, f"no {want!r} in the log:\n{v.stderr_text()}")
    check(len(delays) >= 1, f"no 'next attempt in' line:\n{v.stderr_text()}")
    check_eq(delays, [0.5 * 2 ** i for i in range(len(delays))],
             "the backoff after each 401 (doubling from 0.5 s)")
    # Each logged failure was a request; the last attempt may be cut by
    # --timeout between its request and its log line.
    check(len(delays) <= len(times) <= len(delays) + 1,
          f"{len(times)} requests for {len(delays)} failed attempts")
    sent = {a for _, a in server.requests}
    check_eq(sent, {f"Bearer {token}" if token else None}, "Authorization headers")


def check_token_file_refused(viewer_bin, tmp):
    path = os.path.join(tmp, "open.token")
    write_token(path, TOKEN, 0o644)
    v = vt.run_viewer(viewer_bin, ["ws://127.0.0.1:9/stream", "--headless", "1",
                                   "--token-file", path], env=vt.headless_env())
    check_eq(v.rc, 1, "viewer exit status for a token file all may read")
    check("readable by every user" in "\n".join(v.lines), v.stderr_text())
    check(TOKEN not in "\n".join(v.lines) + v.stdout, "the token was printed")


def check_stream(viewer_bin, tmp):
    server = ScriptedServer().start()
    url = f"ws://127.0.0.1:{server.port}/stream"
    token_file = os.path.join(tmp, "viewer.token")
    write_token(token_file, TOKEN)
    shot = os.path.join(tmp, "protocol.bmp")
    # 110 shown bundles: well over 2 s after "fading" sent its last.
    v = vt.run_viewer(viewer_bin, [url, "--screenshot", shot, "--after", "110",
                                   "--size", "960x540", "--timeout", "60",
                                   "--token-file", token_file],
                      env=vt.headless_env())
    server.join()
    log(f"sent {server.sent}; viewer: {v.stdout.strip()}")
    check_eq(v.rc, 0, f"viewer exit status; stderr:\n{v.stderr_text()}")
    check_eq(server.auth, "Bearer " + TOKEN, "Authorization header")
    text = "\n".join(v.lines)
    check(TOKEN not in text + v.stdout, "the token was printed")
    bundles, frames, bad, undecodable = v.counts()
    check(bundles >= 110, f"displayed {bundles} bundles")
    check(1 <= bad <= server.sent["malformed"], f"{bad} malformed counted")
    check(1 <= undecodable <= server.sent["corrupt_jpeg"], f"{undecodable} undecodable")
    m = REJECTED_RE.search(v.stdout)
    rejected = int(m.group(1)) if m else -1
    check(3 <= rejected <= server.sent["lying"],
          f"{rejected} rejected of {server.sent['lying']} lying entries")
    check("rejected" in text and "not within the hello" in text,
          "rejected entries not logged")
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


def main(viewer_bin):
    with tempfile.TemporaryDirectory(prefix="camcast-viewer-") as tmp:
        check_stream(viewer_bin, tmp)
        check_variant_refused(viewer_bin)
        check_hostile_server(viewer_bin)
        check_window(viewer_bin)
        check_unauthorized(viewer_bin, tmp, None,
                           "server wants an access token (HTTP 401): give --token-file")
        check_unauthorized(viewer_bin, tmp, "wrong-token-0123456789",
                           "wrong access token (HTTP 401)")
        check_token_file_refused(viewer_bin, tmp)


if __name__ == "__main__":
    vt.run_main(main, 1)
