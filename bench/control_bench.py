#!/usr/bin/python3
"""Camera control latency (docs/control.md): the time from a `set` sent by
a client to the first streamed frame that shows it, and to the `feature`
message that reads it back.

    bench/control_bench.py --daemon build-bench-release/src/camcastd
                           [--sets 50] [--source testpattern|fake|both]
                           [--stream-fps 30] [--json]

For each source it starts camcastd on one 640x480 Mono8 camera with a
control token (the test pattern at 120 fps, or Aravis' in-process Fake at
100 fps), connects one WebSocket client with that token, and sets a
brightness feature back and forth between two values (the test pattern's
ExposureTime 10000/2500 us, the Fake's GainRaw 0/1), each set after a
random pause of up to one tick so that sets do not lock to the tick. A
frame shows a set when its decoded mean is past the middle of the two
brightnesses; the time is taken when the bundle arrives, before it is
decoded. p50, p99 and max over the sets; loopback only (a real network
adds its round trip twice: the set out, the frame back).

What the time holds: the set's way to the camera's grab thread (its next
grab: up to a frame period), the frame's wait for the next tick (up to a
tick), the encode, the bundle's way to the client.
"""

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import cc_testlib as T  # noqa: E402

TOKEN = "bench-operator-token-0123456789"
SOURCES = {
    "testpattern": {
        "camera": T.camera(640, 480, "Mono8", "scroll", grab_fps=120),
        "feature": "ExposureTime", "values": (10000, 2500), "server": {},
    },
    "fake": {
        "camera": T.aravis_camera("Fake_1", width=640, height=480, pixel_format="Mono8",
                                  grab_fps=100),
        "feature": "GainRaw", "values": (0, 1), "server": {"aravis_fake": "true"},
    },
}


def percentile(xs, p):
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def summary(xs):
    return {"p50_ms": percentile(xs, 50), "p99_ms": percentile(xs, 99), "max_ms": max(xs),
            "mean_ms": statistics.mean(xs), "n": len(xs)}


async def recv(ws, timeout=10):
    return await asyncio.wait_for(ws.recv(), timeout)


async def mean_of_next(ws, tj):
    while True:
        m = await recv(ws)
        if isinstance(m, bytes):
            b = T.parse_bundle(m, 1)
            if b.entries:
                _w, _h, _ss, _cs, px = tj.decode(b.entries[0].payload, want_pixels=True)
                return sum(px) / len(px)


async def measure(d, src, n_sets, stream_fps):
    tj = T.TurboJPEG()
    feature, values = src["feature"], src["values"]
    async with T.ws_connect(d.uri(f"/stream?token={TOKEN}")) as ws:
        await recv(ws)  # hello
        means = []
        for v in values:  # the two brightnesses, settled
            await ws.send(json.dumps({"type": "set", "camera": "cam", "feature": feature,
                                      "value": v}))
            for _ in range(int(stream_fps)):  # a second of frames
                last = await mean_of_next(ws, tj)
            means.append(last)
        middle = (means[0] + means[1]) / 2
        bright_first = means[0] > means[1]
        to_frame, to_readback = [], []
        current = 1
        for i in range(n_sets):
            await asyncio.sleep(random.uniform(0, 1 / stream_fps))
            current ^= 1
            want_bright = (current == 0) == bright_first
            t0 = time.monotonic()
            await ws.send(json.dumps({"type": "set", "camera": "cam", "feature": feature,
                                      "value": values[current]}))
            readback = None
            while True:
                m = await recv(ws)
                now = time.monotonic()
                if isinstance(m, str):
                    msg = json.loads(m)
                    if msg.get("type") == "feature" and readback is None:
                        readback = now - t0
                    elif msg.get("type") == "error":
                        raise RuntimeError(f"set refused: {msg}")
                    continue
                b = T.parse_bundle(m, 1)
                if not b.entries:
                    continue
                _w, _h, _ss, _cs, px = tj.decode(b.entries[0].payload, want_pixels=True)
                if (sum(px) / len(px) > middle) == want_bright:
                    to_frame.append((now - t0) * 1e3)
                    break
            if readback is not None:
                to_readback.append(readback * 1e3)
        return {"set_to_frame": summary(to_frame),
                "set_to_readback": summary(to_readback) if to_readback else None,
                "means": means}


def run_source(daemon, name, n_sets, stream_fps):
    src = SOURCES[name]
    tmp = tempfile.mkdtemp(prefix="camcast-ctlbench-")
    token = os.path.join(tmp, "control.token")
    with open(token, "w") as f:
        f.write(TOKEN + "\n")
    os.chmod(token, 0o600)
    server = T.server_section(stream_fps=stream_fps, encoder_workers=2)
    server["control_token_file"] = token
    server.update(src["server"])
    with T.Daemon(daemon, T.make_config(server, [("cam", src["camera"])])) as d:
        return asyncio.run(measure(d, src, n_sets, stream_fps))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--daemon", required=True)
    ap.add_argument("--sets", type=int, default=50)
    ap.add_argument("--source", choices=["testpattern", "fake", "both"], default="both")
    ap.add_argument("--stream-fps", type=float, default=30)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if a.json:  # stdout is the JSON alone
        T.log = lambda msg: print(msg, file=sys.stderr, flush=True)
    names = ["testpattern", "fake"] if a.source == "both" else [a.source]
    results = {n: run_source(os.path.abspath(a.daemon), n, a.sets, a.stream_fps)
               for n in names}
    if a.json:
        print(json.dumps(results, indent=2))
        return
    print(f"control latency, loopback, stream {a.stream_fps:g} fps, {a.sets} sets each")
    print(f"  {'source':<12} {'what':<16} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for n, r in results.items():
        for what in ("set_to_frame", "set_to_readback"):
            s = r[what]
            if s:
                print(f"  {n:<12} {what:<16} {s['p50_ms']:8.1f} {s['p99_ms']:8.1f} "
                      f"{s['max_ms']:8.1f}")


if __name__ == "__main__":
    main()
