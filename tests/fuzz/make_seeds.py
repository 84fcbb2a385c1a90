#!/usr/bin/env python3
"""Writes the hand-made seed inputs of tests/fuzz/corpus/NAME/seed-*.

Real requests, frames, messages, bundles and configs, each with the
harness's leading byte(s) (see the harness). Run it again after changing a
harness's input format; inputs the fuzzer found (other names) are kept.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def write(harness, name, data):
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def crlf(lines):
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def ws_frame(opcode, payload, fin=True, mask=b"\x11\x22\x33\x44"):
    """A client frame: masked, length in its shortest form."""
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n <= 0xFFFF:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + masked


def http_seeds():
    # Byte 0: chunking seed; byte 1: < 192 is the server's 8 KiB head limit.
    chrome = crlf([
        "GET /stream HTTP/1.1", "Host: localhost:8765", "Connection: Upgrade",
        "Pragma: no-cache", "Upgrade: websocket", "Origin: http://localhost:8765",
        "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"])
    write("http", "chrome-upgrade", b"\x07\x00" + chrome + ws_frame(1, b'{"type":"ping"}'))
    write("http", "bearer-token", b"\x21\x00" + crlf([
        "GET /stream HTTP/1.1", "Host: 10.0.0.5:8765", "Upgrade: websocket",
        "Connection: keep-alive, Upgrade", "Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==",
        "Sec-WebSocket-Version: 13", "Authorization: Bearer s3cr3t-t0ken-0123456789"]))
    write("http", "query-token", b"\x33\x00" + crlf([
        "GET /?token=abc%2Bdef.0123456789_~&x=1#frag HTTP/1.1", "Host: cams.example",
        "Upgrade: WebSocket", "Connection: upgrade",
        "Origin: https://cams.example", "Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==",
        "Sec-WebSocket-Version: 13"]))
    write("http", "stats", b"\x01\x00" + crlf(["GET /stats HTTP/1.1", "Host: x",
                                                "Accept: application/json"]))
    write("http", "rebinding", b"\x0b\x00" + crlf([
        "GET /stream HTTP/1.1", "Host: evil.example:8765", "Upgrade: websocket",
        "Connection: Upgrade", "Origin: http://evil.example:8765",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]))
    write("http", "host-v6", b"\x0c\x00" + crlf([
        "GET /stats HTTP/1.1", "Host: [::ffff:10.0.0.1]:8765", "Origin: http://[::ffff:10.0.0.1]:8765"]))
    write("http", "metrics-http10", b"\x02\x00" + crlf(["GET /metrics HTTP/1.0"]))
    write("http", "post-body", b"\x05\x00" + crlf([
        "POST /stream HTTP/1.1", "Host: x", "Content-Length: 5"]) + b"hello")
    body = b'{"value": 5000}'
    write("http", "api-put", b"\x0b\x00" + crlf([
        "PUT /api/cameras/left/features/ExposureTime HTTP/1.1", "Host: 127.0.0.1:8765",
        "Authorization: Bearer operat0r-t0ken-0123456789",
        f"Content-Length: {len(body)}"]) + body)
    write("http", "api-put-chunked", b"\x0c\x00" + crlf([
        "PUT /api/cameras/left/features/Gain HTTP/1.1", "Host: x",
        "Transfer-Encoding: chunked"]) + b"5\r\nhello\r\n0\r\n\r\n")
    write("http", "api-snapshot", b"\x0d\x00" + crlf([
        "GET /api/cameras/left/snapshot.jpg?variant=pre%76iew&token=s3cr3t-t0ken-0123456789 "
        "HTTP/1.1", "Host: x"]))
    write("http", "api-cameras", b"\x0e\x00" + crlf([
        "GET /api/cameras HTTP/1.1", "Host: x", "Origin: http://x",
        "Authorization: Bearer s3cr3t-t0ken-0123456789"]))
    write("http", "small-limit", b"\x09\xc4" + crlf([
        "GET /healthz HTTP/1.1", "Host: localhost", "X-Padding: " + "a" * 80]))


def ws_seeds():
    # Byte 0: read size seed; then the client's frames (after the upgrade).
    write("ws_input", "ping-msg", b"\x03" + ws_frame(1, b'{"type":"ping"}'))
    write("ws_input", "subscribe", b"\x04" + ws_frame(1, b'{"type":"subscribe","cameras":[0,2]}')
          + ws_frame(1, b'{"type":"subscribe","cameras":[7]}'))
    write("ws_input", "ping-close", b"\x05" + ws_frame(9, b"hi")
          + ws_frame(8, struct.pack(">H", 1000) + b"bye"))
    write("ws_input", "fragmented", b"\x06" + ws_frame(1, b'{"type":', fin=False)
          + ws_frame(9, b"") + ws_frame(0, b'"pong?"}'))
    write("ws_input", "binary-bad-json", b"\x07" + ws_frame(2, b"\x00\x01\x02")
          + ws_frame(1, b'{"type":"x\\u0001\xc3\xa9"')
          + ws_frame(1, b"[1,2]"))
    write("ws_input", "long-message", b"\x08" + ws_frame(1, b" " * 300 + b'{"type":"ping"}'))
    write("ws_input", "window-acks", b"\x0a" + ws_frame(1, b'{"type":"subscribe","window":1}')
          + b"".join(ws_frame(1, b'{"type":"ack","seq":%d}' % s) for s in (0, 7, 2**53, 3)))
    # 127 with a small length: not the shortest form (close 1002).
    write("ws_input", "bad-length", b"\x09" + bytes([0x81, 0xFF]) + struct.pack(">Q", 5)
          + b"\x00\x00\x00\x00hello")


def control_seeds():
    # Byte 0: camera count - 1 (mod 64).
    for name, msg in [("subscribe", b'{"type":"subscribe","cameras":[0,2]}'),
                      ("ping", b'{"type":"ping"}'),
                      ("unknown-type", b'{"type":"z\\u0000\\n\xc3\xa9\\"end"}'),
                      ("bad-index", b'{"type":"subscribe","cameras":[1.5,-1,99]}'),
                      ("not-object", b'["type","ping"]'),
                      ("max-fps", b'{"type":"subscribe","cameras":[1],"max_fps":5,"variant":"preview"}'),
                      ("window", b'{"type":"subscribe","window":2,"max_fps":10}'),
                      ("window-bad", b'{"type":"subscribe","window":[1],"cameras":[0]}'),
                      ("window-big", b'{"type":"subscribe","window":9}'),
                      ("ack", b'{"type":"ack","seq":123456}'),
                      ("ack-bad", b'{"type":"ack","seq":-3.5e400}'),
                      ("ack-max", b'{"type":"ack","seq":9007199254740993}'),
                      # 1.2: camera control and levels
                      ("levels", b'{"type":"subscribe","levels":true}'),
                      ("features", b'{"type":"features","camera":"left"}'),
                      ("features-index", b'{"type":"features","camera":2}'),
                      ("set-float", b'{"type":"set","camera":"left","feature":"ExposureTime","value":5000.5}'),
                      ("set-int-step", b'{"type":"set","camera":1,"feature":"GainRaw","value":12}'),
                      ("set-enum", b'{"type":"set","camera":"left","feature":"GainAuto","value":"Continuous"}'),
                      ("set-bool", b'{"type":"set","camera":"left","feature":"ReverseX","value":true}'),
                      ("set-command", b'{"type":"set","camera":"left","feature":"TriggerSoftware","value":"execute"}'),
                      ("set-huge", b'{"type":"set","camera":"left","feature":"ExposureTime","value":1e999}'),
                      ("set-wrong-kind", b'{"type":"set","camera":"left","feature":"ExposureTime","value":"abc"}'),
                      ("body", b'{"value":-0.0}')]:
        write("control", name, b"\x02" + msg)


def bundle(entries, seq=1, mux=2, header_extra=b"", entry_extra=b"", flags=0, device=None):
    """device: None for v1 entries (40 bytes), else entries of 48 (1.2) with
    device_time_ns = device + camera."""
    body = b""
    for cam, payload in entries:
        own = b"" if device is None else struct.pack("<Q", device + cam)
        body += struct.pack("<HHIIHHQQII", 40 + len(own) + len(entry_extra), cam, 640, 480,
                            1, 1 | (2 if own else 0), 1000 + cam, 123456789, len(payload),
                            cam) + own + entry_extra + payload
    head = b"CCFB" + struct.pack("<HHQQHHI", 1, 32 + len(header_extra), seq, mux,
                                 len(entries), flags, 0)
    return head + header_extra + body


def framebundle_seeds():
    # Byte 0: max_entries (the hello's camera count).
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
    write("framebundle", "empty", b"\x03" + bundle([]))
    write("framebundle", "one", b"\x03" + bundle([(0, jpeg)]))
    write("framebundle", "three", b"\x03" + bundle([(0, jpeg), (1, b""), (2, jpeg * 2)],
                                                  seq=2**40, mux=2**63))
    write("framebundle", "extra-sizes", b"\x04" + bundle([(1, jpeg), (3, b"\x05\x06")],
                                                        header_extra=b"\x00" * 8,
                                                        entry_extra=b"\xee" * 8, flags=2))
    # 1.2: 48-byte entries with device times, an aligned bundle.
    write("framebundle", "sync-aligned", b"\x03" + bundle([(0, jpeg), (1, jpeg), (2, jpeg)],
                                                         flags=1, device=2**62))


def config_seeds():
    for name in ["cams.ini", "cams-fake.ini", "cams-gige-fake.ini"]:
        with open(os.path.join(ROOT, name), "rb") as f:
            write("config", name.replace(".ini", ""), f.read())
    write("config", "server-keys", b"""[server]
listen = ::1
port = 0
stream_fps = 12.5
allowed_origins = https://cams.example:8443 null
server_names = cams.example line-2.local
max_clients_per_address = 4
max_pending = 16
handshake_timeout = 2.5
stall_timeout = 0
expose_client_addresses = true
[camera a]
source = testpattern
width = 64
height = 64
pixel_format = RGB8
grab_fps = 0.5
[camera b]
source = aravis
device = Fake_1
required = false
width = 640
height = 480
pixel_format = Mono8
grab_fps = 30
trigger = Line1
exposure_us = 1000.25
feature.GevSCPD = 1000
""")
    # Findings 1 and 2 (docs/fuzzing.md): a value starting with ';', a line
    # that was too long once written as "key = value".
    write("config", "finding-semicolon", b"[camera a]\nsource = aravis\ndevice =;x\n")
    write("config", "finding-long-line", b"[camera a]\nsource = aravis\ndevice =" +
          b"d" * 190 + b"\n")
    # Finding 3: a last line without a newline, one character longer.
    write("config", "finding-last-line", b"[camera a]\nsource = aravis\ndevice=" +
          b"d" * 192)
    # Sync groups (docs/sync.md): before their cameras, a software and a
    # line group, delays, PTP.
    write("config", "sync-groups", b"""[sync line]
cameras = left, right ,mid
trigger = software
tolerance_us = 500
wait_ms = 2.5
[camera left]
source = testpattern
width = 64
height = 64
grab_fps = 100
[camera right]
source = testpattern
width = 64
height = 64
grab_fps = 100
delay_us = 7000
jitter_us = 100
[camera mid]
source = aravis
device = GV01
grab_fps = 100
ptp = on
[camera x]
source = aravis
device = GV02
[camera y]
source = aravis
device = GV03
trigger = Line1
[sync hw]
cameras = x, y
trigger = Line1
""")


def rtsp_seeds():
    """fuzz_rtsp_request: byte 0 the body limit (odd: after
    authentication), byte 1 the write size, then what a client sends."""
    import base64
    token = b"fuzz-token-0123456789+/="  # the harness's TOKEN
    basic = base64.b64encode(b"camcast:" + token)
    write("rtsp_request", "options", b"\x00\x05" + crlf([
        "OPTIONS rtsp://127.0.0.1:8554/left RTSP/1.0", "CSeq: 1"]))
    write("rtsp_request", "describe-query", b"\x00\x11" + crlf([
        "DESCRIBE rtsp://127.0.0.1:8554/left?x=1&token=fuzz-token-0123456789%2B/%3D "
        "RTSP/1.0", "CSeq: 2", "Accept: application/sdp"]))
    write("rtsp_request", "setup-basic", b"\x01\x40" + crlf([
        "SETUP rtsp://h/left/stream=0 RTSP/1.0", "CSeq: 3",
        "Authorization: Basic " + basic.decode(),
        "Transport: RTP/AVP/TCP;unicast;interleaved=0-1"]))
    write("rtsp_request", "body-too-large", b"\x00\x03" + crlf([
        "SET_PARAMETER rtsp://h/left RTSP/1.0", "CSeq: 4",
        "Content-Length: 67108864"]) + b"xx")
    write("rtsp_request", "body-then-rtcp", b"\x01\x07" + crlf([
        "GET_PARAMETER rtsp://h/left RTSP/1.0", "CSeq: 5", "Session: abc",
        "Content-Length: 10"]) + b"position\r\n" + b"$\x01\x00\x08" + b"\x81\xc9\x00\x01" +
        b"\x00" * 4)
    write("rtsp_request", "tunnel-get", b"\x00\x20" + crlf([
        "GET /left HTTP/1.0", "x-sessioncookie: abcdefgh", "Accept: application/x-rtsp-tunnelled"]))


if __name__ == "__main__":
    rtsp_seeds()
    http_seeds()
    ws_seeds()
    control_seeds()
    framebundle_seeds()
    config_seeds()
