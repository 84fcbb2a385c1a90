"""End-to-end: one browser page over several daemons (?add=), in headless Chromium.

    /usr/bin/python3 tests/integration/test_browser_multi.py build/src/camcastd

The page of daemon A, on 127.0.0.1, with other daemons added to its grid
(docs/browser.md, "Several daemons"); everything checked from the page
(window.camcastStats, canvas pixels, overlay and banner text):
  1. A and B (B with a token, and allowed_origins = A's origin): the page
     of A with ?add=ws://B/stream?token=T (and a refused http:// value):
     the six tiles drawn and changing, labelled host:port/camera, each
     daemon's clock and latency, the keys across daemons; the refused
     value is said, and left out of the URL; the token is not shown.
     B stopped: A's tiles keep changing, B's say offline; B restarted on
     its port: B's tiles draw again. The daemons list: remove B, a key
     typed in the URL field is not a shortcut, add B back from the field,
     a non-ws URL refused; a reload keeps the list (in the URL).
  2. C without allowed_origins refuses A's page (403): its tile says so
     (allowed_origins, A's origin) while A's tiles draw.
  3. A scripted daemon whose clock is an hour ahead, with variants and
     variant_sizes: its latency is right (its own clock offset), A's too;
     it is asked for the variant its variant_sizes say covers its tile,
     "full" for its camera enlarged; A keeps its own subscription.
  4. At most 8 daemons: 9 add= values, 7 taken, the rest refused.
No uncaught exception, no console error but the expected failed
connections, no Content-Security-Policy violation.
"""

import asyncio
import json
import os
import shutil
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402
import cc_browser as B  # noqa: E402
import test_browser_page as P  # noqa: E402  (its helpers: stats, tiles, configs)

import websockets  # noqa: E402

NAMES = [name for name, _ in P.CAMS]
SKEW_NS = 3600 * 10**9   # the scripted daemon's clock: an hour ahead of the page's
EXPECTED_CONSOLE = P.EXPECTED_CONSOLE


def enc(url):
    return urllib.parse.quote(url, safe="")


def page_url(port, adds=()):
    q = "&".join("add=" + enc(u) for u in adds)
    return f"http://{T.HOST}:{port}/" + (f"?{q}" if q else "")


def by_source(s, label):
    return [c for c in s["cameras"] if c["source"] == label]


def frames_of(s, label):
    return [c["framesDrawn"] for c in by_source(s, label)]


def source(s, label):
    return next((x for x in s["sources"] if x["label"] == label), None)


async def overlays(b):
    """The first overlay line of each camera tile (null: not shown)."""
    return await b.evaluate(
        "Array.from(document.querySelectorAll('#grid .frame:not(.placeholder)'))"
        ".map(f => f.hidden ? null : f.querySelector('.overlay div').textContent)")


async def page_text(b):
    return await b.evaluate("document.body.textContent + ' ' + document.title")


# ---------------------------------------------------------------------------
# 1. Two daemons

async def check_labels(b, la, lb):
    """Tile overlays and checkbox titles say host:port/camera."""
    want = [f"{la}/{n}" for n in NAMES] + [f"{lb}/{n}" for n in NAMES]
    got = await overlays(b)
    for i, (w, g) in enumerate(zip(want, got)):
        T.check(g is not None and g.startswith(f"{i + 1} {w}  "),
                f"tile {i + 1}: overlay {g!r}, want it to start with {i + 1} {w!r}")
    titles = await b.evaluate("Array.from(document.querySelectorAll('#choice label'))"
                              ".map(l => l.title)")
    T.check_eq(titles, want, "camera checkboxes' titles")


def check_clocks(s, true_offsets_ms):
    """Each daemon's clock offset is its true one within half the round
    trip of the ping it came from (plus 5 ms: the page's clock is
    performance.now() from the navigation, the daemons' CLOCK_REALTIME),
    and each camera's latency is on its own daemon's clock: an offset left
    out would show as an hour. Latency figures: bench/browser_bench.py."""
    for x, want in zip(s["sources"], true_offsets_ms):
        T.check(x["clockRttMs"] is not None, f"{x['label']}: no clock sample")
        err = abs(x["clockOffsetMs"] - want)
        T.check(err <= x["clockRttMs"] / 2 + 5,
                f"{x['label']}: clock offset {x['clockOffsetMs']:.1f} ms, true {want:.0f}: "
                f"off by more than half the round trip ({x['clockRttMs']:.1f} ms)")
    for c in s["cameras"]:
        T.check(abs(c["latencyMs"]) < 10_000,
                f"{c['label']}: latency {c['latencyMs']} ms: its daemon's offset left out?")


def variants(s):
    return [x["subscribed"]["variant"] for x in s["sources"]]


async def check_keys(b, lb):
    """Keys across daemons; each daemon's variant its own: A's tiles off
    screen ask for A's smallest variant (thumb), B's camera alone "full"."""
    await b.key("5")
    s = await P.wait_stats(b, lambda s: s["viewLabel"] == f"{lb}/center", 5,
                           "key 5: B's camera 2 alone")
    T.check_eq(s["view"], 1, "key 5: camera index")
    shown = [c["shown"] for c in s["cameras"]]
    T.check_eq(shown, [False] * 4 + [True, False], "key 5: tiles shown")
    await P.wait_stats(b, lambda s: s["cameras"][4]["canvasWidth"] > 1000 and
                       s["cameras"][4]["framesDrawn"] > 0, 5, "key 5: enlarged")
    T.check_eq(variants(s), ["thumb", "full"], "variants with B's camera alone")
    n = P.frames(s)
    await b.key("0")
    # Bundles of the thumb variant may still be on their way: A's tiles
    # draw full-size entries again soon after.
    s = await P.wait_stats(b, lambda s: s["view"] == "grid" and
                           min(x - y for x, y in zip(P.frames(s), n)) >= 5 and
                           all((c["imageWidth"], c["imageHeight"]) == (c["width"], c["height"])
                               for c in s["cameras"][:3]), 10,
                           "key 0: the grid, every tile drawing, A's at full size")
    T.check_eq(variants(s), ["full", "full"], "variants in the grid (A's thumb: too small)")
    T.check(s["sources"][0]["lastError"] is None, f"A: {s['sources'][0]['lastError']}")
    T.log("keys: 5 B's center alone (A asked for thumb), 0 the grid (full again)")


async def wait_changing(b, idx, timeout, what):
    """The canvases of tiles idx all change within timeout."""
    first = await P.tiles(b)
    deadline = time.monotonic() + timeout
    while True:
        await asyncio.sleep(0.5)
        later = await P.tiles(b)
        same = [i for i in idx if later[i]["check"] == first[i]["check"]]
        if not same:
            return later
        T.check(time.monotonic() < deadline, f"{what}: tiles {same} did not change in "
                                             f"{timeout:.0f} s")


async def daemons_list(b, lb, url_b):
    """Remove B and add it again through the page's list; a key typed in
    the field is not a shortcut; a non-ws URL is refused there too."""
    await b.evaluate("document.getElementById('daemons').open = true")
    await b.evaluate("document.querySelectorAll('#daemons-list button.remove')[0].click()")
    await P.wait_stats(b, lambda s: len(s["sources"]) == 1 and len(s["cameras"]) == 3, 5,
                       "B removed from the list")
    got = await overlays(b)
    T.check(len(got) == 3 and all(o.startswith(f"{i + 1} {n}  ")
                                  for i, (o, n) in enumerate(zip(got, NAMES))),
            f"one daemon again: plain camera names, got {got}")
    search = await b.evaluate("location.search")
    T.check("add=" not in search, f"B removed: the URL still has it: {search}")

    await b.evaluate("document.getElementById('daemons-url').focus()")
    await b.key("2")
    # The field has the key once every keydown handler has run.
    await b.wait_for("document.getElementById('daemons-url').value == '2'", 5,
                     "'2' typed in the URL field: the field")
    T.check_eq((await P.stats(b))["view"], "grid", "'2' typed in the URL field: the view")

    async def submit(text):
        await b.evaluate("document.getElementById('daemons-url').value = ''; "
                         "document.getElementById('daemons-msg').textContent = ''")
        await b.call("Input.insertText", text=text)
        await b.evaluate("document.querySelector('#daemons-form button').click()")
        await b.wait_for("document.getElementById('daemons-msg').textContent != ''", 5,
                         f"a message after submitting {text}")
        return await b.evaluate("document.getElementById('daemons-msg').textContent")

    msg = await submit("ftp://127.0.0.1/stream")
    T.check("only ws:// and wss://" in msg, f"ftp:// in the field: message {msg!r}")
    T.check_eq(len((await P.stats(b))["sources"]), 1, "daemons after ftp://")
    msg = await submit(url_b)
    T.check(f"added {lb}" in msg, f"adding B from the field: message {msg!r}")
    await P.wait_stats(b, lambda s: len(s["sources"]) == 2 and
                       (source(s, lb) or {}).get("state") == "streaming" and
                       min(frames_of(s, lb)) > 5, 15, "B added again from the field")
    msg = await submit(url_b)
    T.check("already shown" in msg, f"B twice: message {msg!r}")
    search = await b.evaluate("location.search")
    T.check_eq(urllib.parse.parse_qs(search[1:]).get("add"), [url_b], "the URL's add=")
    await b.evaluate("document.getElementById('daemons').open = false")
    T.log(f"daemons list: B removed, '2' typed in the field is text, ftp:// refused, "
          f"B added back: {search}")
    return search


async def two_daemons(b, binary):
    pa, pb = P.free_port(), P.free_port()
    token = "cc-multi-" + os.urandom(8).hex() + "+/="
    origin = f"http://{T.HOST}:{pa}"
    cfg_b = P.daemon_config(pb, allowed_origins=origin,
                            token_file=P.token_file(token))
    # A offers a variant its tiles never need but when they are off screen.
    a = T.Daemon(binary, P.daemon_config(pa) + "\n[variant thumb]\nscale = 1/4\n").start()
    d_b = T.Daemon(binary, cfg_b).start()
    la, lb = f"{T.HOST}:{pa}", f"{T.HOST}:{pb}"
    url_b = f"ws://{T.HOST}:{pb}/stream?token={urllib.parse.quote(token, safe='')}"
    try:
        await b.navigate(page_url(pa, [url_b, f"http://{T.HOST}:{pb}/stream?token=NOTSHOWN"]))
        await b.evaluate("window.ccMarker = 7")
        s = await P.wait_stats(b, lambda s: len(s["cameras"]) == 6 and
                               all(x["state"] == "streaming" for x in s["sources"]) and
                               min(P.frames(s)) >= 5, 20, "frames from both daemons")
        T.check_eq([x["label"] for x in s["sources"]], [la, lb], "daemons, A first")
        T.log(f"two daemons: {[x['stateText'] for x in s['sources']]}")

        # The refused value: said on the page, not in the URL any more.
        err = await b.evaluate("[!document.getElementById('error').hidden, "
                               "document.getElementById('error').textContent, "
                               "document.getElementById('daemons-msg').textContent]")
        T.check(err[0] and "only ws:// and wss://" in err[1], f"error banner: {err}")
        T.check("only ws:// and wss://" in err[2], f"daemons panel message: {err}")
        search = await b.evaluate("location.search")
        T.check_eq(urllib.parse.parse_qs(search[1:]).get("add"), [url_b],
                   "the URL's add= after the refusal")
        text = await page_text(b)
        T.check(token not in text and "NOTSHOWN" not in text and
                urllib.parse.quote(token, safe="") not in text,
                "a token is shown on the page")
        T.check("(with a token)" in text, "B's row does not say it has a token")

        await P.check_drawn(b, 6)
        await check_labels(b, la, lb)
        s = await P.wait_stats(b, lambda s: all(x["clockRttMs"] is not None
                                                for x in s["sources"]) and
                               all(c["latencyMs"] is not None for c in s["cameras"]), 10,
                               "a clock sample from each daemon, a latency per camera")
        check_clocks(s, [0, 0])
        T.check(s["sources"][0]["subscribed"] is not None and
                s["sources"][1]["subscribed"] is not None, "a subscription per daemon")
        T.log("labels: " + ", ".join(c["label"] for c in s["cameras"]) + "; latency " +
              str([round(c["latencyMs"], 1) for c in s["cameras"]]) + " ms")
        await check_keys(b, lb)

        # B goes away: A keeps drawing, B's tiles say offline.
        d_b.stop()
        s = await P.wait_stats(b, lambda s: source(s, lb)["state"] == "offline", 10,
                               "B offline after its stop")
        await b.wait_for("Array.from(document.querySelectorAll('#grid .frame .banner'))"
                         ".slice(3).every(e => !e.hidden && e.textContent == 'offline')", 5,
                         "B's tiles say offline")
        n_a = frames_of(s, la)
        await wait_changing(b, [0, 1, 2], 10, "A's tiles with B down")
        s = await P.wait_stats(b, lambda s: min(x - y for x, y in zip(frames_of(s, la), n_a))
                               >= 20, 10, "A's frames with B down")
        T.check_eq(s["state"], "streaming", "A's state with B down")
        banners = await b.evaluate("Array.from(document.querySelectorAll('#grid .frame .banner'))"
                                   ".slice(0, 3).map(e => e.hidden)")
        T.check_eq(banners, [True] * 3, "A's tiles' banners hidden with B down")
        T.log(f"B stopped: {source(s, lb)['stateText']!r}; A drew "
              f"{[x - y for x, y in zip(frames_of(s, la), n_a)]} more frames")

        # B back on its port once the page has tried a few times: its tiles
        # draw again, without a reload.
        s = await P.wait_stats(b, lambda s: P.retry_in(source(s, lb)["stateText"]) > 1.0, 20,
                               "B's retry delay above 1 s (the backoff grows)")
        n_b = frames_of(s, lb)
        d_b = T.Daemon(binary, cfg_b).start()
        s = await P.wait_stats(b, lambda s: source(s, lb)["connects"] == 2 and
                               min(x - y for x, y in zip(frames_of(s, lb), n_b)) >= 10, 20,
                               "B's frames after its restart")
        await wait_changing(b, [3, 4, 5], 10, "B's tiles after its restart")
        T.check_eq(await b.evaluate("window.ccMarker"), 7, "page state (reloaded?)")
        T.log(f"B restarted on port {pb}: {source(s, lb)['stateText']!r}")

        search = await daemons_list(b, lb, url_b)

        # A reload keeps the list: it is in the URL.
        await b.navigate(f"http://{T.HOST}:{pa}/{search}")
        s = await P.wait_stats(b, lambda s: len(s["sources"]) == 2 and
                               all(x["state"] == "streaming" for x in s["sources"]) and
                               min(P.frames(s)) >= 3, 20, "both daemons after a reload")
        T.log("reload: both daemons again from the URL")
    finally:
        a.kill()
        d_b.kill()
    return pa


# ---------------------------------------------------------------------------
# 2. A daemon that refuses the page's origin

async def refused_origin(b, binary):
    pa, pc = P.free_port(), P.free_port()
    a = T.Daemon(binary, P.daemon_config(pa)).start()
    c = T.Daemon(binary, P.daemon_config(pc)).start()  # no allowed_origins
    lc = f"{T.HOST}:{pc}"
    try:
        await b.navigate(page_url(pa, [f"ws://{lc}/stream"]))
        js = ("(() => { const p = document.querySelector('#grid .frame.placeholder'); "
              "return p && !p.hidden ? p.textContent : ''; })()")
        # The text itself, as it says so: the page retries, and shows
        # "connecting…" in between.
        text = await b.wait_for(f"(() => {{ const t = {js}; "
                                "return t.includes('allowed_origins') ? t : ''; })()", 15,
                                "C's tile says allowed_origins")
        T.check(lc in text and f"http://{T.HOST}:{pa}" in text,
                f"C's tile: {text!r}: want its host:port and the origin to allow")
        s = await P.wait_stats(b, lambda s: min(frames_of(s, f"{T.HOST}:{pa}") or [0]) >= 20,
                               15, "A draws while C refuses")
        T.check_eq(source(s, lc)["connects"], 0, "C's hellos")
        # Between its retries the page shows C as connecting: never live.
        T.check(source(s, lc)["state"] in ("offline", "closed", "connecting"),
                f"C: {source(s, lc)}")
        with urllib.request.urlopen(f"http://{T.HOST}:{pc}/stats", timeout=5) as r:
            limits = json.loads(r.read())["limits"]
        T.check(limits["origin"] >= 1, f"C's /stats: no request refused for its origin: "
                                       f"{limits}")
        T.log(f"C refuses the origin ({limits['origin']} times): its tile says {text!r}; "
              f"A drew {frames_of(s, f'{T.HOST}:{pa}')} frames")
    finally:
        a.kill()
        c.kill()


# ---------------------------------------------------------------------------
# 3. A daemon with another clock, variants and variant_sizes

class SkewedDaemon:
    """A scripted /stream: its clock an hour ahead (pongs, mux and capture
    times), one 1920x1200 camera, variants whose exact sizes only
    variant_sizes tell: "preview" says max_width 800 but its entries are
    480 wide; "half" (960x600) has no max_width at all."""

    def __init__(self):
        tj = T.TurboJPEG()
        self.jpegs = [tj.encode(bytes(((x + k * 16) * 255 // 480) & 255 for y in range(300)
                                      for x in range(480)), 480, 300, True) for k in range(8)]
        self.controls = []
        self.server = None
        self.port = None

    def hello(self):
        return json.dumps({
            "type": "hello", "protocol": 1, "server": "skewed 1", "stream_fps": 15,
            "cameras": [{"index": 0, "name": "far", "width": 1920, "height": 1200,
                         "pixel_format": "Mono8", "grab_fps": 15, "source": "fake",
                         "variant_sizes": {"preview": {"width": 480, "height": 300},
                                           "half": {"width": 960, "height": 600}}}],
            "variants": [{"name": "full"}, {"name": "preview", "max_width": 800},
                         {"name": "half"}],
        })

    async def handler(self, ws, path=None):
        reader = asyncio.ensure_future(self.read(ws))
        try:
            await ws.send(self.hello())
            seq = 0
            while True:
                seq += 1
                t = time.time_ns() + SKEW_NS
                jpeg = self.jpegs[seq % len(self.jpegs)]
                data = T.BUNDLE_HDR.pack(b"CCFB", 1, 32, seq, t, 1, 0, 0)
                data += T.ENTRY_HDR.pack(40, 0, 480, 300, 1, 1, seq, t - 3_000_000,
                                         len(jpeg), 0) + jpeg
                await ws.send(data)
                await asyncio.sleep(1 / 15)
        except websockets.ConnectionClosed:
            pass
        finally:
            reader.cancel()

    async def read(self, ws):
        try:
            async for m in ws:
                msg = json.loads(m)
                self.controls.append(msg)
                if msg.get("type") == "ping":
                    await ws.send(json.dumps({"type": "pong",
                                              "time_ns": time.time_ns() + SKEW_NS}))
        except websockets.ConnectionClosed:
            pass

    def variants(self):
        return [m["variant"] for m in self.controls if m.get("type") == "subscribe" and
                "variant" in m]

    async def __aenter__(self):
        self.server = await websockets.serve(self.handler, T.HOST, 0, compression=None,
                                             ping_interval=None, max_size=1 << 20)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc):
        self.server.close()
        await asyncio.wait_for(self.server.wait_closed(), 5)


async def skewed_clock_and_variants(b, binary):
    pa = P.free_port()
    a = T.Daemon(binary, P.daemon_config(pa)).start()
    try:
        async with SkewedDaemon() as fake:
            lf = f"{T.HOST}:{fake.port}"
            await b.navigate(page_url(pa, [f"ws://{lf}/stream"]))
            s = await P.wait_stats(b, lambda s: len(s["cameras"]) == 4 and
                                   min(P.frames(s)) >= 10 and
                                   all(x["clockRttMs"] is not None for x in s["sources"]), 20,
                                   "frames and clocks from A and the skewed daemon")
            s = await P.wait_stats(b, lambda s: all(c["latencyMs"] is not None
                                                    for c in s["cameras"]), 10,
                                   "a latency per camera")
            check_clocks(s, [0, SKEW_NS / 1e6])
            off = [x["clockOffsetMs"] for x in s["sources"]]
            T.log(f"clocks: offsets {[round(o, 1) for o in off]} ms; latency "
                  f"{[round(c['latencyMs'], 1) for c in s['cameras']]} ms")

            # Variants: the tile is wider than preview's real 480 pixels and
            # narrower than its max_width 800: only variant_sizes tell that
            # "half" (960) is the one that covers it.
            width = s["cameras"][3]["canvasWidth"]
            T.check(480 < width <= 800, f"the skewed camera's tile is {width} px wide: this "
                                        "check needs 480 < width <= 800")
            await P.wait_control(fake, lambda: fake.variants()[-1:] == ["half"], 5,
                                 f"variant half for a {width}-pixel tile")
            await b.key("4")
            await P.wait_control(fake, lambda: fake.variants()[-1:] == ["full"], 5,
                                 "variant full for its camera alone")
            await b.key("Escape")
            await P.wait_control(fake, lambda: fake.variants()[-1:] == ["half"], 5,
                                 "variant half for the grid again")
            s = await P.stats(b)
            T.check_eq(s["sources"][1]["subscribed"]["variant"], "half", "the skewed daemon's")
            T.check_eq(s["sources"][0]["subscribed"]["variant"], "full",
                       "A's variant (its hello lists none)")
            T.log(f"variants asked of the skewed daemon: {fake.variants()} "
                  f"(tile {width} px); A keeps 'full'")
    finally:
        a.kill()


# ---------------------------------------------------------------------------
# 4. At most 8 daemons

async def bounded(b, binary):
    pa = P.free_port()
    a = T.Daemon(binary, P.daemon_config(pa)).start()
    try:
        ports = [P.free_port() for _ in range(9)]  # nothing listens there
        adds = [f"ws://{T.HOST}:{p}/stream" for p in ports]
        await b.navigate(page_url(pa, adds))
        s = await P.wait_stats(b, lambda s: s["state"] == "streaming" and
                               min(frames_of(s, f"{T.HOST}:{pa}") or [0]) >= 5, 20,
                               "A with 9 others asked for")
        T.check_eq(len(s["sources"]), 8, "daemons shown")
        err = await b.evaluate("document.getElementById('error').textContent")
        T.check(err.count("at most 8 daemons") == 2, f"error banner: {err!r}")
        search = await b.evaluate("location.search")
        T.check_eq(len(urllib.parse.parse_qs(search[1:]).get("add", [])), 7,
                   "add= in the URL")
        T.check_eq(await b.evaluate("document.querySelectorAll('#grid .frame.placeholder')"
                                    ".length"), 7, "placeholder tiles")
        T.log(f"9 asked for: 7 added, {err!r}")
        await b.navigate("about:blank")  # stop the attempts
    finally:
        a.kill()


# ---------------------------------------------------------------------------

async def run(binary):
    async with B.Browser(width=1280, height=720, log=T.log) as b:
        try:
            await b.evaluate("1")
            await two_daemons(b, binary)
            await refused_origin(b, binary)
            await skewed_clock_and_variants(b, binary)
            await bounded(b, binary)
        except B.CDPError as e:
            T.fail(f"chromium: {e}")
        T.check(not b.exceptions, f"uncaught exceptions in the page: {b.exceptions}")
        unexpected = [e for e in b.console_errors
                      if not any(x in e for x in EXPECTED_CONSOLE)]
        T.check(not unexpected, f"console errors: {unexpected}")
        csp = [e for e in b.console_errors if "Content Security Policy" in e]
        T.check(not csp, f"CSP violations: {csp}")
        T.log(f"no page exception; console errors, all expected: {len(b.console_errors)}")


def main(binary):
    T.check(shutil.which(B.CHROMIUM) is not None,
            f"{B.CHROMIUM} not found (scripts/install-deps.sh installs Debian's chromium)")
    start = time.monotonic()
    asyncio.run(run(binary))
    T.log(f"done in {time.monotonic() - start:.1f} s")


if __name__ == "__main__":
    T.run_main(main)
