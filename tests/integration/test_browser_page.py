"""End-to-end: the browser page camcastd serves at "/", in headless Chromium.

    /usr/bin/python3 tests/integration/test_browser_page.py build/src/camcastd

Debian's Chromium is driven through the DevTools protocol (cc_browser.py);
everything is checked from the page itself (window.camcastStats, canvas
pixels, overlay text), on 127.0.0.1:
  1. Streaming from a real camcastd: every camera's tile is drawn (its
     pixels differ from the background and change over time), its
     overlay shows a frame rate; the clock offset from ping/pong gives a
     latency (rates and latencies are figures of bench/browser_bench.py,
     not asserted here). Keys: 2 shows one camera, 0 the grid, Space
     pauses (nothing drawn while bundles keep coming) and resumes, S
     saves the shown JPEGs (valid, the cameras' sizes). Unticking a
     camera stops its entries (subscribe, seen in the daemon's /stats);
     a hidden tab asks for max_fps 1, which the daemon's /stats shows,
     and draws nothing.
  2. The daemon restarts on the same port: the page goes offline and
     comes back by itself, without a reload. Flow control: the page asks
     for window 1 and acknowledges what it hands to its decoder (none
     refused); while its main thread is blocked the daemon withholds its
     bundles; with ?window=0 it does not.
  3. A scripted server (python3-websockets, serving web/ itself): a bad
     hello, then a good one with variants, malformed bundles of nine kinds,
     extended headers, an unknown camera, a corrupt JPEG, then good
     bundles. The page counts each malformed bundle, shows the error, keeps
     drawing, and asks for the right variant (and "full" for one camera).
  4. An access token: /?token=T streams, / without it gets 401 (its
     scripts 200: they carry no token); a daemon restarted with another
     token makes the page say "check the token".
  5. DNS rebinding: Chromium resolving evil.example and cams.test to
     127.0.0.1; at evil.example the page, /stats and the stream get 421,
     at cams.test (server_names) the page streams.
No uncaught exception and no console error but the expected connection
failures; no Content-Security-Policy violation.
"""

import asyncio
import glob
import http
import json
import os
import re
import shutil
import socket
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402
import cc_browser as B  # noqa: E402

import websockets  # noqa: E402

WEB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "web")
STREAM_FPS = 20
CAMS = [
    ("left", T.camera(480, 300, "Mono8", "scroll", grab_fps=100)),
    ("center", T.camera(480, 300, "RGB8", "bars", grab_fps=100)),
    ("right", T.camera(400, 300, "Mono8", "checker", grab_fps=100)),
]
BACKGROUND = (17, 17, 17)  # #111, camcast.css
CSP = ("default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' blob: data:; "
       "worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
# Console errors a browser logs for connections that fail on purpose here.
EXPECTED_CONSOLE = ("WebSocket connection to", "Failed to load resource",
                    "ERR_CONNECTION_REFUSED")


def free_port():
    with socket.socket() as s:
        s.bind((T.HOST, 0))
        return s.getsockname()[1]


def daemon_config(port, **server):
    s = T.server_section(stream_fps=STREAM_FPS, port=port)
    s.update(server)
    return T.make_config(s, CAMS)


# ---------------------------------------------------------------------------
# What the page shows

# Per shown tile: how much of its canvas differs from the page background,
# a checksum, the mean value, and the overlay's lines.
TILES_JS = """(() => Array.from(document.querySelectorAll('#grid .frame')).map(f => {
  const c = f.querySelector('canvas');
  if (f.hidden) return null;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let differ = 0, sum = 0, check = 0;
  for (let i = 0; i < d.length; i += 4) {
    const v = d[i] + d[i + 1] + d[i + 2];
    if (Math.abs(d[i] - %d) + Math.abs(d[i + 1] - %d) + Math.abs(d[i + 2] - %d) > 12) differ++;
    sum += v;
    check = (check * 31 + v + i) %% 1000000007;
  }
  const r = f.getBoundingClientRect();
  return {w: c.width, h: c.height, differ: differ / (d.length / 4), mean: sum / (d.length / 4 * 3),
          check, overlay: Array.from(f.querySelectorAll('.overlay div')).map(e => e.textContent),
          banner: f.querySelector('.banner').hidden ? '' : f.querySelector('.banner').textContent,
          rect: [r.left, r.top, r.width, r.height]};
}))()""" % BACKGROUND

STATS_JS = "JSON.stringify(window.camcastStats)"


async def stats(b):
    return json.loads(await b.evaluate(STATS_JS))


async def tiles(b):
    return await b.evaluate(TILES_JS)


async def wait_stats(b, cond, timeout, what):
    """Polls camcastStats until cond(stats) holds; returns them."""
    deadline = time.monotonic() + timeout
    while True:
        s = await stats(b)
        if cond(s):
            return s
        if time.monotonic() > deadline:
            cams = s.pop("cameras", [])
            T.fail(f"{what}: not within {timeout:.0f} s; camcastStats: {s}; cameras: {cams}")
        await asyncio.sleep(0.2)


def retry_in(state_text):
    """The page's "..., retry in 1.4 s" -> 1.4 (0 when it says none)."""
    m = re.search(r"retry in ([0-9.]+) s", state_text)
    return float(m.group(1)) if m else 0.0


def frames(s):
    return [c["framesDrawn"] for c in s["cameras"]]


async def responsive(b):
    """The page's main thread runs: a rAF callback comes within 2 s."""
    ok = await b.evaluate("new Promise(r => { requestAnimationFrame(() => r(true)); "
                          "setTimeout(() => r(false), 2000); })", timeout=5)
    T.check(ok is True, "the page did not run a frame within 2 s (frozen?)")


async def set_hidden(b, hidden):
    """Makes the page believe its tab is hidden (or visible again)."""
    if hidden:
        js = ("Object.defineProperty(document, 'hidden', {get: () => true, configurable: true});"
              "Object.defineProperty(document, 'visibilityState', {get: () => 'hidden', "
              "configurable: true});")
    else:
        js = "delete document.hidden; delete document.visibilityState;"
    await b.evaluate(js + "document.dispatchEvent(new Event('visibilitychange')); true")


async def check_drawn(b, n_cams):
    """Every camera's tile is drawn and changes over time."""
    first = await tiles(b)
    T.check_eq(len([t for t in first if t]), n_cams, "tiles shown")
    for i, t in enumerate(first):
        T.check(t["differ"] > 0.5, f"tile {i}: only {t['differ']:.0%} of its pixels differ "
                                   f"from the background ({t})")
        T.check(t["w"] > 100 and t["h"] > 100, f"tile {i}: canvas {t['w']}x{t['h']}")
        x, y, w, h = t["rect"]
        T.check(x >= 0 and y >= 0 and x + w <= 1280 + 1 and y + h <= 720 + 1,
                f"tile {i} not inside the window: {t['rect']}")
    deadline = time.monotonic() + 10
    while True:
        await asyncio.sleep(0.5)
        later = await tiles(b)
        same = [i for i in range(n_cams) if later[i]["check"] == first[i]["check"]]
        if not same:
            break
        T.check(time.monotonic() < deadline, f"tiles {same} did not change in 10 s")
    T.log("tiles: " + "; ".join(f"{t['w']}x{t['h']} {t['differ']:.0%} not background, "
                                f"mean {t['mean']:.0f}" for t in first))
    return later


def daemon_client(port):
    """The page's connection in the daemon's /stats (the only client)."""
    clients = T.get_stats(port, host=f"{T.HOST}:{port}")["clients"]
    T.check_eq(len(clients), 1, "the daemon's clients (the page alone)")
    return clients[0]


async def wait_daemon_client(port, cond, what, timeout=10):
    """Polls the daemon's /stats until cond(the page's client) holds."""
    deadline = time.monotonic() + timeout
    while True:
        c = daemon_client(port)
        if cond(c):
            return c
        T.check(time.monotonic() < deadline, f"{what}: not within {timeout} s; /stats: {c}")
        await asyncio.sleep(0.2)


async def received_all(b, client):
    """Waits until the page has received every bundle the daemon had sent
    it when /stats gave client: what comes after was sent later."""
    return await wait_stats(b, lambda s: s["bundlesReceived"] >= client["bundles_sent"], 10,
                            f"the page receives the {client['bundles_sent']} bundles sent")


async def check_rates(b):
    """Each overlay shows a frame rate, and a latency on the daemon's clock
    (the offset from ping/pong is applied: within 10 s of the page's
    clock). The figures themselves are bench/browser_bench.py's."""
    s = await wait_stats(b, lambda s: s["clockRttMs"] is not None and
                         all(c["latencyMs"] is not None and c["fps"] > 0
                             for c in s["cameras"]), 20, "a frame rate and a latency")
    # The overlay text is redrawn on its own timer, after the rate the stats
    # report: wait (bounded) for the text to catch up.
    deadline = time.monotonic() + 10
    while True:
        t = await tiles(b)
        shown = [float(x["overlay"][1].split()[0]) for x in t]
        if all(f > 0 for f in shown) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    T.check(all(f > 0 for f in shown), f"overlay fps {shown} after 10 s; overlays: "
                                       f"{[x['overlay'] for x in t]}")
    for c in s["cameras"]:
        T.check(abs(c["latencyMs"]) < 10_000, f"camera {c['name']}: latency "
                                              f"{c['latencyMs']} ms: no clock offset?")
    T.log(f"overlay fps {shown} (stream_fps {STREAM_FPS}); latency "
          f"{[round(c['latencyMs'], 1) for c in s['cameras']]} ms; overlay: {t[0]['overlay']}")


async def check_keys(b, downloads):
    s = await stats(b)
    await b.key("2")
    await wait_stats(b, lambda s: s["view"] == 1, 5, "key 2: camera 2 alone")
    t = await tiles(b)
    T.check(t[0] is None and t[1] is not None and t[2] is None,
            f"key 2: tiles shown {[x is not None for x in t]}")
    T.check(t[1]["w"] > 1000, f"key 2: camera 2 is {t[1]['w']} px wide")
    await b.key("0")
    await wait_stats(b, lambda s: s["view"] == "grid", 5, "key 0: the grid")

    await b.key(" ")
    # Paused, the page draws nothing (a job decoded meanwhile waits).
    s = await wait_stats(b, lambda s: s["paused"], 5, "Space: paused")
    before = await tiles(b)
    n0 = frames(s)
    s = await wait_stats(b, lambda x: x["bundlesReceived"] >= s["bundlesReceived"] + 10, 10,
                         "bundles while paused")
    after = await tiles(b)
    T.check_eq(frames(s), n0, "frames drawn while paused (10 bundles received)")
    T.check([x["check"] for x in after] == [x["check"] for x in before],
            "a tile changed while paused")
    # S while paused: the frames on screen, as the server sent them.
    await b.key("s")
    deadline = time.monotonic() + 10
    while len(glob.glob(os.path.join(downloads, "camcast-*.jpg"))) < len(CAMS):
        T.check(time.monotonic() < deadline,
                f"S: saved {os.listdir(downloads)} in 10 s, want {len(CAMS)} JPEGs")
        await asyncio.sleep(0.2)
    tj = T.TurboJPEG()
    by_name = dict(CAMS)
    for path in sorted(glob.glob(os.path.join(downloads, "camcast-*.jpg"))):
        name, frame_id = os.path.basename(path)[8:-4].rsplit("-", 1)
        with open(path, "rb") as f:
            w, h, *_ = tj.decode(f.read())
        T.check_eq((w, h), (by_name[name]["width"], by_name[name]["height"]),
                   f"{path}: size")
        want = next(c["frameId"] for c in s["cameras"] if c["name"] == name)
        T.check_eq(int(frame_id), want, f"{path}: frame id (the one shown)")
    await b.key(" ")
    await wait_stats(b, lambda s: not s["paused"] and min(frames(s)) > min(n0) + 5, 10,
                     "Space again: drawing resumes")
    T.log("keys: 2 one camera, 0 the grid, Space pause/resume, S saved "
          f"{sorted(os.listdir(downloads))}")


async def check_choice(b, port):
    """Unticking camera 3 stops its entries: subscribe reached the server."""
    await b.evaluate("document.querySelectorAll('#choice input')[2].click(); true")
    c = await wait_daemon_client(port, lambda c: c["cameras"] == [0, 1],
                                 "the daemon has the page on cameras 1 and 2")
    s0 = await received_all(b, c)
    s1 = await wait_stats(b, lambda s: s["cameras"][0]["entries"] >=
                          s0["cameras"][0]["entries"] + 10, 10, "camera 1's entries")
    got = [s1["cameras"][i]["entries"] - s0["cameras"][i]["entries"] for i in range(3)]
    T.check(got[2] == 0, f"unticked camera 3: entries {got}")
    T.check(await b.evaluate("document.querySelectorAll('#grid .frame')[2].hidden"),
            "unticked camera 3 still shown")
    await b.evaluate("document.querySelectorAll('#choice input')[2].click(); true")
    await wait_stats(b, lambda s: s["cameras"][2]["framesDrawn"] > s1["cameras"][2]["framesDrawn"]
                     + 5, 10, "camera 3 ticked again")
    T.log(f"camera choice: unticked camera 3 got {got[2]} entries while the others got "
          f"{got[:2]}")


async def check_hidden(b, port):
    """A hidden tab asks for max_fps 1 and draws nothing; visible again, it
    asks for every bundle and draws."""
    await set_hidden(b, True)
    c = await wait_daemon_client(port, lambda c: c["max_fps"] == 1,
                                 "the daemon has the hidden page at max_fps 1")
    s0 = await wait_stats(b, lambda s: s["bundlesReceived"] >= c["bundles_sent"] and
                          not s["decoding"], 10, "the page idle while hidden")
    s1 = await wait_stats(b, lambda s: s["bundlesReceived"] >= s0["bundlesReceived"] + 2, 10,
                          "bundles while hidden")
    T.check_eq(s1["framesDrawn"], s0["framesDrawn"], "frames drawn while hidden")
    T.check("max_fps" not in (s1["lastError"] or ""), f"max_fps refused: {s1['lastError']}")
    T.log("hidden: the daemon has the page at max_fps 1; bundles received, none drawn")
    await set_hidden(b, False)
    await wait_daemon_client(port, lambda c: c["max_fps"] == 0,
                             "the daemon has the visible page at every bundle")
    await wait_stats(b, lambda s: s["framesDrawn"] > s1["framesDrawn"] + 10, 10,
                     "visible again: drawing resumes")


async def streaming_and_restart(b, binary):
    port = free_port()
    downloads = tempfile.mkdtemp(prefix="camcast-dl-")
    await b.call("Browser.setDownloadBehavior", behavior="allow", downloadPath=downloads)
    d = T.Daemon(binary, daemon_config(port)).start()
    try:
        await b.navigate(f"http://{T.HOST}:{port}/")
        await b.evaluate("window.ccMarker = 42")
        s = await wait_stats(b, lambda s: s["state"] == "streaming" and
                             len(s["cameras"]) == 3 and min(frames(s)) >= 5, 20,
                             "frames drawn from camcastd")
        T.log(f"streaming: {s['stateText']}")
        await check_drawn(b, 3)
        await check_rates(b)
        await check_keys(b, downloads)
        await check_choice(b, port)
        await check_hidden(b, port)

        # The daemon restarts on the same port: no reload, frames again.
        d.stop()
        s = await wait_stats(b, lambda s: s["state"] == "offline", 10, "offline after a stop")
        await b.wait_for("Array.from(document.querySelectorAll('#grid .banner'))"
                             ".every(e => !e.hidden && e.textContent == 'offline')", 5,
                             "every tile's banner says offline")
        T.log(f"daemon stopped: {s['stateText']}")
        # Failed attempts first: the backoff grows (0.5 s, then 1, then 2,
        # each with jitter down to half): a wait above 1 s comes from the
        # third attempt on.
        s = await wait_stats(b, lambda x: retry_in(x["stateText"]) > 1.0, 20,
                             "a retry delay above 1 s (the backoff grows)")
        n0 = s["framesDrawn"]
        d = T.Daemon(binary, daemon_config(port)).start()
        s = await wait_stats(b, lambda s: s["state"] == "streaming" and s["connects"] == 2 and
                             s["framesDrawn"] > n0 + 30, 20, "streaming after the restart")
        T.check_eq(await b.evaluate("window.ccMarker"), 42, "page state after the restart "
                                                            "(reloaded?)")
        await check_drawn(b, 3)
        T.log(f"daemon restarted on port {port}: the page is back ({s['stateText']})")
    finally:
        d.kill()
        shutil.rmtree(downloads, ignore_errors=True)


# ---------------------------------------------------------------------------
# A scripted server: what camcastd never sends

def bundle(entries, seq, header_size=32, entry_size=40, count=None, magic=b"CCFB",
           version=1, tail=b"", cut=0):
    """entries: (camera, width, height, jpeg, flags, codec)."""
    now = time.time_ns()
    out = T.BUNDLE_HDR.pack(magic, version, header_size, seq, now,
                            len(entries) if count is None else count, 0, 0)
    out += b"\0" * (header_size - 32)
    for cam, w, h, jpeg, flags, codec in entries:
        out += T.ENTRY_HDR.pack(entry_size, cam, w, h, codec, flags, seq, now - 5_000_000,
                                len(jpeg), 3)
        out += b"\xee" * (entry_size - 40) + jpeg
    out += tail
    return out[:len(out) - cut] if cut else out


class FakeServer:
    """Serves web/ (no token) and a scripted /stream on 127.0.0.1."""

    def __init__(self):
        tj = T.TurboJPEG()
        self.jpeg_dark = tj.encode(bytes((x * 60 // 320) + 30 for y in range(240)
                                         for x in range(320)), 320, 240, True)
        self.jpeg_light = tj.encode(bytes([200]) * (320 * 240), 320, 240, True)
        rgb = bytearray()
        for y in range(240):
            for x in range(320):
                rgb += bytes(((255, 40, 40), (40, 255, 40), (40, 40, 255))[x * 3 // 320])
        self.jpeg_colour = tj.encode(bytes(rgb), 320, 240, False)
        self.controls = []      # control messages received, parsed
        # Set by the test once the page counted the corrupt JPEG: until
        # then no newer bundle replaces it (newest wins on the page).
        self.corrupt_seen = asyncio.Event()
        self.connections = 0
        self.server = None
        self.port = None

    def a(self, jpeg):
        return (0, 320, 240, jpeg, 1, 1)

    def b(self):
        return (1, 320, 240, self.jpeg_colour, 0, 1)

    def malformed(self):
        """Nine bundles a reader must reject, one of each kind (docs/protocol.md)."""
        good = bundle([self.a(self.jpeg_dark), self.b()], 1)
        one = bundle([self.a(self.jpeg_dark)], 2)
        return [
            ("short", b"CCFB\x01\x00"),
            ("magic", b"XXFB" + good[4:]),
            ("version", good[:4] + struct.pack("<H", 2) + good[6:]),
            ("header_size below 32", one[:6] + struct.pack("<H", 16) + one[8:]),
            ("too many entries", bundle([self.a(self.jpeg_dark), self.b()], 4, count=3)),
            ("payload past the end", bundle([self.a(self.jpeg_dark), self.b()], 5, cut=7)),
            ("bytes left over", bundle([self.a(self.jpeg_dark)], 6, tail=b"\0\0\0")),
            ("a camera twice", bundle([self.a(self.jpeg_dark), self.a(self.jpeg_dark)], 7)),
            ("entry_size below 40", one[:32] + struct.pack("<H", 20) + one[34:]),
        ]

    def hello(self):
        return json.dumps({
            "type": "hello", "protocol": 1, "server": "fake 1", "stream_fps": 10,
            "future_key": {"ignored": True},
            "cameras": [
                {"index": 0, "name": "gray<b>", "width": 320, "height": 240,
                 "pixel_format": "Mono8", "grab_fps": 50, "source": "fake", "online": True},
                {"index": 1, "name": "colour", "width": 320, "height": 240,
                 "pixel_format": "RGB8", "grab_fps": 50, "source": "fake"}],
            "variants": [{"name": "full"}, {"name": "thumb", "max_width": 160},
                         {"name": "preview", "max_width": 640, "quality": 70}],
        })

    async def handler(self, ws, path=None):
        self.connections += 1
        n = self.connections
        reader = asyncio.ensure_future(self.read(ws))
        try:
            if n == 1:
                await ws.send(b"binary before the hello")
                await ws.send(json.dumps({"type": "hello", "protocol": 2, "cameras": []}))
                await asyncio.sleep(5)
                return
            await ws.send(self.hello())
            seq = 10
            await ws.send(bundle([self.a(self.jpeg_dark), self.b()], seq))
            await asyncio.sleep(0.5)
            if n == 2:
                for _, data in self.malformed():
                    await ws.send(data)
                await ws.send("not JSON, ignored")
                await ws.send(json.dumps({"type": "pong"}))  # none asked for
                seq += 1
                await ws.send(bundle([self.a(self.jpeg_dark), self.b()], seq,
                                     header_size=40, entry_size=48))
                seq += 1
                await ws.send(bundle([(7, 320, 240, self.jpeg_dark, 1, 1),
                                      (1, 320, 240, self.jpeg_colour, 0, 99)], seq))
                seq += 1
                await ws.send(bundle([self.a(b"\xff\xd8\xff\xe0 not a JPEG \xff\xd9")], seq))
                try:
                    await asyncio.wait_for(self.corrupt_seen.wait(), 20)
                except asyncio.TimeoutError:
                    pass  # the test says what it saw
            while True:
                await asyncio.sleep(0.1)
                seq += 1
                await ws.send(bundle([self.a(self.jpeg_light), self.b()], seq))
        except websockets.ConnectionClosed:
            pass
        finally:
            reader.cancel()

    async def read(self, ws):
        try:
            async for m in ws:
                msg = json.loads(m)
                self.controls.append(msg)
                await self.on_control(ws, msg)
        except websockets.ConnectionClosed:
            pass

    async def on_control(self, ws, msg):
        """A control message from the page (a subclass answers more)."""
        if msg.get("type") == "ping":
            await ws.send(json.dumps({"type": "pong", "time_ns": time.time_ns()}))

    async def process_request(self, path, headers):
        if "upgrade" in headers.get("Connection", "").lower():
            return None
        name = path.split("?")[0].lstrip("/") or "index.html"
        file = os.path.join(WEB, name)
        if "/" in name or not os.path.isfile(file):
            return http.HTTPStatus.NOT_FOUND, [], b"not found\n"
        with open(file, "rb") as f:
            body = f.read()
        kind = {"html": "text/html", "js": "text/javascript", "css": "text/css"}
        ctype = kind[name.rsplit(".", 1)[1]] + "; charset=utf-8"
        return http.HTTPStatus.OK, [("Content-Type", ctype), ("Content-Security-Policy", CSP),
                                    ("Cache-Control", "no-store")], body

    async def __aenter__(self):
        self.server = await websockets.serve(self.handler, T.HOST, 0, compression=None,
                                             process_request=self.process_request,
                                             ping_interval=None, max_size=1 << 20)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc):
        self.server.close()
        await asyncio.wait_for(self.server.wait_closed(), 5)


def variants_sent(fake):
    return [m["variant"] for m in fake.controls if m.get("type") == "subscribe" and
            "variant" in m]


async def wait_control(fake, cond, timeout, what):
    deadline = time.monotonic() + timeout
    while not cond():
        T.check(time.monotonic() < deadline,
                f"{what}: not within {timeout:.0f} s; control messages: {fake.controls}")
        await asyncio.sleep(0.1)


async def scripted_server(b):
    async with FakeServer() as fake:
        n_bad = len(fake.malformed())
        await b.navigate(f"http://{T.HOST}:{fake.port}/")
        await wait_stats(b, lambda s: s["undecodable"] >= 1, 20, "the corrupt JPEG counted")
        fake.corrupt_seen.set()
        s = await wait_stats(b, lambda s: s["malformed"] >= n_bad and s["framesDrawn"] > 20 and
                             s["connects"] == 1, 20, "the scripted stream")
        T.check_eq(s["malformed"], n_bad, "malformed bundles counted")
        T.check_eq(s["badHellos"], 1, "bad hellos counted")
        T.check(s["undecodable"] >= 1, f"undecodable JPEGs: {s['undecodable']}")
        T.check(s["ignoredEntries"] >= 2, f"entries ignored (unknown camera, codec): "
                                          f"{s['ignoredEntries']}")
        T.check_eq(s["state"], "streaming", "state after the bad data")
        banner = await b.evaluate("[!document.getElementById('error').hidden, "
                                  "document.getElementById('error').textContent]")
        T.check(banner[0] and "malformed" in banner[1], f"error banner: {banner}")
        counts = await b.evaluate("document.getElementById('counts').textContent")
        T.check(f"{n_bad} malformed" in counts, f"status bar counts: {counts!r}")
        await responsive(b)
        t = await tiles(b)
        T.check(abs(t[0]["mean"] - 200) < 15, f"camera 1 tile mean {t[0]['mean']:.0f}, "
                                              "want the later light frames (200)")
        T.check(t[1]["differ"] > 0.9, f"camera 2 tile: {t[1]}")
        T.check(t[0]["overlay"][0].startswith("1 gray<b>"),
                f"camera name shown as text: {t[0]['overlay']}")
        T.log(f"scripted server: {n_bad} malformed bundles counted, banner {banner[1]!r}, "
              f"{s['undecodable']} undecodable, {s['ignoredEntries']} entries ignored, "
              "drawing goes on")

        # Variants: 2 cameras in 1280x720 -> tiles ~630 px wide: "preview"
        # (640); one camera enlarged: "full"; back to the grid: "preview".
        await wait_control(fake, lambda: variants_sent(fake)[-1:] == ["preview"], 5,
                           "variant preview for the grid")
        await b.key("1")
        await wait_control(fake, lambda: variants_sent(fake)[-1:] == ["full"], 5,
                           "variant full for one camera")
        await b.key("Escape")
        await wait_control(fake, lambda: variants_sent(fake)[-1:] == ["preview"], 5,
                           "variant preview for the grid again")
        # A hidden tab asks for 1 bundle/s, a visible one for all.
        await set_hidden(b, True)
        await wait_control(fake, lambda: fake.controls[-1] == {"type": "subscribe",
                                                               "max_fps": 1}, 5, "max_fps 1")
        await set_hidden(b, False)
        await wait_control(fake, lambda: fake.controls[-1] == {"type": "subscribe",
                                                               "max_fps": 0}, 5, "max_fps 0")
        s = await stats(b)
        T.check(s["clockRttMs"] is not None, "no clock offset from the fake's pongs")
        T.log(f"variants asked for: {variants_sent(fake)}; hidden: max_fps 1, visible: 0")


# ---------------------------------------------------------------------------
# Flow control

def page_client(port):
    """The page's connection in the daemon's /stats: the newest (the
    previous page's may still be closing)."""
    status, _, body, _ = T.http_request(
        port, f"GET /stats HTTP/1.1\r\nHost: {T.HOST}\r\n\r\n".encode(), what="/stats")
    T.check_eq(status, 200, "/stats")
    clients = json.loads(body)["clients"]
    T.check(clients, "no client in /stats")
    return max(clients, key=lambda c: c["id"])


async def freeze(b, port):
    """Blocks the page's main thread for 1.5 s (a busy tab): what the
    daemon sent and withheld meanwhile, measured inside the freeze."""
    await b.evaluate("setTimeout(() => { const t = performance.now(); "
                     "while (performance.now() - t < 1500) {} }, 100); true")
    await asyncio.sleep(0.4)
    c0 = page_client(port)
    await asyncio.sleep(0.9)
    c1 = page_client(port)
    return (c1["bundles_sent"] - c0["bundles_sent"],
            c1["bundles_withheld"] - c0["bundles_withheld"])


async def flow_control(b, binary):
    """The page asks camcastd for window 1 and acknowledges each bundle
    once it is handed to the decoder: /stats shows the window and no
    refused ack. A page whose main thread is blocked (a busy tab) takes
    nothing: the daemon sends it at most one bundle meanwhile and withholds
    the rest, instead of queueing a second's worth in the browser. With
    ?window=0 the daemon keeps sending."""
    port = free_port()
    d = T.Daemon(binary, daemon_config(port)).start()
    try:
        for window in (1, 0):
            query = "" if window == 1 else "?window=0"
            await b.navigate(f"http://{T.HOST}:{port}/{query}")
            s = await wait_stats(b, lambda s: s["state"] == "streaming" and
                                 min(frames(s)) >= 5, 20, f"frames drawn, window {window}")
            T.check_eq(s["subscribed"]["window"], window, "the window asked for")
            c = page_client(port)
            T.check(c["window"] == window and c["acks_refused"] == 0,
                    f"window {window}: the page's client in /stats: {c}")
            sent, withheld = await freeze(b, port)
            if window:
                T.check(sent <= 1 and withheld > 0,
                        f"window 1, page blocked: {sent} bundles sent, {withheld} withheld")
            else:
                T.check(sent > 0 and withheld == 0,
                        f"no window, page blocked: {sent} bundles sent, {withheld} withheld")
            s = await stats(b)
            await wait_stats(b, lambda t: min(frames(t)) > min(frames(s)) + 5, 10,
                             f"window {window}: drawing after the freeze")
            c = page_client(port)
            T.check_eq(c["acks_refused"], 0, f"window {window}: acks refused")
            T.log(f"window {window}: {s['acks']} acks, none refused; page blocked 0.9 s: "
                  f"{sent} bundles sent, {withheld} withheld")
    finally:
        d.kill()


# ---------------------------------------------------------------------------
# The access token

def token_file(token):
    d = tempfile.mkdtemp(prefix="camcast-token-")
    path = os.path.join(d, "token")
    with open(path, "w") as f:
        f.write(token + "\n")
    os.chmod(path, 0o600)
    return path


async def with_token(b, binary):
    token = "cc-page-" + os.urandom(9).hex() + "+/="
    q = token.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    port = free_port()
    d = T.Daemon(binary, daemon_config(port, token_file=token_file(token))).start()
    try:
        for path, want in (("/", 401), ("/stream", 401), ("/camcast.js", 200)):
            status, _, _, _ = T.http_request(
                port, f"GET {path} HTTP/1.1\r\nHost: {T.HOST}:{port}\r\n\r\n".encode())
            T.check_eq(status, want, f"GET {path} without the token")
        await b.navigate(f"http://{T.HOST}:{port}/?token={q}")
        s = await wait_stats(b, lambda s: s["state"] == "streaming" and min(frames(s)) >= 5, 20,
                             "frames with ?token=")
        T.log(f"token: / without it 401, its scripts 200; /?token=T streams "
              f"({s['framesDrawn']} frames)")
        # Another token on the server: the page cannot see a 401 on its
        # WebSocket, but says what is wrong.
        d.stop()
        d = T.Daemon(binary, daemon_config(port, token_file=token_file("x" + token))).start()
        s = await wait_stats(b, lambda s: "check the token" in s["stateText"] and
                             s["state"] == "closed", 15, "'check the token'")
        T.log(f"token changed on the server: {s['stateText']!r}")
    finally:
        d.kill()


# ---------------------------------------------------------------------------
# DNS rebinding: Chromium resolves these names to 127.0.0.1 (RESOLVE), as
# a rebinding attacker's DNS would evil.example once its page is loaded.

RESOLVE = "--host-resolver-rules=MAP evil.example 127.0.0.1, MAP cams.test 127.0.0.1"

# From a page at origin: /stats's status, and whether the stream opened.
PROBE_JS = """(async () => {
  const stats = await fetch("/stats").then(r => r.status, () => 0);
  const opened = await new Promise(done => {
    const ws = new WebSocket(location.origin.replace("http", "ws") + "/stream");
    ws.onopen = () => { ws.close(); done(true); };
    ws.onclose = () => done(false);
  });
  return {stats, opened};
})()"""


async def rebinding(b, binary):
    """The daemon's own name (server_names) streams; a name it does not
    know, as a rebinding page has, gets 421 for the page, /stats and the
    stream, in a real browser."""
    port = free_port()
    d = T.Daemon(binary, daemon_config(port, server_names="cams.test")).start()
    try:
        await b.navigate(f"http://evil.example:{port}/")
        text = await b.evaluate("document.body.innerText")
        T.check("does not answer to that host name" in text, f"page as evil.example: {text!r}")
        probe = await b.evaluate(PROBE_JS)
        T.check_eq(probe, {"stats": 421, "opened": False},
                   "a page at evil.example: /stats and the stream")
        await b.navigate(f"http://cams.test:{port}/")
        s = await wait_stats(b, lambda s: s["state"] == "streaming" and min(frames(s)) >= 5, 20,
                             "frames at cams.test")
        probe = await b.evaluate(PROBE_JS)
        T.check_eq(probe, {"stats": 200, "opened": True}, "the page at cams.test")
        T.log(f"rebinding: evil.example gets 421 (page, /stats, stream); cams.test "
              f"(server_names) streams ({s['framesDrawn']} frames)")
    finally:
        d.kill()


def check_clean(b):
    """No uncaught exception in the page, no console error but the
    expected connection failures (a CSP violation is a console error)."""
    T.check(not b.exceptions, f"uncaught exceptions in the page: {b.exceptions}")
    unexpected = [e for e in b.console_errors
                  if not any(x in e for x in EXPECTED_CONSOLE)]
    T.check(not unexpected, f"console errors: {unexpected}")
    T.log(f"no page exception; console errors, all expected: {len(b.console_errors)}")


def chromium_main(run):
    """main(binary) for a test whose run(binary) drives Chromium."""
    def main(binary):
        T.check(shutil.which(B.CHROMIUM) is not None,
                f"{B.CHROMIUM} not found (scripts/install-deps.sh installs Debian's chromium)")
        start = time.monotonic()
        asyncio.run(run(binary))
        T.log(f"done in {time.monotonic() - start:.1f} s")
    return main


async def run(binary):
    async with B.Browser(width=1280, height=720, log=T.log, extra_flags=[RESOLVE]) as b:
        try:
            await streaming_and_restart(b, binary)
            await flow_control(b, binary)
            await scripted_server(b)
            await with_token(b, binary)
            await rebinding(b, binary)
        except B.CDPError as e:
            T.fail(f"chromium: {e}")
        check_clean(b)


main = chromium_main(run)


if __name__ == "__main__":
    T.run_main(main)
