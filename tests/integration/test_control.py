"""End-to-end: camera control, levels and snapshots (docs/control.md,
docs/protocol.md 1.2) against the test pattern and Aravis' in-process Fake.

    /usr/bin/python3 tests/integration/test_control.py build/src/camcastd

Checks, with a viewing token and a control token configured:
  - rights: the hello offers "control"; without a token 401; the viewing
    token reads features (operator false) but a set is refused, over
    WebSocket and HTTP (403); the control token views and sets;
  - the test pattern: ExposureTime and Gain change the streamed image's
    brightness (decoded JPEG means), the read-back value is announced to
    every client, a viewer included;
  - bad input, each an error to the sender only, nothing changed: unknown
    camera or feature, wrong kind, NaN (malformed JSON), 1e999, out of range
    with the range, a flood of sets (rate limit) while another client's
    stream goes on;
  - levels: a subscriber gets 64-bin histograms of the whole frame a few
    times a second, clipping shows, "levels": false stops them;
  - HTTP: GET /api/cameras (live values listed), PUT (200 with the value
    read back, 400/404/405/411/413/422/429), snapshots at full size and
    per variant, decodable, no-store, also when nobody watches;
  - --list-features and --save-config (the live values into a config that
    --check-config accepts); SIGHUP with a new control token takes the
    right from the old one;
  - the Fake: its GenICam features with kinds and ranges; GainRaw and
    ExposureTimeAbs change its image as the Fake's formula says; GainAuto
    Continuous locks GainRaw (refused, announced not writable) and Off
    unlocks it; a command refuses a value; an unknown entry is refused.
"""

import asyncio
import json
import os
import re
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402
from control_client import ControlClient, mean  # noqa: E402

VIEW = "viewer-token-0123456789"
CONTROL = "operator-token-0123456789"
CONTROL2 = "operator-token-rotated-987654"
STREAM_FPS = 15
CAMS = [
    ("tp", T.camera(320, 240, "Mono8", "scroll", grab_fps=60)),
    ("rgb", T.camera(256, 192, "RGB8", "bars", grab_fps=60)),
]


def write_token(d, name, token):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(token + "\n")
    os.chmod(path, 0o600)
    return path


def make_tokens():
    """A folder with view.token and control.token."""
    d = tempfile.mkdtemp(prefix="camcast-ctl-")
    write_token(d, "view.token", VIEW)
    write_token(d, "control.token", CONTROL)
    return d


def config(tokens_dir, cams, **server):
    s = T.server_section(stream_fps=STREAM_FPS, encoder_workers=2)
    s["token_file"] = os.path.join(tokens_dir, "view.token")
    s["control_token_file"] = os.path.join(tokens_dir, "control.token")
    s.update(server)
    text = T.make_config(s, cams)
    return text + "\n[variant small]\nmax_width = 128\n"


def http(d, method, path, token=None, body=None, extra=""):
    head = f"{method} {path} HTTP/1.1\r\nHost: {T.HOST}\r\n"
    if token:
        head += f"Authorization: Bearer {token}\r\n"
    if body is not None:
        head += f"Content-Length: {len(body)}\r\n"
    head += extra + "\r\n"
    data = head.encode() + (body.encode() if isinstance(body, str) else body or b"")
    status, headers, payload, _how = T.http_request(d.port, data, what=f"{method} {path}")
    return status, headers, payload


def http_json(d, method, path, token=None, body=None, extra=""):
    status, headers, payload = http(d, method, path, token, body, extra)
    T.check(headers.get("content-type") == "application/json",
            f"{method} {path}: content type {headers.get('content-type')!r}")
    return status, json.loads(payload)


def feature_msg(name, camera="tp"):
    return lambda m: (m["type"] == "feature" and m["camera"] == camera and
                      m["feature"] == name)


# ---------------------------------------------------------------------------
# The test pattern


async def rights(d):
    status, _h, _b = http(d, "GET", "/api/cameras")
    T.check_eq(status, 401, "GET /api/cameras without a token")
    async with ControlClient(d, VIEW) as v:
        T.check("control" in v.hello.get("extensions", []),
                f"hello extensions: {v.hello.get('extensions')}")
        f = await v.request({"type": "features", "camera": "tp"},
                            lambda m: m["type"] == "features", "features reply")
        T.check_eq(f["operator"], False, "features: operator flag for a viewer")
        T.check_eq([(x["name"], x["kind"], x["unit"], x["min"], x["max"])
                    for x in f["features"]],
                   [("ExposureTime", "float", "us", 10, 1000000),
                    ("Gain", "float", "dB", 0, 24)], "the test pattern's features")
        err = await v.error_for({"type": "set", "camera": "tp", "feature": "Gain",
                                 "value": 3})
        T.check("needs the operator right" in err["message"], f"viewer's set: {err}")
    async with ControlClient(d, CONTROL) as c:
        f = await c.request({"type": "features", "camera": 0},
                            lambda m: m["type"] == "features", "features reply")
        T.check_eq(f["operator"], True, "features: operator flag with the control token")
    status, body = http_json(d, "PUT", "/api/cameras/tp/features/Gain", VIEW, '{"value":3}')
    T.check(status == 403 and "operator right" in body["error"],
            f"PUT with the viewing token: {status} {body}")
    status, body = http_json(d, "GET", "/api/cameras", VIEW)
    T.check(status == 200 and body["operator"] is False, f"GET /api/cameras: {body}")
    status, body = http_json(d, "GET", "/api/cameras", CONTROL)
    T.check(status == 200 and body["operator"] is True, f"GET as operator: {body}")
    T.log("rights: the viewing token reads, the control token also sets (WebSocket, HTTP)")


async def brightness(d, tj):
    async with ControlClient(d, CONTROL) as op, ControlClient(d, VIEW) as viewer:
        first = await op.wait_entry(lambda e: e.camera_index == 0, what="an entry of tp")
        before = mean(tj, first)
        start = len(op.bundles)
        seen = len(viewer.texts)
        await op.send({"type": "set", "camera": "tp", "feature": "ExposureTime",
                       "value": 2500})
        msg = await op.wait_text(feature_msg("ExposureTime"), what="ExposureTime announced")
        T.check_eq(msg["value"], 2500, "ExposureTime read back")
        await viewer.wait_text(feature_msg("ExposureTime"), what="the viewer told", start=seen)
        after = await op.wait_entry(
            lambda e: e.camera_index == 0 and mean(tj, e) < before * 0.4, start=start,
            what="a darker tp entry (exposure 1/4)")
        m = mean(tj, after)
        T.check(m > before * 0.15, f"ExposureTime 2500: mean {m:.1f} from {before:.1f}")
        # Gain +6 dB doubles it again.
        start = len(op.bundles)
        await op.send({"type": "set", "camera": "tp", "feature": "Gain", "value": 6.0206})
        await op.wait_text(feature_msg("Gain"), what="Gain announced")
        brighter = await op.wait_entry(
            lambda e: e.camera_index == 0 and mean(tj, e) > m * 1.6, start=start,
            what="a brighter tp entry (gain x2)")
        T.log(f"test pattern: mean {before:.1f} -> {m:.1f} at 1/4 exposure -> "
              f"{mean(tj, brighter):.1f} with +6 dB")
        # Back to as painted, for what follows.
        await op.send({"type": "set", "camera": "tp", "feature": "Gain", "value": 0})
        await op.send({"type": "set", "camera": "tp", "feature": "ExposureTime",
                       "value": 10000})
        await op.wait_text(lambda m: feature_msg("ExposureTime")(m) and m["value"] == 10000,
                           what="ExposureTime back to 10000")


async def bad_input(d):
    async with ControlClient(d, CONTROL) as op, ControlClient(d, VIEW) as other:
        cases = [
            ({"type": "set", "camera": "nope", "feature": "Gain", "value": 1},
             'set: no camera "nope"'),
            ({"type": "set", "camera": 7, "feature": "Gain", "value": 1}, "index 0..1"),
            ({"type": "set", "camera": "tp", "feature": "Shutter", "value": 1},
             "camera tp has no feature Shutter"),
            ({"type": "set", "camera": "tp", "feature": "Gain", "value": "abc"},
             "Gain takes a number, not a string"),
            ({"type": "set", "camera": "tp", "feature": "Gain", "value": True},
             "Gain takes a number, not true or false"),
            ({"type": "set", "camera": "tp", "feature": "Gain", "value": 30},
             "Gain = 30 is out of range (0..24 dB)"),
            ('{"type":"set","camera":"tp","feature":"Gain","value":1e999}',
             "Gain takes a finite number"),
            ('{"type":"set","camera":"tp","feature":"Gain","value":NaN}', "malformed"),
            ({"type": "set", "camera": "tp", "feature": "Gain"}, '"value" missing'),
            ({"type": "features", "camera": "x" * 200}, "unknown camera"),
        ]
        for msg, want in cases:
            err = await op.error_for(msg)
            T.check(want in err["message"], f"{msg}: expected {want!r} in {err}")
        # Nothing of it reached the camera or the other client.
        T.check(not [m for m in other.texts if m["type"] in ("feature", "error")],
                f"another client was told: {other.texts}")
        # A flood: beyond 20 a second, refused; the other stream goes on.
        start_other = len(other.bundles)
        n0 = len(op.texts)
        for i in range(60):
            await op.send({"type": "set", "camera": "tp", "feature": "Gain",
                           "value": (i % 10) * 0.5})
        await op.send({"type": "ping"})
        await op.wait_text(lambda m: m["type"] == "pong", start=n0, what="pong after flood")
        limited = [m for m in op.texts[n0:] if m["type"] == "error" and
                   "too many sets" in m["message"]]
        T.check(len(limited) >= 30, f"flood: {len(limited)} refusals of 60 sets")
        await other.wait_entry(lambda e: True, start=start_other + 3,
                               what="the other client's bundles during the flood")
        T.log(f"bad input refused with reasons; a flood of 60 sets: {len(limited)} "
              "refused by the rate limit, the other client streamed on")
        # The newest value wins: what the camera ends with is announced last.
        await asyncio.sleep(1.2)  # the bucket refills (not an assertion)
        await op.send({"type": "set", "camera": "tp", "feature": "Gain", "value": 0})
        await op.wait_text(lambda m: feature_msg("Gain")(m) and m["value"] == 0,
                           start=n0, what="Gain 0 announced")


async def levels(d):
    async with ControlClient(d, VIEW) as c:
        await c.send({"type": "subscribe", "levels": True, "cameras": [0, 1]})
        seen = {}
        for _ in range(4):
            m = await c.wait_text(lambda m: m["type"] == "levels" and id(m) not in seen,
                                  what="levels")
            seen[id(m)] = m
        for m in seen.values():
            T.check_eq(len(m["histogram"]), 64, "levels: bins")
            w, h = (320, 240) if m["camera"] == 0 else (256, 192)
            T.check_eq(sum(m["histogram"]), w * h, f"levels of camera {m['camera']}: pixels")
            T.check(0 <= m["clipped_low"] <= 1 and 0 <= m["clipped_high"] <= 1, f"{m}")
        cams = {m["camera"] for m in seen.values()}
        T.check(cams <= {0, 1} and len(seen) == 4, f"levels cameras: {cams}")
        # Overexposed: most of the frame clips.
        async with ControlClient(d, CONTROL) as op:
            await op.request({"type": "set", "camera": "tp", "feature": "ExposureTime",
                              "value": 1000000}, feature_msg("ExposureTime"), "announced")
            m = await c.wait_text(lambda m: m["type"] == "levels" and m["camera"] == 0 and
                                  m["clipped_high"] > 0.5, what="clipped levels")
            T.check(m["histogram"][63] > 0.5 * 320 * 240, f"top bin: {m['histogram'][63]}")
            await op.request({"type": "set", "camera": "tp", "feature": "ExposureTime",
                              "value": 10000}, lambda m: feature_msg("ExposureTime")(m)
                             and m["value"] == 10000, "announced")
        n0 = len(c.texts)
        await c.send({"type": "subscribe", "levels": False})
        pong = await c.request({"type": "ping"}, lambda m: m["type"] == "pong", "pong")
        after = c.texts.index(pong, n0)
        b0 = len(c.bundles)
        await c.wait_entry(lambda e: True, start=b0 + 10, what="10 bundles")
        late = [m for m in c.texts[after:] if m["type"] == "levels"]
        T.check(not late, f"levels after levels: false: {late[:2]}")
    T.log("levels: 64 bins of the whole frame, clipping seen, off when asked")


def http_checks(d, tj):
    status, body = http_json(d, "GET", "/api/cameras", VIEW)
    T.check_eq([c["name"] for c in body["cameras"]], ["tp", "rgb"], "cameras listed")
    status, body = http_json(d, "PUT", "/api/cameras/tp/features/ExposureTime", CONTROL,
                             '{"value": 5000}')
    T.check(status == 200 and body["value"] == 5000 and body["feature"] == "ExposureTime",
            f"PUT ExposureTime: {status} {body}")
    status, body = http_json(d, "GET", "/api/cameras/tp", VIEW)
    T.check(status == 200 and body["live"][-1] == {"name": "ExposureTime", "value": 5000},
            f"live values (the latest set last): {body}")
    cases = [
        ("PUT", "/api/cameras/tp/features/ExposureTime", '{"value": 1}', 422,
         "out of range (10..1000000 us)"),
        ("PUT", "/api/cameras/tp/features/ExposureTime", '{"value": "x"}', 422,
         "takes a number"),
        ("PUT", "/api/cameras/tp/features/ExposureTime", "5000", 400, "JSON object"),
        ("PUT", "/api/cameras/tp/features/Nothing", '{"value": 1}', 404, "no feature Nothing"),
        ("PUT", "/api/cameras/nope/features/Gain", '{"value": 1}', 404, "no such camera"),
        ("GET", "/api/cameras/tp/features/Gain", None, 405, "method not allowed"),
        ("PUT", "/api/cameras/tp/features/Gain", "x" * 5000, 413, "too large"),
        ("GET", "/api/nothing", None, 404, "no such API path"),
        ("GET", "/api/cameras/tp/snapshot.jpg?variant=nope", None, 404, "no such variant"),
    ]
    for method, path, body, want, text in cases:
        status, got = http_json(d, method, path, CONTROL, body)
        T.check(status == want and text in got["error"],
                f"{method} {path} {body!r:.40}: {status} {got}")
    status, got = http_json(d, "PUT", "/api/cameras/tp/features/Gain", CONTROL,
                            extra="Transfer-Encoding: chunked\r\n")
    T.check_eq(status, 411, f"chunked PUT: {got}")
    # Snapshots: full size, a variant's, never cached.
    status, headers, jpeg = http(d, "GET", "/api/cameras/tp/snapshot.jpg", VIEW)
    T.check(status == 200 and headers.get("content-type") == "image/jpeg" and
            headers.get("cache-control") == "no-store", f"snapshot: {status} {headers}")
    w, h, _ss, _cs, _px = tj.decode(jpeg)
    T.check_eq((w, h), (320, 240), "snapshot size")
    status, headers, jpeg = http(d, "GET", "/api/cameras/rgb/snapshot.jpg?variant=small",
                                 CONTROL)
    T.check_eq(status, 200, "snapshot of a variant")
    w, h, _ss, _cs, _px = tj.decode(jpeg)
    T.check_eq((w, h), (128, 96), "snapshot size of variant small")
    http_json(d, "PUT", "/api/cameras/tp/features/ExposureTime", CONTROL, '{"value": 10000}')
    T.log("HTTP: GET, PUT and snapshots answer as the protocol says")


def rate_limit_http(d):
    """40 PUTs at once: 20 a second pass, the others get 429."""
    from concurrent.futures import ThreadPoolExecutor
    start = time.monotonic()
    with ThreadPoolExecutor(40) as pool:
        codes = list(pool.map(lambda _i: http_json(
            d, "PUT", "/api/cameras/tp/features/Gain", CONTROL, '{"value": 0}')[0],
            range(40)))
    # A burst of 20, then 20 a second: what got through is bounded by the
    # time they took, however slow this machine is.
    passed = len(codes) - codes.count(429)
    allowed = 20 + 20 * (time.monotonic() - start) + 1
    T.check(429 in codes and 200 in codes and passed <= allowed and
            set(codes) <= {200, 409, 429}, f"40 PUTs at once ({allowed:.0f} allowed): "
                                           f"{sorted(codes)}")
    T.log(f"40 PUTs at once: {codes.count(200)} applied, {codes.count(409)} replaced by "
          f"a newer one, {codes.count(429)} refused by the rate limit")


def put_applied(d, path, body, tries=10):
    """PUT, honouring 429's Retry-After (the rate limit is shared by all
    HTTP clients)."""
    for _ in range(tries):
        status, headers, payload = http(d, "PUT", path, CONTROL, body)
        if status != 429:
            return status, json.loads(payload)
        time.sleep(int(headers.get("retry-after", "1")))
    T.fail(f"PUT {path}: still 429 after {tries} tries")


def cli(binary, d, tokens_dir):
    status, _b = put_applied(d, "/api/cameras/tp/features/ExposureTime", '{"value": 5000}')
    T.check_eq(status, 200, "PUT ExposureTime 5000")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "tuned.ini")
        rc, _o, err = T.run_cli(binary, ["--config", d.config_path, "--listen",
                                         f"{T.HOST}:{d.port}", "--save-config", out],
                                timeout=20)
        T.check_eq(rc, 0, f"--save-config ({err!r})")
        text = open(out).read()
        T.check("exposure_us = 5000" in text, f"--save-config wrote:\n{text}")
        rc, _o, err = T.run_cli(binary, ["--check-config", out], timeout=20)
        T.check_eq(rc, 0, f"--check-config of the saved config ({err!r})")
    rc, out, err = T.run_cli(binary, ["--config", d.config_path, "--list-features", "tp"],
                             timeout=20)
    T.check_eq(rc, 0, f"--list-features tp ({err!r})")
    T.check(re.search(r"^ExposureTime\s+float\s+10000\s+yes\s+10\.\.1000000 us$", out, re.M),
            f"--list-features tp:\n{out}")
    rc, out, err = T.run_cli(binary, ["--config", d.config_path, "--list-features", "nope"])
    T.check(rc == 2 and "no [camera nope]" in err, f"--list-features nope: {rc} {err!r}")
    T.log("--save-config wrote the live exposure; --list-features prints the table")


async def reload_token(d, tokens_dir):
    async with ControlClient(d, CONTROL) as old:
        write_token(tokens_dir, "control.token", CONTROL2)
        n = d.line_count()
        d.send_signal(signal.SIGHUP)
        T.check(d.wait_for_line(r"SIGHUP: reloaded", 10, n) is not None, "no reload line")
        err = await old.error_for({"type": "set", "camera": "tp", "feature": "Gain",
                                   "value": 1})
        T.check("needs the operator right" in err["message"], f"old token after HUP: {err}")
    async with ControlClient(d, CONTROL2) as new:
        await new.request({"type": "set", "camera": "tp", "feature": "Gain", "value": 1},
                          feature_msg("Gain"), "Gain set with the new token")
    T.check(not d.lines_matching(CONTROL) and not d.lines_matching(CONTROL2),
            "a control token was logged")
    T.log("SIGHUP: the rotated control token grants the right, the old one no more")


def test_pattern(binary):
    tj = T.TurboJPEG()
    tokens = make_tokens()
    with T.Daemon(binary, config(tokens, CAMS)) as d:
        # Nobody watches yet: a snapshot is encoded on demand.
        status, _h, jpeg = http(d, "GET", "/api/cameras/tp/snapshot.jpg", VIEW)
        T.check(status == 200 and tj.decode(jpeg)[:2] == (320, 240),
                f"snapshot with nobody watching: {status}")
        asyncio.run(rights(d))
        asyncio.run(brightness(d, tj))
        asyncio.run(bad_input(d))
        asyncio.run(levels(d))
        http_checks(d, tj)
        rate_limit_http(d)
        cli(binary, d, tokens)
        asyncio.run(reload_token(d, tokens))
        T.check_eq(d.stop(signal.SIGTERM), 0, "exit status")


# ---------------------------------------------------------------------------
# Aravis' in-process Fake


FAKE_CAMS = [("fake", T.aravis_camera("Fake_1", width=320, height=240,
                                      pixel_format="Mono8", grab_fps=30))]


async def fake(d, tj):
    async with ControlClient(d, CONTROL, n_cameras=1) as op:
        f = await op.request({"type": "features", "camera": "fake"},
                             lambda m: m["type"] == "features", "features")
        got = {x["name"]: x for x in f["features"]}
        for name, kind in [("ExposureTimeAbs", "float"), ("GainRaw", "int"),
                           ("GainAuto", "enum"), ("AcquisitionFrameRate", "float"),
                           ("TriggerMode", "enum"), ("TriggerSource", "enum"),
                           ("TriggerSoftware", "command")]:
            T.check(name in got and got[name]["kind"] == kind,
                    f"Fake feature {name}: {got.get(name)}")
        T.check_eq((got["GainRaw"]["min"], got["GainRaw"]["max"], got["GainRaw"]["value"]),
                   (0, 10, 0), "GainRaw range and value")
        T.check_eq(got["GainAuto"]["entries"], ["Off", "Once", "Continuous"], "GainAuto")
        T.check_eq(got["ExposureTimeAbs"]["unit"], "us", "ExposureTimeAbs unit")
        T.log(f"Fake: {len(got)} features: {', '.join(sorted(got))}")

        first = await op.wait_entry(lambda e: True, what="a Fake entry")
        before = mean(tj, first)
        # The Fake's pixels: ramp * (1 + GainRaw + log10(exposure / 10 ms)).
        for feature, value, low, high in [("GainRaw", 1, 1.35, 1.65),
                                          ("ExposureTimeAbs", 5000, 0.55, 0.8)]:
            start = len(op.bundles)
            await op.request({"type": "set", "camera": "fake", "feature": feature,
                              "value": value},
                             lambda m: feature_msg(feature, "fake")(m) and m["value"] == value,
                             f"{feature} = {value} read back")
            e = await op.wait_entry(lambda e: low < mean(tj, e) / before < high, start=start,
                                    what=f"a Fake frame at {feature} {value}")
            T.log(f"Fake {feature} {value}: mean {before:.1f} -> {mean(tj, e):.1f}")
            await op.request({"type": "set", "camera": "fake", "feature": feature,
                              "value": 0 if feature == "GainRaw" else 10000},
                             feature_msg(feature, "fake"), "reset")

        # GainAuto Continuous locks GainRaw; Off unlocks it.
        n0 = len(op.texts)
        await op.send({"type": "set", "camera": "fake", "feature": "GainAuto",
                       "value": "Continuous"})
        locked = await op.wait_text(lambda m: feature_msg("GainRaw", "fake")(m) and
                                    m["writable"] is False, start=n0,
                                    what="GainRaw announced locked")
        T.check("GainAuto is Continuous" in locked.get("why", ""), f"{locked}")
        err = await op.error_for({"type": "set", "camera": "fake", "feature": "GainRaw",
                                  "value": 2})
        T.check("GainRaw cannot be set now: locked while GainAuto is Continuous" in
                err["message"] and err["feature"] == "GainRaw", f"locked: {err}")
        n0 = len(op.texts)
        await op.send({"type": "set", "camera": "fake", "feature": "GainAuto", "value": "Off"})
        await op.wait_text(lambda m: feature_msg("GainRaw", "fake")(m) and m["writable"],
                           start=n0, what="GainRaw writable again")
        for msg, want in [
            ({"feature": "GainRaw", "value": 11}, "GainRaw = 11 is out of range (0..10)"),
            ({"feature": "GainRaw", "value": 1.5}, "takes an integer"),
            ({"feature": "GainAuto", "value": "Sometimes"},
             'GainAuto has no entry "Sometimes" (it has: Off, Once, Continuous)'),
            ({"feature": "TriggerSoftware", "value": 5}, 'TriggerSoftware takes "execute"'),
            ({"feature": "TriggerSoftware", "value": "now"}, 'its value is "execute"'),
            ({"feature": "ExposureTimeAbs", "value": "abc"}, "takes a number"),
        ]:
            err = await op.error_for(dict(type="set", camera="fake", **msg))
            T.check(want in err["message"], f"{msg}: expected {want!r}, got {err}")
        T.log("Fake: GainAuto Continuous locks GainRaw; refusals give the range or entries")


def test_fake(binary):
    tj = T.TurboJPEG()
    tokens = make_tokens()
    text = config(tokens, FAKE_CAMS, aravis_fake="true")
    with T.Daemon(binary, text) as d:
        asyncio.run(fake(d, tj))
        rc, out, err = T.run_cli(binary, ["--config", d.config_path, "--list-features",
                                          "fake"], timeout=30)
        # The daemon holds the Fake open too; the in-process Fake is the
        # tool's own.
        T.check_eq(rc, 0, f"--list-features fake ({err!r})")
        T.check(re.search(r"^GainAuto\s+enum\s+Off\s+yes\s+Off, Once, Continuous$", out, re.M)
                and re.search(r"^TriggerSoftware\s+command\s+-\s+yes", out, re.M),
                f"--list-features fake:\n{out}")
        T.check_eq(d.stop(signal.SIGTERM), 0, "exit status")


def main(binary):
    test_pattern(binary)
    test_fake(binary)


if __name__ == "__main__":
    T.run_main(main)
