"""End-to-end: plain HTTP answers, handshake details, control messages,
protocol violations and max_clients.

    /usr/bin/python3 tests/integration/test_http.py build/camcastd

  - HTTP without upgrade: GET /stream -> 426, GET / -> the browser page
    (HTML, from memory); unknown path -> 404;
    garbage -> 400; head > 8 KiB -> 431; Sec-WebSocket-Version 8 -> 426 with
    "Sec-WebSocket-Version: 13". Each response arrives and the server closes
    the connection (bounded read).
  - permessage-deflate offered: the 101 has no Sec-WebSocket-Extensions and
    frames come with RSV bits clear.
  - ping -> pong with time_ns; errors for malformed JSON, unknown type and bad
    camera indexes, the connection staying open and streaming.
  - subscribe filtering.
  - A client sending an unmasked frame is closed with 1002 (docs/protocol.md)
    while another client keeps streaming.
  - max_clients = 2: the third client gets 503; after one leaves a new one
    gets in.
  - IPv6: listen = ::1 serves the stream and the pages on [::1] and says
    ws://[::1]:PORT/stream; listen = :: (every IPv6 interface: run in a
    network namespace holding only loopback, as root) serves on ::1 too.
    Without ::1 on lo (ip -6 addr show lo) or without root, the rest runs
    and the test then exits 77 (skipped), saying which part did not run.
  - SIGTERM -> exit status 0 for each daemon.
"""

import asyncio
import json
import os
import signal
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402

import websockets  # noqa: E402  (Debian python3-websockets 10.4)

CAMS = [
    ("left", T.camera(320, 240, "Mono8", "scroll")),
    ("mid", T.camera(160, 120, "RGB8", "bars")),
    ("right", T.camera(320, 240, "Mono8", "checker")),
]
STREAM_FPS = 30


def expect_status(port, what, request, status, header=None):
    st, headers, body, how = T.http_request(port, request, what=what)
    T.check(st == status, f"{what}: expected HTTP {status}, got {st} (body {body[:200]!r})")
    T.check(how in ("eof", "reset"),
            f"{what}: the server did not close the connection after answering {st} "
            f"(waited 10 s)")
    if "content-length" in headers:
        T.check(headers["content-length"].isdigit()
                and int(headers["content-length"]) == len(body),
                f"{what}: Content-Length {headers['content-length']!r} but body has "
                f"{len(body)} bytes")
    if header is not None:
        k, v = header
        T.check(headers.get(k.lower()) == v,
                f"{what}: expected header '{k}: {v}', got {headers.get(k.lower())!r}")
    T.log(f"{what}: {st} ok (connection {how})")


def http_cases(port):
    get = lambda path, extra="": (f"GET {path} HTTP/1.1\r\nHost: {T.HOST}\r\n{extra}\r\n"
                                  .encode())
    expect_status(port, "GET /stream without Upgrade", get("/stream"), 426)
    status, headers, body, _ = T.http_request(port, get("/"), what="GET /")
    T.check_eq(status, 200, "GET / without Upgrade: the browser page")
    T.check(headers.get("content-type", "").startswith("text/html"),
            f"page Content-Type {headers.get('content-type')!r}")
    T.check(b"<!DOCTYPE html>" in body, "the page is HTML")
    expect_status(port, "GET /nope", get("/nope"), 404)
    expect_status(port, "GET /stream/x", get("/stream/x"), 404)
    req, _ = T.upgrade_request("/nope")
    expect_status(port, "WebSocket upgrade on /nope", req, 404)
    expect_status(port, "garbage request", b"this is not http at all\r\n\r\n", 400)
    expect_status(port, "binary garbage", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"
                  + os.urandom(64) + b"\r\n\r\n", 400)
    big = (f"GET /stream HTTP/1.1\r\nHost: {T.HOST}\r\nX-Pad: {'a' * 9000}\r\n\r\n").encode()
    expect_status(port, "request head of 9 KiB", big, 431)
    many = (f"GET /stream HTTP/1.1\r\nHost: {T.HOST}\r\n"
            + "".join(f"X-H{i}: {'b' * 90}\r\n" for i in range(100)) + "\r\n").encode()
    expect_status(port, "request head of 100 headers (~9.7 KiB)", many, 431)
    req, _ = T.upgrade_request("/stream", version="8")
    expect_status(port, "Sec-WebSocket-Version: 8", req, 426,
                  header=("Sec-WebSocket-Version", "13"))


def no_deflate(port, cams, tj):
    ws = T.RawWS(port, extra_headers="Sec-WebSocket-Extensions: permessage-deflate; "
                                     "client_max_window_bits\r\n")
    try:
        T.check("sec-websocket-extensions" not in ws.headers,
                f"the 101 response negotiated an extension: Sec-WebSocket-Extensions: "
                f"{ws.headers.get('sec-websocket-extensions')!r}")
        kind, hello = ws.recv_message()
        T.check(kind == "text", f"first message is {kind}, not the hello")
        T.validate_hello(hello, cams, STREAM_FPS)
        sc = T.StreamChecker(cams, tj)
        for _ in range(3):
            kind, m = ws.recv_message()
            T.check(kind == "binary", f"expected a bundle, got {kind}")
            sc.feed(m)  # frames were checked for RSV bits == 0 by the reader
    finally:
        ws.close()
    T.log("permessage-deflate offered: not negotiated, plain frames ok")


def raw_until(ws, pred, what, timeout=T.RECV_TIMEOUT):
    """Reads messages on a RawWS until pred(kind, msg) is true; bundles in
    between are parsed. -> (kind, msg)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            T.fail(f"no {what} within {timeout:.0f} s")
        kind, m = ws.recv_message(left)
        if pred(kind, m):
            return kind, m
        if kind == "binary":
            T.parse_bundle(m, len(CAMS))
        elif kind == "close":
            T.fail(f"connection closed {m} while waiting for {what}")


def is_pong(kind, m):
    return kind == "text" and json.loads(m).get("type") == "pong"


def raw_protocol(d, cams, tj):
    """RFC 6455 details a server must handle, with a raw client."""
    ping = json.dumps({"type": "ping"}).encode()
    # A frame sent in the same write as the handshake request.
    ws = T.RawWS(d.port, early=T.RawWS.frame(T.RawWS.OP_TEXT, ping))
    try:
        kind, hello = ws.recv_message()
        T.check(kind == "text", f"first message is {kind}, not the hello")
        T.validate_hello(hello, cams, STREAM_FPS)
        raw_until(ws, is_pong, "the pong to a frame sent with the handshake")
        T.log("frame sent together with the handshake request: answered")

        # WebSocket-level ping: a pong frame with the same payload.
        ws.send_frame(T.RawWS.OP_PING, b"cc-ping")
        raw_until(ws, lambda k, m: b"cc-ping" in ws.pongs, "a pong frame for a ping frame")
        T.log("ping frame -> pong frame with the same payload")

        # A fragmented control message with a ping frame in the middle.
        ws.pongs.clear()
        ws.send_frame(T.RawWS.OP_TEXT, ping[:5], fin=False)
        ws.send_frame(T.RawWS.OP_PING, b"mid")
        ws.send_frame(T.RawWS.OP_CONT, ping[5:], fin=True)
        raw_until(ws, is_pong, "the pong to a fragmented text message")
        raw_until(ws, lambda k, m: b"mid" in ws.pongs, "a pong frame for the interleaved ping")
        T.log("fragmented text message with an interleaved ping: answered")

        # Close handshake: the server answers with a close frame and closes.
        n0 = d.line_count()
        ws.send_frame(T.RawWS.OP_CLOSE, struct.pack(">H", 1000) + b"bye")
        kind, m = raw_until(ws, lambda k, m: k == "close", "the close reply")
        T.log(f"close reply {m}")
        data, how = T.recv_until_close(ws.sock, 10)
        T.check(how in ("eof", "reset"), "the server did not close the TCP connection "
                                         "after the close handshake")
        T.check(d.wait_for_line(r"disconnected", 10, start=n0) is not None,
                "no 'disconnected' line after a close handshake")
    finally:
        ws.close()

    # A client that vanishes with a TCP reset in the middle of the stream.
    ws = T.RawWS(d.port)
    n0 = d.line_count()
    ws.recv_message()
    ws.recv_message()
    ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    ws.close()
    T.check(d.wait_for_line(r"disconnected", 10, start=n0) is not None,
            "no 'disconnected' line after a client reset its connection")
    T.check(d.alive(), "daemon died after a client reset its connection")
    T.log("client reset mid-stream: disconnected, daemon fine")


class Client:
    """A websockets client that validates every bundle it sees."""

    def __init__(self, ws, cams, tj):
        self.ws, self.cams = ws, cams
        self.sc = T.StreamChecker(cams, tj)

    async def bundle(self):
        m = await T.recv(self.ws, what="a message")
        if isinstance(m, str):
            T.fail(f"unexpected text message: {m[:300]!r}")
        return self.sc.feed(m)

    async def text(self, what):
        """Next text message (bundles in between are validated)."""
        m = await T.recv_text(self.ws, what=what, on_binary=self.sc.feed)
        try:
            j = json.loads(m)
        except ValueError:
            T.fail(f"{what}: server sent a text message that is not JSON: {m[:300]!r}")
        T.check(isinstance(j, dict) and isinstance(j.get("type"), str),
                f"{what}: text message without a type: {m[:300]!r}")
        return j

    async def ping(self):
        await self.ws.send(json.dumps({"type": "ping"}))
        while True:
            j = await self.text("the pong")
            if j["type"] == "pong":
                break
            T.check(j["type"] != "error", f"error reply while waiting for the pong: {j}")
            T.log(f"  (ignoring unrequested text message {j})")
        t = j.get("time_ns")
        now = time.time_ns()
        T.check(type(t) is int and abs(t - now) < 10 * 10**9,
                f"pong.time_ns {t!r} is not an integer within 10 s of now ({now})")
        return j

    async def expect_error(self, payload, what):
        await self.ws.send(payload)
        j = await self.text(f"the error reply to {what}")
        T.check(j["type"] == "error", f"{what}: expected an error reply, got {j}")
        T.check(isinstance(j.get("message"), str) and j["message"],
                f"{what}: error reply without a message: {j}")
        # Still open and streaming.
        for _ in range(2):
            await self.bundle()
        T.log(f"{what}: error {j['message']!r}, still streaming")


async def subscribe(c, cams_sel, n=30):
    await c.ws.send(json.dumps({"type": "subscribe", "cameras": cams_sel}))
    await c.ping()  # the server handles this client's messages in order
    # Up to 2 bundles may already sit in this client's server-side queue, plus
    # one being muxed while the subscribe was handled: they may still carry
    # other cameras.
    for _ in range(3):
        await c.bundle()
    seen = {}
    first = c.sc.last_seq
    for _ in range(n):
        b = await c.bundle()
        for e in b.entries:
            T.check(e.camera_index in cams_sel,
                    f"after subscribe {cams_sel}: bundle {b.bundle_seq} has an entry for "
                    f"camera {e.camera_index}")
            seen[e.camera_index] = seen.get(e.camera_index, 0) + 1
    for i in cams_sel:
        T.check(seen.get(i, 0) > 0, f"after subscribe {cams_sel}: camera {i} never appeared "
                                    f"in {n} bundles")
    T.log(f"subscribe {cams_sel}: {n} bundles (seq {first}..{c.sc.last_seq}) only had "
          f"cameras {sorted(seen)} {seen}")


async def control(d, cams, tj):
    async with T.ws_connect(d.uri()) as ws:
        T.validate_hello(await T.recv(ws, what="the hello"), cams, STREAM_FPS)
        c = Client(ws, cams, tj)
        await c.bundle()
        await c.ping()
        T.log("ping -> pong ok")
        await c.expect_error("{this is not json", "malformed JSON")
        await c.expect_error(json.dumps({"type": "no-such-type"}), "unknown type")
        await c.expect_error(json.dumps({"type": "subscribe", "cameras": [len(cams)]}),
                             f"subscribe to camera {len(cams)} (out of range)")
        await c.expect_error(json.dumps({"type": "subscribe", "cameras": [0, 99]}),
                             "subscribe to camera 99")
        await c.expect_error(json.dumps({"type": "subscribe", "cameras": [-1]}),
                             "subscribe to camera -1")
        await c.ping()
        await subscribe(c, [0, 2])
        await subscribe(c, [1])
        await subscribe(c, [0, 1, 2])
        T.check_gaps_counted(d.port, ws.transport.get_extra_info("sockname"), c.sc,
                             "the control client")


async def unmasked(d, cams, tj):
    async with T.ws_connect(d.uri()) as ws:
        T.validate_hello(await T.recv(ws, what="the hello"), cams, STREAM_FPS)
        good = Client(ws, cams, tj)
        for _ in range(3):
            await good.bundle()
        bad = T.RawWS(d.port)
        try:
            kind, hello = bad.recv_message()
            T.check(kind == "text", "raw client: no hello")
            n0 = d.line_count()
            bad.send_text(json.dumps({"type": "ping"}), mask=False)
            T.log("sent an unmasked frame")
            deadline = time.monotonic() + 10
            outcome = None
            while outcome is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    T.fail("the client that sent an unmasked frame was not closed within 10 s")
                try:
                    kind, m = bad.recv_message(left)
                except T.ConnectionClosedByPeer as e:
                    T.fail(f"after an unmasked frame the connection was dropped ({e}) "
                           "without the close frame 1002 docs/protocol.md requires")
                if kind == "close":
                    T.check(m[0] == 1002, f"close code {m[0]} after an unmasked frame "
                                          "(want 1002)")
                    outcome = f"close frame {m}"
                elif kind == "text":
                    T.check(json.loads(m).get("type") != "pong",
                            "the server answered a ping sent in an unmasked frame")
        finally:
            bad.close()
        T.log(f"unmasked-frame client closed: {outcome}")
        T.check(d.wait_for_line(r"disconnected", 10, start=n0) is not None,
                "no 'disconnected' line on stderr for the unmasked-frame client")
        for _ in range(10):
            await good.bundle()
        await good.ping()
        T.check_gaps_counted(d.port, ws.transport.get_extra_info("sockname"), good.sc,
                             "the other client")
        T.log("the other client kept streaming")


async def max_clients(d, cams):
    a = await T.ws_connect(d.uri()).__aenter__()
    b = None
    try:
        T.validate_hello(await T.recv(a, what="hello (client 1)"), cams, STREAM_FPS)
        b = await T.ws_connect(d.uri()).__aenter__()
        T.validate_hello(await T.recv(b, what="hello (client 2)"), cams, STREAM_FPS)
        req, _ = T.upgrade_request("/stream")
        expect_status(d.port, "third client with max_clients = 2", req, 503)
        await asyncio.wait_for(a.recv(), T.RECV_TIMEOUT)  # client 1 still streams
        n0 = d.line_count()
        await asyncio.wait_for(b.close(), 10)
        b = None
        T.check(d.wait_for_line(r"disconnected", 10, start=n0) is not None,
                "no 'disconnected' line after client 2 closed")
        async with T.ws_connect(d.uri()) as c:
            T.validate_hello(await T.recv(c, what="hello (client after one left)"), cams,
                             STREAM_FPS)
            T.check(isinstance(await T.recv(c), bytes), "no bundle for the new client")
        T.log("max_clients: 503 for the third, a slot frees when one leaves")
    finally:
        for w in (a, b):
            if w is not None:
                try:
                    await asyncio.wait_for(w.close(), 10)
                except (asyncio.TimeoutError, websockets.WebSocketException, OSError):
                    pass


HEALTHZ_V6 = """
import socket, sys
s = socket.create_connection(("::1", int(sys.argv[1])), timeout=10)
s.sendall(b"GET /healthz HTTP/1.1\\r\\nHost: [::1]\\r\\n\\r\\n")
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
print(data.decode(errors="replace").split("\\r\\n")[0])
"""


def serve_ipv6(binary, cams, tj):
    """-> what could not run here ("" when all did)."""
    if not T.has_ipv6_loopback():
        return "no ::1 on lo (ip -6 addr show lo): IPv6 serving not tested"
    cfg = T.make_config(T.server_section(stream_fps=STREAM_FPS, listen="::1"), CAMS)
    with T.Daemon(binary, cfg) as d:
        m = d.wait_for_line(T.PORT_RE, 1)
        T.check(m.group(0) == f"ws://[::1]:{d.port}/stream", f"the stream's URL {m.group(0)}")
        T.check(d.wait_for_line(rf"\(page http://\[::1\]:{d.port}/\)", 1) is not None,
                "the page's URL http://[::1]:PORT/ in the start-up line")
        ws = T.RawWS(d.port, addr="::1", host=f"[::1]:{d.port}")
        kind, hello = ws.recv_message()
        T.validate_hello(hello, cams, STREAM_FPS)
        sc = T.StreamChecker(cams, tj)
        while sc.bundles < 3:
            kind, m = ws.recv_message()
            if kind == "binary":
                sc.feed(m)
        ws.close()
        req = f"GET /healthz HTTP/1.1\r\nHost: [::1]:{d.port}\r\n\r\n".encode()
        status, _, body, _ = T.http_request(d.port, req, addr="::1", what="/healthz on ::1")
        T.check_eq(status, 200, f"/healthz over IPv6 ({body!r})")
        T.check_eq(d.stop(), 0, "exit status (::1)")
    T.log("listen = ::1: hello, bundles and /healthz over IPv6")
    wrap = T.private_netns()
    if wrap is None:
        return "not root: listen = :: (every IPv6 interface) not tested"
    cfg = T.make_config(T.server_section(stream_fps=STREAM_FPS, listen="::"), CAMS)
    with T.Daemon(binary, cfg, wrap=wrap) as d:
        rc, out, err = T.in_netns_of(d.proc.pid, ["/usr/bin/python3", "-c", HEALTHZ_V6,
                                                  str(d.port)])
        T.check(rc == 0 and out.strip() == "HTTP/1.1 200 OK",
                f"/healthz on [::1] of a daemon on '::': exit {rc}, {out!r} {err[-300:]!r}")
        T.check_eq(d.stop(), 0, "exit status (::)")
    T.log("listen = :: (in a private network namespace): /healthz on [::1]")
    return ""


def main(binary):
    cams = T.cameras_for_hello(CAMS)
    tj = T.TurboJPEG()
    cfg = T.make_config({**T.server_section(stream_fps=STREAM_FPS),
                         "expose_client_addresses": "true"}, CAMS)
    with T.Daemon(binary, cfg) as d:
        http_cases(d.port)
        T.check(d.alive(), "daemon died during the HTTP cases")
        no_deflate(d.port, cams, tj)
        raw_protocol(d, cams, tj)
        asyncio.run(control(d, cams, tj))
        asyncio.run(unmasked(d, cams, tj))
        T.check(d.alive(), "daemon died")
        T.check_eq(d.stop(signal.SIGTERM), 0, "exit status after SIGTERM")

    cfg = T.make_config(T.server_section(stream_fps=STREAM_FPS, max_clients=2), CAMS)
    with T.Daemon(binary, cfg) as d:
        asyncio.run(max_clients(d, cams))
        T.check_eq(d.stop(signal.SIGTERM), 0, "exit status after SIGTERM (max_clients daemon)")
    untested = serve_ipv6(binary, cams, tj)
    if untested:
        print(f"SKIP: {untested} (the rest passed)", flush=True)
        sys.exit(77)


if __name__ == "__main__":
    T.run_main(main)
