"""End-to-end: SIGHUP reloads the configuration.

    /usr/bin/python3 tests/integration/test_reload.py build/src/camcastd

Start with cameras a, b, c and three clients: one on every camera, one
subscribed to b, one subscribed to a. Then the config file changes: a is
removed, b changes size, c stays as it is, d is added, stream_fps changes.
After SIGHUP:
  - c kept running (logged; its frame ids go on), b was opened again (its
    frame ids start over);
  - the clients of b and of every camera stay connected, get the new hello
    (b at index 0 with its new size, c, d) and then bundles of the new
    cameras, the subscribed one only b's entries, at the new size;
  - the client of a alone is closed with 1001;
  - the bundle_seq keeps growing (no restart from 1);
  - an invalid config on the next SIGHUP is refused with the error logged
    (file:line:key) and the stream goes on unchanged;
  - SIGTERM still ends it cleanly.
A second daemon, with a token_file:
  - the token rotated (the file rewritten, SIGHUP): the connected client
    stays and streams on; a new connection with the old token gets 401,
    with the new one the hello;
  - the token file gone: the whole reload is refused (the new stream_fps
    is not taken), the running token still works;
  - listen and port changed in the file: a warning that they need a
    restart, the daemon still on its port; the rest of the reload (the new
    stream_fps) applies.
"""

import asyncio
import json
import os
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402

BEFORE = [
    ("a", T.camera(320, 240, "Mono8", "scroll", grab_fps=120)),
    ("b", T.camera(320, 240, "Mono8", "bars", grab_fps=120)),
    ("c", T.camera(160, 120, "RGB8", "checker", grab_fps=120)),
]
AFTER = [
    ("b", T.camera(256, 192, "Mono8", "bars", grab_fps=120)),
    ("c", T.camera(160, 120, "RGB8", "checker", grab_fps=120)),
    ("d", T.camera(192, 144, "RGB8", "scroll", grab_fps=120)),
]


async def subscribe(ws, cameras):
    await ws.send(json.dumps({"type": "subscribe", "cameras": cameras}))


async def next_hello(ws, timeout=15):
    """Skips bundles until the next text message, which must be a hello."""
    text = await T.recv_text(ws, timeout, "the new hello")
    hello = json.loads(text)
    T.check_eq(hello.get("type"), "hello", f"text message after SIGHUP: {text[:200]}")
    return hello


async def bundles(ws, n, max_entries):
    out = []
    while len(out) < n:
        out.append(T.parse_bundle(await T.recv_binary(ws), max_entries))
    return out


async def scenario(d):
    async with T.ws_connect(d.uri()) as all_ws, T.ws_connect(d.uri()) as b_ws, \
            T.ws_connect(d.uri()) as a_ws:
        for ws in (all_ws, b_ws, a_ws):
            hello = json.loads(await T.recv(ws, what="the hello"))
            T.check_eq([c["name"] for c in hello["cameras"]], ["a", "b", "c"], "first hello")
        await subscribe(b_ws, [1])
        await subscribe(a_ws, [0])
        before = await bundles(all_ws, 5, 3)
        seq_before = before[-1].bundle_seq
        last_id = {i: max(e.frame_id for b in before for e in b.entries
                          if e.camera_index == i) for i in (1, 2)}

        with open(d.config_path, "w") as f:
            f.write(T.make_config(T.server_section(stream_fps=20), AFTER))
        d.send_signal(signal.SIGHUP)
        T.check(d.wait_for_line(r"SIGHUP: reloaded: 3 cameras, 20 fps; kept running: c$",
                                20) is not None,
                "no 'reloaded' log line naming c (unchanged) as kept running")

        for ws, who in ((all_ws, "all"), (b_ws, "b")):
            hello = await next_hello(ws)
            T.check_eq([(c["name"], c["width"], c["height"]) for c in hello["cameras"]],
                       [("b", 256, 192), ("c", 160, 120), ("d", 192, 144)],
                       f"new hello of client '{who}'")
            T.check_eq(hello["stream_fps"], 20, "new stream_fps in the hello")

        after = await bundles(all_ws, 10, 3)
        T.check(after[0].bundle_seq > seq_before, f"bundle_seq went on: {seq_before} -> {after[0].bundle_seq}")
        seen = {e.camera_index: (e.width, e.height) for b in after for e in b.entries}
        T.check_eq(seen, {0: (256, 192), 1: (160, 120), 2: (192, 144)},
                   "entries of the new cameras")
        # c did not change: it went on grabbing from the same source (its
        # frame ids go on); b did: it was opened again (they start over).
        ids = {i: [e.frame_id for b in after for e in b.entries if e.camera_index == i]
               for i in (0, 1)}
        T.check(ids[1] and min(ids[1]) > last_id[2],
                f"c kept running: frame ids {last_id[2]} before, {ids[1][:3]} after")
        T.check(ids[0] and min(ids[0]) < last_id[1],
                f"b reopened: frame ids {last_id[1]} before, {ids[0][:3]} after")

        mine = await bundles(b_ws, 10, 3)
        idx = {e.camera_index for b in mine[2:] for e in b.entries}
        T.check_eq(idx, {0}, "the b subscriber gets b alone, at its new index")
        T.check(all((e.width, e.height) == (256, 192) for b in mine for e in b.entries),
                "b's entries at the new size")

        try:
            while True:
                await T.recv(a_ws, 10, "the close of the client of a")
        except Exception as e:  # websockets.ConnectionClosed
            code = getattr(e, "code", None)
            T.check_eq(code, 1001, f"close code for the client of a removed camera ({e!r})")

        # A broken config is refused and nothing changes.
        lines_before = d.line_count()
        with open(d.config_path, "w") as f:
            f.write(T.make_config(T.server_section(), AFTER) + "\n[camera e]\nwidth = huge\n")
        d.send_signal(signal.SIGHUP)
        m = d.wait_for_line(r"SIGHUP: configuration refused.*cams\.ini:\d+: .*width", 10,
                            lines_before)
        T.check(m is not None, "no 'configuration refused' line naming file:line and key")
        more = await bundles(all_ws, 5, 3)
        T.check(all(b.bundle_seq > after[-1].bundle_seq for b in more), "still streaming after the refusal")
        T.check(all(len(b.entries) <= 3 for b in more), "same cameras after the refusal")


def write_token(path, token):
    fd = os.open(path + ".new", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    os.replace(path + ".new", path)


def upgrade_status(port, token):
    """The HTTP status of a WebSocket upgrade with this token."""
    req, _ = T.upgrade_request(extra=f"Authorization: Bearer {token}\r\n")
    s = T.connect_raw(port)
    try:
        s.sendall(req)
        data = b""
        deadline = time.monotonic() + 10
        while T.parse_http_head(data) is None:
            T.check(time.monotonic() < deadline, "no answer to an upgrade")
            chunk = s.recv(4096)
            T.check(chunk, f"connection closed before an answer: {data!r}")
            data += chunk
        return T.parse_http_head(data)[0]
    finally:
        s.close()


def reload_and_wait(d, pattern, what):
    n = d.line_count()
    d.send_signal(signal.SIGHUP)
    m = d.wait_for_line(pattern, 20, n)
    T.check(m is not None, f"{what}: no /{pattern}/ line after SIGHUP")
    return m


def token_and_listen(binary):
    tmp = tempfile.mkdtemp(prefix="camcast-reload-")
    path = os.path.join(tmp, "token")
    old, new = "reload-old-" + os.urandom(8).hex(), "reload-new-" + os.urandom(8).hex()
    write_token(path, old)
    cams = AFTER[:1]
    server = {**T.server_section(stream_fps=30), "token_file": path}
    with T.Daemon(binary, T.make_config(server, cams)) as d:
        ws = T.RawWS(d.port, extra_headers=f"Authorization: Bearer {old}\r\n")
        T.check_eq(ws.recv_message()[0], "text", "the hello with the first token")

        def bundles_on(n):
            got = 0
            while got < n:
                kind, _ = ws.recv_message()
                T.check(kind in ("binary", "text"), f"{kind} on the connected client")
                got += kind == "binary"

        bundles_on(3)
        write_token(path, new)
        reload_and_wait(d, r"SIGHUP: reloaded", "token rotated")
        bundles_on(10)
        T.check_eq(upgrade_status(d.port, old), 401, "a new connection with the old token")
        T.check_eq(upgrade_status(d.port, new), 101, "a new connection with the new token")
        T.log("token rotated by SIGHUP: the connected client streams on; new ones need "
              "the new token")

        os.unlink(path)
        with open(d.config_path, "w") as f:
            f.write(T.make_config({**server, "stream_fps": 20}, cams))
        reload_and_wait(d, r"SIGHUP: configuration refused.*token", "token file gone")
        T.check_eq(upgrade_status(d.port, new), 101, "the running token after a refusal")
        hello = json.loads(T.RawWS(d.port, extra_headers=f"Authorization: Bearer {new}\r\n")
                           .recv_message()[1])
        T.check_eq(hello["stream_fps"], 30, "stream_fps after a refused reload")
        bundles_on(5)
        T.log("token file gone: the whole reload refused, the running token still works")

        write_token(path, new)
        other = T.server_section(stream_fps=20, listen="127.0.0.2", port=d.port + 1)
        with open(d.config_path, "w") as f:
            f.write(T.make_config({**other, "token_file": path}, cams))
        m = reload_and_wait(d, r"SIGHUP: listen address changes need a restart; still on "
                               r"(\S+)$", "listen and port changed")
        T.check_eq(m.group(1), d.uri(), "where it stays")
        T.check(d.wait_for_line(r"SIGHUP: reloaded: 1 cameras, 20 fps", 20) is not None,
                "the rest of the reload did not apply")
        hello = json.loads(T.RawWS(d.port, extra_headers=f"Authorization: Bearer {new}\r\n")
                           .recv_message()[1])
        T.check_eq(hello["stream_fps"], 20, "stream_fps after a reload that changed listen")
        bundles_on(5)
        T.log("listen and port changed: a warning, still on its port, the rest applied")
        ws.close()
        T.check_eq(d.stop(), 0, "exit status")
        T.check(old not in d.stderr_text() and new not in d.stderr_text(), "a token logged")


def main(binary):
    with T.Daemon(binary, T.make_config(T.server_section(), BEFORE)) as d:
        asyncio.run(scenario(d))
        T.check(d.alive(), "daemon alive after the reloads")
        T.check_eq(d.stop(), 0, "exit status")
    token_and_listen(binary)


if __name__ == "__main__":
    T.run_main(main)
