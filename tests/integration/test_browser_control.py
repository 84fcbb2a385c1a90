"""End-to-end: the page's camera settings panel (docs/browser.md, "Camera
settings"), in headless Chromium.

    /usr/bin/python3 tests/integration/test_browser_control.py build/src/camcastd

Driven as test_browser_page.py drives the page (cc_browser.py), checked from
the pages themselves (window.camcastStats, the DOM, canvas pixels):
  1. A real camcastd with a viewing token and a control token, two
     test-pattern cameras. A second page, opened with the viewing token (a
     window of the first: same origin, so its camcastStats is read from
     here), opens its panel: every control disabled, the reason said, the
     levels histogram drawn all the same. The operator's page (the control
     token in its URL) opens the panel with a real mouse click on the
     tile's settings button: the exposure slider is labelled, has the
     camera's range and unit, and a mouse drag to its left end sets the
     minimum (throttled: no more sets than the slider's input events); the
     tile darkens (its canvas mean drops below a third) while the other
     camera's does not; the second page's panel shows the new value. The
     snapshot button saves the camera's full-size JPEG, dark too. Escape
     closes the panel and gives the focus back to the button; levels stop
     (no subscription, no messages). 2 then C opens the enlarged camera's
     panel, C closes and opens it again, Escape closes it, the next Escape
     is the grid's.
  2. A scripted daemon (python3-websockets, serving web/ with the same CSP)
     offering every kind of feature: an Auto enumeration folded into its
     feature's row as a toggle, the feature it locks disabled with the
     camera's reason, an integer on an increment, a bool, an enumeration, a
     command, a name with markup (shown as text) and two malformed features
     (left out). Each control sends the set its kind implies (JSON number,
     boolean, entry, "execute"); a refusal shows in its row; another
     operator's change moves the control; a refusal for want of the right
     greys the panel out with the daemon's reason; malformed levels are
     ignored, good ones drawn.
No uncaught exception and no console error but the expected ones; no
Content-Security-Policy violation.
"""

import asyncio
import glob
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402
import cc_browser as B  # noqa: E402
import test_browser_page as P  # noqa: E402  (its helpers: tiles, stats, the scripted server)

import websockets  # noqa: E402

CONTROL = "cc-operator-" + os.urandom(9).hex() + "+/="
VIEW = "cc-viewer-" + os.urandom(9).hex()
STREAM_FPS = 20
CAMS = [
    ("left", T.camera(480, 300, "Mono8", "scroll", grab_fps=100)),
    ("right", T.camera(400, 300, "RGB8", "bars", grab_fps=100)),
]


def q(token):
    return token.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")


async def panel(b, win="window"):
    return json.loads(await b.evaluate(f"JSON.stringify({win}.camcastStats.panel)"))


async def wait_panel(b, cond, timeout, what, win="window"):
    deadline = time.monotonic() + timeout
    while True:
        p = await panel(b, win)
        if p is not None and cond(p):
            return p
        if time.monotonic() > deadline:
            T.fail(f"{what}: not within {timeout:.0f} s; panel: {p}")
        await asyncio.sleep(0.2)


def feature(p, name):
    return next((f for f in p["features"] if f["name"] == name), None)


def row(name, doc="document"):
    """A feature's row in the panel, by its name (as text, CSS-escaped)."""
    return (f"{doc}.querySelector('#panel .feature[data-feature=\"' + "
            f"CSS.escape({json.dumps(name)}) + '\"]')")


async def center(b, selector_js):
    r = await b.evaluate(f"(() => {{ const r = {selector_js}.getBoundingClientRect(); "
                         "return [r.left, r.top, r.width, r.height]; })()")
    return r[0] + r[2] / 2, r[1] + r[3] / 2, r


async def click(b, x, y):
    """A real mouse click (focus moves as for a user)."""
    for t in ("mousePressed", "mouseReleased"):
        await b.call("Input.dispatchMouseEvent", type=t, x=x, y=y, button="left",
                     buttons=1 if t == "mousePressed" else 0, clickCount=1)


async def drag(b, x0, y, x1, steps):
    await b.call("Input.dispatchMouseEvent", type="mousePressed", x=x0, y=y, button="left",
                 buttons=1, clickCount=1)
    for i in range(1, steps + 1):
        await b.call("Input.dispatchMouseEvent", type="mouseMoved", button="left", buttons=1,
                     x=x0 + (x1 - x0) * i / steps, y=y)
    await b.call("Input.dispatchMouseEvent", type="mouseReleased", x=x1, y=y, button="left",
                 buttons=0, clickCount=1)


# The canvas of the panel's histogram: share of pixels brighter than its
# background (the bars).
HISTOGRAM_JS = """(() => {
  const c = document.getElementById('panel-histogram');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let bars = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] > 100) bars++;
  return bars / (d.length / 4);
})()"""


# ---------------------------------------------------------------------------
# 1. A real camcastd

async def open_viewer_page(b, port):
    """A second page, with the viewing token, as a window of the first."""
    r = await b.call("Runtime.evaluate", userGesture=True, returnByValue=True,
                     expression=f"window.viewer = window.open('/?token={q(VIEW)}', 'viewer'); "
                                "!!window.viewer")
    T.check(r.get("result", {}).get("value") is True, f"window.open: {r}")
    await b.wait_for("viewer.camcastStats && viewer.camcastStats.state === 'streaming' && "
                     "viewer.camcastStats.cameras.length === 2", 20, "the viewer's page streams")
    await b.evaluate("viewer.document.querySelector('#grid .frame .gear').click(); true")
    p = await wait_panel(b, lambda p: p["loaded"] and p["levels"] is not None, 15,
                         "the viewer's panel with levels", "viewer")
    T.check(p["disabled"] and not p["operator"], f"viewer's panel: {p}")
    T.check("view only" in p["reason"] and "operator right" in p["reason"],
            f"viewer's panel reason: {p['reason']!r}")
    disabled = await b.evaluate("Array.from(viewer.document.querySelectorAll("
                                "'#panel-features input')).map(i => i.disabled)")
    T.check(disabled and all(disabled), f"viewer's controls disabled: {disabled}")
    T.check(not await b.evaluate("viewer.document.getElementById('panel-snapshot').disabled"),
            "the snapshot button needs only the viewing right")
    T.log(f"viewer's page: panel view only ({p['reason']!r}), {len(disabled)} controls "
          f"disabled, levels drawn ({p['levels']})")
    return p


async def open_operator_panel(b):
    x, y, _ = await center(b, "document.querySelector('#grid .frame .gear')")
    await click(b, x, y)
    p = await wait_panel(b, lambda p: p["loaded"] and p["operator"] and not p["disabled"], 10,
                         "the operator's panel")
    T.check_eq(p["name"], "left", "panel camera")
    f = feature(p, "ExposureTime")
    T.check(f is not None and f["kind"] == "float" and f["unit"] == "us" and
            f["min"] == 10 and f["max"] == 1000000 and f["writable"],
            f"ExposureTime as the panel has it: {f}")
    T.check(feature(p, "Gain") is not None, f"Gain offered: {p['features']}")
    slider = row("ExposureTime") + ".querySelector('input[type=range]')"
    label = await b.evaluate(f"(() => {{ const s = {slider}; "
                             "return document.querySelector('label[for=\"' + s.id + '\"]')"
                             ".textContent + ' / ' + s.getAttribute('aria-valuetext'); })()")
    T.check(label.startswith("ExposureTime / ") and label.endswith(" us"),
            f"the slider's label and value text: {label!r}")
    rng = await b.evaluate(row("ExposureTime") + ".querySelector('.feature-range').textContent")
    T.check_eq(rng, "10..1000000 us", "the range shown")
    T.check_eq(await b.evaluate("document.activeElement.id"), "panel",
               "the focus moves to the panel")
    p = await wait_panel(b, lambda p: p["levels"] and p["levels"]["received"] >= 2 and
                         p["histogramsDrawn"] >= 2 and p["levelsAsked"], 10, "levels drawn")
    bars = await b.evaluate(HISTOGRAM_JS)
    T.check(bars > 0.01, f"histogram canvas: {bars:.1%} bar pixels")
    clipped = await b.evaluate("document.getElementById('panel-clipped').textContent")
    T.check(clipped.startswith("clipped: ") and "black" in clipped and "white" in clipped,
            f"clipped shares: {clipped!r}")
    T.log(f"operator's panel: ExposureTime {f['value']} us ({rng}), label {label!r}; "
          f"histogram {bars:.0%} bars, {clipped!r}")
    return p


async def move_exposure(b):
    """A mouse drag of the exposure slider to its left end: the newest
    value (the minimum) wins; no more sets than input events."""
    slider = row("ExposureTime") + ".querySelector('input[type=range]')"
    await b.evaluate(f"window.ccInputs = 0; {slider}.addEventListener('input', "
                     "() => window.ccInputs++); true")
    x, y, r = await center(b, slider)
    value = await b.evaluate(f"Number({slider}.value) / Number({slider}.max)")
    thumb = r[0] + 8 + value * (r[2] - 16)
    await drag(b, thumb, y, r[0] - 30, 20)
    p = await wait_panel(b, lambda p: feature(p, "ExposureTime")["value"] == 10, 10,
                         "ExposureTime at its minimum after the drag")
    inputs = await b.evaluate("window.ccInputs")
    T.check(1 <= p["setsSent"] <= inputs, f"{p['setsSent']} sets for {inputs} input events")
    T.check(not p["errors"], f"refusals: {p['errors']}")
    number = await b.evaluate(row("ExposureTime") + ".querySelector('input.number').value")
    T.check_eq(number, "10", "the number field after the drag")
    T.log(f"drag: {inputs} input events, {p['setsSent']} sets sent, ExposureTime 10 us")


async def check_darker(b, before):
    deadline = time.monotonic() + 15
    while True:
        t = await P.tiles(b)
        if t[0]["mean"] < before[0]["mean"] / 3:
            break
        T.check(time.monotonic() < deadline,
                f"tile 1 did not darken: mean {t[0]['mean']:.1f}, before {before[0]['mean']:.1f}")
        await asyncio.sleep(0.3)
    T.check(abs(t[1]["mean"] - before[1]["mean"]) < before[1]["mean"] / 5,
            f"tile 2 changed too: mean {t[1]['mean']:.1f}, before {before[1]['mean']:.1f}")
    T.log(f"tile 1 mean {before[0]['mean']:.1f} -> {t[0]['mean']:.1f}; tile 2 "
          f"{before[1]['mean']:.1f} -> {t[1]['mean']:.1f}")


async def check_snapshot(b, downloads):
    await b.evaluate("document.getElementById('panel-snapshot').click(); true")
    deadline = time.monotonic() + 10
    while not glob.glob(os.path.join(downloads, "camcast-left-snapshot-*.jpg")):
        if time.monotonic() > deadline:
            said = await b.evaluate("document.getElementById('panel-snapmsg').textContent")
            T.fail(f"no snapshot saved in 10 s: {os.listdir(downloads)}; the panel: {said!r}")
        await asyncio.sleep(0.2)
    await asyncio.sleep(0.5)  # the browser finishes writing it
    path = glob.glob(os.path.join(downloads, "camcast-left-snapshot-*.jpg"))[0]
    with open(path, "rb") as f:
        w, h, _ss, _cs, px = T.TurboJPEG().decode(f.read(), True)
    T.check_eq((w, h), (480, 300), "snapshot size (the camera's full size)")
    mean = sum(px) / len(px)
    T.check(mean < 30, f"snapshot mean {mean:.1f}: not the dark frame")
    T.log(f"snapshot: {os.path.basename(path)}, {w}x{h}, mean {mean:.1f}")


async def check_close(b):
    await b.key("Escape")
    await b.wait_for("camcastStats.panel === null", 5, "Escape closes the panel")
    focus = await b.evaluate("document.activeElement.className")
    T.check_eq(focus, "gear", "the focus goes back to the settings button")
    s = await P.wait_stats(b, lambda s: s["subscribed"]["levels"] is False, 5,
                           "levels unsubscribed")
    T.check_eq(s["view"], "grid", "Escape closed only the panel")
    await asyncio.sleep(1.0)  # levels already on their way
    n0 = (await P.stats(b))["levelsReceived"]
    await asyncio.sleep(1.5)
    n1 = (await P.stats(b))["levelsReceived"]
    T.check_eq(n1, n0, "levels received with the panel closed")
    # The key: the enlarged camera's settings; Escape the panel, then the grid.
    await b.key("2")
    await P.wait_stats(b, lambda s: s["view"] == 1, 5, "key 2")
    await b.key("c")
    p = await wait_panel(b, lambda p: p["loaded"], 10, "C: the panel of camera 2")
    T.check_eq(p["name"], "right", "C opened the enlarged camera's panel")
    await b.key("c")
    await P.wait_stats(b, lambda s: s["panel"] is None, 5, "C again closes the panel")
    await b.key("c")
    await wait_panel(b, lambda p: p["name"] == "right", 10, "C opens it again")
    await b.key("Escape")
    s = await P.wait_stats(b, lambda s: s["panel"] is None, 5, "Escape: the panel closed")
    T.check_eq(s["view"], 1, "the camera still alone after the first Escape")
    await b.key("Escape")
    await P.wait_stats(b, lambda s: s["view"] == "grid", 5, "second Escape: the grid")
    T.log(f"Escape: panel closed, focus back on its button, levels stop ({n0} received); "
          "2 + C: camera 2's panel, C closes and opens it; Escape, Escape: the grid")


async def real_daemon(b, binary):
    downloads = tempfile.mkdtemp(prefix="camcast-dl-")
    await b.call("Browser.setDownloadBehavior", behavior="allow", downloadPath=downloads)
    s = T.server_section(stream_fps=STREAM_FPS, port=P.free_port())
    s["token_file"] = P.token_file(VIEW)
    s["control_token_file"] = P.token_file(CONTROL)
    d = T.Daemon(binary, T.make_config(s, CAMS)).start()
    try:
        await b.navigate(f"http://{T.HOST}:{d.port}/?token={q(CONTROL)}")
        await P.wait_stats(b, lambda s: s["state"] == "streaming" and
                           min(P.frames(s)) >= 5, 20, "frames with the control token")
        await asyncio.sleep(1.0)  # a few frames more: the means settle
        before = await P.tiles(b)
        await open_viewer_page(b, d.port)
        await open_operator_panel(b)
        await move_exposure(b)
        await check_darker(b, before)
        p = await wait_panel(b, lambda p: feature(p, "ExposureTime")["value"] == 10, 10,
                             "the viewer's page sees the new value", "viewer")
        shown = await b.evaluate(row("ExposureTime", "viewer.document") +
                                 ".querySelector('input.number').value")
        T.check_eq(shown, "10", "the viewer's number field")
        T.check(p["disabled"], "the viewer's panel stays view only")
        T.log("viewer's page: ExposureTime moved to 10 us, still view only")
        await check_snapshot(b, downloads)
        await check_close(b)
        await b.evaluate("viewer.close(); true")
    finally:
        d.kill()
        shutil.rmtree(downloads, ignore_errors=True)


# ---------------------------------------------------------------------------
# 2. A scripted daemon: every kind of feature, refusals, another operator

EVIL = 'Evil<b>"x'
FEATURES = [
    {"name": "ExposureAuto", "kind": "enum", "value": "Continuous",
     "entries": ["Off", "Once", "Continuous"], "writable": True},
    {"name": "ExposureTime", "kind": "float", "value": 5000, "min": 10, "max": 100000,
     "unit": "us", "writable": False, "why": "locked while ExposureAuto is Continuous"},
    {"name": "GainRaw", "kind": "int", "value": 4, "min": 0, "max": 10, "inc": 2,
     "writable": True},
    {"name": "ReverseX", "kind": "bool", "value": False, "writable": True},
    {"name": "TriggerMode", "kind": "enum", "value": "Off", "entries": ["Off", "On"],
     "writable": True},
    {"name": "TriggerSoftware", "kind": "command", "writable": True},
    {"name": EVIL, "kind": "int", "value": 3, "writable": True},
    {"name": "Broken", "kind": "float", "value": "abc", "writable": True},
    {"name": "Weird", "kind": "matrix", "value": 1, "writable": True},
]
ROWS = ["ExposureTime", "GainRaw", "ReverseX", "TriggerMode", "TriggerSoftware", EVIL]
NO_RIGHT = ("set: changing camera settings needs the operator right (connect with the "
            "control token)")


class ControlServer(P.FakeServer):
    """The scripted server of test_browser_page.py, with the control
    extension: features, sets answered as a daemon would, levels."""

    def __init__(self):
        super().__init__()
        self.sets = []
        self.ws = None
        self.levels = False

    def hello(self):
        return json.dumps({
            "type": "hello", "protocol": 1, "server": "fake control", "stream_fps": 10,
            "extensions": ["control", "future"],
            "cameras": [{"index": 0, "name": "cam", "width": 320, "height": 240,
                         "pixel_format": "Mono8", "grab_fps": 50}]})

    async def send_feature(self, name, **keys):
        f = dict(next(x for x in FEATURES if x["name"] == name), **keys)
        f.pop("name")
        await self.ws.send(json.dumps({"type": "feature", "camera": "cam", "index": 0,
                                       "feature": name, **f}))

    async def handler(self, ws, path=None):
        self.ws = ws
        reader = asyncio.ensure_future(self.read(ws))
        try:
            await ws.send(self.hello())
            seq = 1
            while True:
                await ws.send(P.bundle([(0, 320, 240, self.jpeg_dark, 1, 1)], seq))
                if self.levels:
                    # One malformed (63 bins), then a good one: a ramp, 2% white.
                    await ws.send(json.dumps({"type": "levels", "camera": 0, "frame_id": seq,
                                              "histogram": [1] * 63, "clipped_low": 0,
                                              "clipped_high": 0}))
                    await ws.send(json.dumps({"type": "levels", "camera": 0, "frame_id": seq,
                                              "histogram": list(range(64)),
                                              "clipped_low": 0, "clipped_high": 0.02}))
                seq += 1
                await asyncio.sleep(0.25)
        except websockets.ConnectionClosed:
            pass
        finally:
            reader.cancel()

    async def on_control(self, ws, msg):
        kind = msg.get("type")
        if kind == "subscribe" and "levels" in msg:
            self.levels = msg["levels"]
        elif kind == "features":
            await ws.send(json.dumps({"type": "features", "camera": "cam", "index": 0,
                                      "online": True, "operator": True,
                                      "features": FEATURES}))
        elif kind == "set":
            self.sets.append((msg["feature"], msg["value"]))
            await self.answer(msg["feature"], msg["value"])
        else:
            await super().on_control(ws, msg)

    async def answer(self, name, value):
        if name == "ExposureAuto":
            await self.send_feature("ExposureAuto", value=value)
            await self.send_feature("ExposureTime", writable=value == "Off", why="")
        elif name == "GainRaw" and value % 2:
            await self.ws.send(json.dumps({
                "type": "error", "camera": "cam", "feature": "GainRaw",
                "message": f"set: GainRaw: {value} is off the increment (0..10 in steps "
                           "of 2)"}))
        elif name == EVIL:
            await self.ws.send(json.dumps({"type": "error", "message": NO_RIGHT}))
        elif name != "TriggerSoftware":
            await self.send_feature(name, value=value)


async def set_sent(fake, want, what):
    deadline = time.monotonic() + 5
    while want not in fake.sets:
        T.check(time.monotonic() < deadline, f"{what}: sets received {fake.sets}")
        await asyncio.sleep(0.1)


async def type_number(b, name, text):
    """Types into a feature's number field as a user does, then Enter."""
    await b.evaluate(f"(() => {{ const n = {row(name)}.querySelector('input.number'); "
                     "n.focus(); n.select(); })()")
    await b.call("Input.insertText", text=text)
    for t in ("keyDown", "keyUp"):  # with its text: Enter commits the field (change)
        await b.call("Input.dispatchKeyEvent", type=t, key="Enter", code="Enter", text="\r",
                     windowsVirtualKeyCode=13, nativeVirtualKeyCode=13)


async def scripted_daemon(b):
    async with ControlServer() as fake:
        await b.navigate(f"http://{T.HOST}:{fake.port}/")
        await P.wait_stats(b, lambda s: s["state"] == "streaming" and s["framesDrawn"] > 2, 15,
                           "the scripted stream")
        await b.evaluate("document.querySelector('#grid .frame .gear').click(); true")
        p = await wait_panel(b, lambda p: p["loaded"] and p["levels"], 10, "the panel")
        names = await b.evaluate("Array.from(document.querySelectorAll('#panel .feature'))"
                                 ".map(r => r.dataset.feature)")
        T.check_eq(names, ROWS, "rows (ExposureAuto folded, malformed features left out)")
        T.check_eq(await b.evaluate(row(EVIL) + ".querySelector('label').textContent"), EVIL,
                   "a name with markup, as text")
        T.check_eq(await b.evaluate("document.querySelectorAll('#panel b').length"), 0,
                   "markup in the panel")
        # The locked feature: disabled, the camera's reason; its auto toggle usable.
        locked = await b.evaluate(f"(() => {{ const r = {row('ExposureTime')}; return ["
                                  "r.querySelector('input[type=range]').disabled, "
                                  "r.querySelector('input.number').disabled, "
                                  "r.querySelector('.auto input').checked, "
                                  "r.querySelector('.auto input').disabled, "
                                  "r.querySelector('.why').textContent]; })()")
        T.check_eq(locked, [True, True, True, False, "locked while ExposureAuto is Continuous"],
                   "ExposureTime locked by ExposureAuto")
        gain = await b.evaluate(f"(() => {{ const s = {row('GainRaw')}"
                                ".querySelector('input[type=range]'); "
                                "return [s.min, s.max, s.step, s.value]; })()")
        T.check_eq(gain, ["0", "10", "2", "4"], "GainRaw slider (its own values, its increment)")
        T.check(p["levels"]["received"] >= 1 and p["histogramsDrawn"] >= 1,
                f"levels: {p['levels']}")
        bars = await b.evaluate(HISTOGRAM_JS)
        T.check(bars > 0.05, f"the ramp's histogram: {bars:.1%} bar pixels")
        T.check_eq(await b.evaluate("document.getElementById('panel-clipped').textContent"),
                   "clipped: 0.0 % black, 2.0 % white", "clipped shares")
        s = await P.stats(b)
        T.log(f"scripted panel: rows {names}; ExposureTime locked ({locked[4]!r}); "
              f"{s['levelsReceived']} good levels taken, the malformed ignored")

        # Each control's set, of its kind.
        await b.evaluate(row("ExposureTime") + ".querySelector('.auto input').click(); true")
        await set_sent(fake, ("ExposureAuto", "Off"), "auto toggle off")
        await b.wait_for(f"!{row('ExposureTime')}.querySelector('input.number').disabled", 5,
                         "ExposureTime writable once auto is off")
        await type_number(b, "ExposureTime", "2500")
        await set_sent(fake, ("ExposureTime", 2500), "ExposureTime typed")
        await b.evaluate(row("ReverseX") + ".querySelector('input').click(); true")
        await set_sent(fake, ("ReverseX", True), "ReverseX ticked")
        await b.evaluate(f"(() => {{ const s = {row('TriggerMode')}.querySelector('select'); "
                         "s.value = 'On'; s.dispatchEvent(new Event('change')); })()")
        await set_sent(fake, ("TriggerMode", "On"), "TriggerMode chosen")
        await b.evaluate(row("TriggerSoftware") + ".querySelector('button').click(); true")
        await set_sent(fake, ("TriggerSoftware", "execute"), "TriggerSoftware executed")
        sets = [m for m in fake.controls if m.get("type") == "set"]
        T.check(all(m["camera"] == 0 for m in sets), f"sets name the camera by index: {sets}")

        # A refusal in its row.
        await type_number(b, "GainRaw", "7")
        await set_sent(fake, ("GainRaw", 7), "GainRaw typed")
        why = await b.wait_for(f"(() => {{ const w = {row('GainRaw')}.querySelector('.why'); "
                               "return w.classList.contains('bad') && w.textContent; })()", 5,
                               "GainRaw's refusal shown")
        T.check("off the increment" in why, f"GainRaw's refusal: {why!r}")

        # Another operator: TriggerMode back to Off, ReverseX unticked.
        await asyncio.sleep(1.0)  # the user's own move no longer holds the controls
        await fake.send_feature("TriggerMode", value="Off")
        await fake.send_feature("ReverseX", value=False)
        await b.wait_for(f"{row('TriggerMode')}.querySelector('select').value === 'Off' && "
                         f"!{row('ReverseX')}.querySelector('input').checked", 5,
                         "another operator's changes shown")

        # The right taken back: the daemon's reason, every control disabled.
        await type_number(b, EVIL, "5")
        p = await wait_panel(b, lambda p: p["disabled"], 5, "a refusal for want of the right")
        T.check_eq(p["reason"], "view only: " + NO_RIGHT[len("set: "):], "the reason shown")
        T.check(await b.evaluate("document.getElementById('panel-features').disabled"),
                "the controls disabled")
        T.log(f"scripted sets: {fake.sets}; GainRaw refused in its row ({why!r}); another "
              f"operator's changes shown; the right taken back: {p['reason']!r}")


async def run(binary):
    async with B.Browser(width=1280, height=720, log=T.log) as b:
        try:
            await real_daemon(b, binary)
            await scripted_daemon(b)
        except B.CDPError as e:
            T.fail(f"chromium: {e}")
        P.check_clean(b)


main = P.chromium_main(run)


if __name__ == "__main__":
    T.run_main(main)
