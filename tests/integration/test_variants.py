"""End-to-end: variants ([variant NAME], docs/protocol.md 1.1).

    /usr/bin/python3 tests/integration/test_variants.py build/src/camcastd

  - The hello lists "full" then the configured variants, and each camera's
    exact variant sizes.
  - Nobody wants a variant: it is not encoded (/stats and /metrics show 0
    ticks and 0 entries for it while the full stream runs).
  - A client on "preview" gets entries of the variant's size that decode
    (gray from the Mono8 camera, YCbCr from the RGB8 one), with exact
    `dropped`; the full client beside it gets full-size entries.
  - A client on a "yuv" variant (color = yuv) at max_fps 10 gets YCbCr JPEGs
    of the Mono8 camera (what RTSP players need) every third tick, and the
    variant is encoded on about a third of the ticks, not all.
  - When its clients leave or switch back to full, the variant stops being
    encoded.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402

CAMS = [("a", T.camera(640, 480, "Mono8", "scroll", grab_fps=120)),
        ("b", T.camera(320, 240, "RGB8", "bars", grab_fps=90))]
VARIANTS = """
[variant preview]
max_width = 160

[variant yuv]
scale = 1/2
quality = 70
color = yuv
"""
# a: 640/160 = box 4 -> 160x120; b: 320/160 = box 2 -> 160x120.
PREVIEW = {0: (160, 120), 1: (160, 120)}
YUV = {0: (320, 240), 1: (160, 120)}


def stats(port):
    req = f"GET /stats HTTP/1.1\r\nHost: {T.HOST}\r\n\r\n".encode()
    status, _, body, _ = T.http_request(port, req, what="GET /stats")
    T.check_eq(status, 200, "/stats status")
    return json.loads(body)


def variant_stats(port):
    return {v["name"]: v for v in stats(port)["variants"]}


def metrics(port):
    req = f"GET /metrics HTTP/1.1\r\nHost: {T.HOST}\r\n\r\n".encode()
    status, _, body, _ = T.http_request(port, req, what="GET /metrics")
    T.check_eq(status, 200, "/metrics status")
    return body.decode()


def next_message(ws, deadline):
    while True:
        kind, m = ws.recv_message(max(0.1, deadline - time.monotonic()))
        if kind == "binary":
            return T.parse_bundle(m, 2)
        if kind == "text":
            return json.loads(m)


def bundles(ws, n, timeout=T.RECV_TIMEOUT):
    deadline = time.monotonic() + timeout
    out = []
    while len(out) < n:
        b = next_message(ws, deadline)
        T.check(not isinstance(b, dict) or b.get("type") == "hello",
                f"unexpected text message {b}")
        if not isinstance(b, dict):
            out.append(b)
    return out


def wait_sizes(ws, sizes, what):
    """Reads until every entry has the wanted size; returns the next 10."""
    deadline = time.monotonic() + T.RECV_TIMEOUT
    while True:
        T.check(time.monotonic() < deadline, f"{what}: entries never got the variant's size")
        b = next_message(ws, deadline)
        if isinstance(b, dict):
            T.check(b.get("type") != "error", f"{what}: error reply {b}")
            continue
        if b.entries and all((e.width, e.height) == sizes[e.camera_index] for e in b.entries):
            break
    got = bundles(ws, 10)
    for b in got:
        for e in b.entries:
            T.check_eq((e.width, e.height), sizes[e.camera_index],
                       f"{what}: camera {e.camera_index} entry size")
    return got


def check_exact_dropped(bs, what):
    last = {}
    for b in bs:
        for e in b.entries:
            if e.camera_index in last:
                T.check_eq(e.frame_id - last[e.camera_index] - 1, e.dropped,
                           f"{what}: camera {e.camera_index} dropped at seq {b.bundle_seq}")
            last[e.camera_index] = e.frame_id


def check_hello(ws):
    hello = json.loads(ws.hello if hasattr(ws, "hello") else ws.recv_message()[1])
    T.check_eq([v["name"] for v in hello.get("variants", [])], ["full", "preview", "yuv"],
               "hello variants")
    T.check_eq(hello["variants"][1].get("max_width"), 160, "preview max_width")
    T.check_eq(hello["variants"][1].get("quality"), 80, "preview quality (the server's)")
    T.check_eq(hello["variants"][2].get("scale"), 0.5, "yuv scale")
    T.check_eq(hello["variants"][2].get("color"), "yuv", "yuv color")
    for i, cam in enumerate(hello["cameras"]):
        sizes = cam.get("variant_sizes", {})
        T.check_eq((sizes["preview"]["width"], sizes["preview"]["height"]), PREVIEW[i],
                   f"camera {i} preview size in the hello")
        T.check_eq((sizes["yuv"]["width"], sizes["yuv"]["height"]), YUV[i],
                   f"camera {i} yuv size in the hello")


def wait_ticks(port, before, n, what):
    """Polls /stats until the full stream has had n ticks since before."""
    deadline = time.monotonic() + T.RECV_TIMEOUT
    while True:
        after = variant_stats(port)
        if after["full"]["ticks"] - before["full"]["ticks"] >= n:
            return after
        T.check(time.monotonic() < deadline,
                f"{what}: the full stream does not run ({before['full']} -> {after['full']})")
        time.sleep(0.1)


def check_unwanted(port, what):
    """Over 10 ticks of streaming, the variants are not encoded (after 3
    ticks: at most two are in flight, planned before the clients left)."""
    before = wait_ticks(port, variant_stats(port), 3, what)
    after = wait_ticks(port, before, 10, what)
    for name in ("preview", "yuv"):
        T.check_eq(after[name]["encoded"], before[name]["encoded"],
                   f"{what}: {name} entries encoded while nobody wants it")
    return after


def main(binary):
    tj = T.TurboJPEG()
    config = T.make_config(T.server_section(stream_fps=30), CAMS) + VARIANTS
    with T.Daemon(binary, config) as d:
        full = T.RawWS(d.port)
        check_hello(full)
        s = check_unwanted(d.port, "no variant client yet")
        T.check_eq(s["preview"]["ticks"], 0, "preview ticks before anyone wanted it")
        T.check("camcast_variant_encoded_total{variant=\"preview\"} 0" in metrics(d.port),
                "/metrics: preview encoded 0")

        # preview: the variant's size, decoding, gray stays gray.
        prev = T.RawWS(d.port)
        prev.send_text(json.dumps({"type": "subscribe", "variant": "preview"}))
        got = wait_sizes(prev, PREVIEW, "preview")
        check_exact_dropped(got, "preview")
        for b in got[:3]:
            for e in b.entries:
                w, h, ss, cs, _ = tj.decode(e.payload)
                T.check_eq((w, h), PREVIEW[e.camera_index], "preview JPEG size")
                T.check_eq(ss, T.TJSAMP_GRAY if e.camera_index == 0 else T.TJSAMP_420,
                           f"preview camera {e.camera_index} subsampling")
                T.check_eq(bool(e.flags & 1), e.camera_index == 0, "entry gray flag")
        T.log("preview: 160x120 entries decode; gray from Mono8, 4:2:0 from RGB8")
        # The full client beside it is untouched.
        for b in bundles(full, 5):
            for e in b.entries:
                T.check_eq((e.width, e.height), (CAMS[e.camera_index][1]["width"],
                                                 CAMS[e.camera_index][1]["height"]),
                           "full client's entry size")

        # yuv at max_fps 10: YCbCr from Mono8, every third tick, encoded
        # on about a third of the ticks.
        yuv = T.RawWS(d.port)
        yuv.send_text(json.dumps({"type": "subscribe", "variant": "yuv", "max_fps": 10}))
        got = wait_sizes(yuv, YUV, "yuv")
        steps = [b.bundle_seq - a.bundle_seq for a, b in zip(got, got[1:])]
        T.check(all(st == 3 for st in steps), f"yuv at max_fps 10 of 30: steps {steps}")
        check_exact_dropped(got, "yuv at max_fps 10")
        e = got[-1].entries[0]
        w, h, ss, cs, px = tj.decode(e.payload, want_pixels=True)
        T.check_eq((ss, cs), (T.TJSAMP_420, T.TJCS_YCbCr), "yuv JPEG of the Mono8 camera")
        T.check(not (e.flags & 1), "yuv entry is not flagged gray")
        chroma = sum(abs(px[i] - px[i + 1]) + abs(px[i + 2] - px[i + 1])
                     for i in range(0, len(px), 3)) / (w * h)
        T.check(chroma < 2, f"yuv of a gray camera has neutral chroma (mean |R-G|+|B-G| "
                            f"{chroma:.2f})")
        before = variant_stats(d.port)
        after = wait_ticks(d.port, before, 30, "yuv at max_fps 10")
        full_ticks = after["full"]["ticks"] - before["full"]["ticks"]
        yuv_ticks = after["yuv"]["ticks"] - before["yuv"]["ticks"]
        T.check(0 < yuv_ticks <= full_ticks / 2,
                f"yuv encoded on {yuv_ticks} of {full_ticks} ticks (wanted on a third)")
        T.check_eq(after["yuv"]["clients"], 1, "/stats yuv clients")
        T.check_eq(after["preview"]["clients"], 1, "/stats preview clients")
        T.log(f"yuv @ max_fps 10: YCbCr from Mono8, steps of 3, encoded on "
              f"{yuv_ticks}/{full_ticks} ticks")
        ratio = after["preview"]["encode_ms_mean"] / max(after["full"]["encode_ms_mean"], 1e-9)
        T.log(f"encode per entry: full {after['full']['encode_ms_mean']:.2f} ms, preview "
              f"{after['preview']['encode_ms_mean']:.2f} ms ({ratio:.0%}; figures: bench/)")

        # Back to full, and the other one leaves: nothing encodes them.
        prev.send_text(json.dumps({"type": "subscribe", "variant": "full"}))
        wait_sizes(prev, {0: (640, 480), 1: (320, 240)}, "back to full")
        yuv.close()
        deadline = time.monotonic() + T.RECV_TIMEOUT
        while any(variant_stats(d.port)[v]["clients"] for v in ("preview", "yuv")):
            T.check(time.monotonic() < deadline, "/stats: variant clients 10 s after they left")
            time.sleep(0.1)
        check_unwanted(d.port, "after the variant clients left")
        T.log("variants stop being encoded when nobody wants them")
        prev.close()
        full.close()
        T.check_eq(d.stop(), 0, "exit status")
    tj.close()


if __name__ == "__main__":
    T.run_main(main)
