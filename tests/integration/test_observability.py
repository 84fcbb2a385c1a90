"""End-to-end: /stats, /metrics and /healthz on the stream's port.

    /usr/bin/python3 tests/integration/test_observability.py build/src/camcastd

  - /stats is JSON with uptime, per camera (state, grab fps, counters,
    encode times, JPEG bytes) and per client; its figures move between two
    reads, and a connected client shows up with its bundles.
  - /metrics: every line is valid Prometheus text format, every sample's
    family is declared first, counters end in _total, every camera has its
    series, and counters do not go backwards between two scrapes.
  - /healthz: 200 "ok" with every camera online. "degraded" (an optional
    camera missing, with its last error in /stats, /healthz and the hello)
    and the 503 for a required camera lost are checked in
    test_aravis_gige.py: a missing Aravis camera means a GigE discovery,
    which runs in a network namespace of its own.
  - last_grab_age_ms: the age of the last frame grabbed, there before
    anyone watches (last_frame_age_ms, of the last one streamed, is not).
"""

import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABELS = r'\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,|(?=\})))*\}'
SAMPLE_RE = re.compile(rf"^({NAME})({LABELS})? (\S+)$")
HELP_RE = re.compile(rf"^# HELP ({NAME}) .+$")
TYPE_RE = re.compile(rf"^# TYPE ({NAME}) (counter|gauge|summary|histogram|untyped)$")


def get(port, path):
    req = f"GET {path} HTTP/1.1\r\nHost: {T.HOST}\r\n\r\n".encode()
    return T.http_request(port, req, what=f"GET {path}")


def get_json(port):
    status, headers, body, _ = get(port, "/stats")
    T.check_eq(status, 200, "/stats status")
    T.check(headers.get("content-type", "").startswith("application/json"),
            f"/stats content type {headers.get('content-type')!r}")
    T.check_eq(int(headers["content-length"]), len(body), "/stats Content-Length")
    return json.loads(body)


def parse_metrics(text):
    """-> {(name, labels): value}; fails on any line that is not valid."""
    types, samples = {}, {}
    for n, line in enumerate(text.split("\n"), 1):
        if not line:
            continue
        if line.startswith("#"):
            m = TYPE_RE.match(line)
            if m:
                T.check(m.group(1) not in types, f"metrics line {n}: TYPE twice: {line}")
                types[m.group(1)] = m.group(2)
            else:
                T.check(HELP_RE.match(line), f"metrics line {n}: bad comment: {line!r}")
            continue
        m = SAMPLE_RE.match(line)
        T.check(m, f"metrics line {n}: not a sample: {line!r}")
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        T.check(name in types, f"metrics line {n}: {name} has no TYPE before it")
        if types[name] == "counter":
            T.check(name.endswith("_total"), f"metrics line {n}: counter {name} not _total")
        try:
            v = float(value)
        except ValueError:
            T.fail(f"metrics line {n}: value {value!r} is not a number")
        T.check((name, labels) not in samples, f"metrics line {n}: duplicate series")
        samples[(name, labels)] = (v, types[name])
    return samples


def check_stats(port, names):
    # The grab rate is measured over a sample period: wait for the first.
    first = T.poll(lambda: get_json(port),
                   lambda s: all(c["grab_fps"] > 0 for c in s["cameras"]),
                   "a grab rate measured for every camera")
    T.check_eq([c["name"] for c in first["cameras"]], names, "/stats camera names")
    for c in first["cameras"]:
        T.check_eq(c["state"], "online", f"camera {c['name']} state")
        for key in ("grab_fps", "frames_grabbed", "frames_dropped", "frames_encoded",
                    "encode_ms_p50", "encode_ms_p99", "jpeg_bytes"):
            T.check(isinstance(c.get(key), (int, float)), f"{c['name']}: {key} = {c.get(key)!r}")
        # Nobody watches yet: nothing is encoded, nothing streamed; but
        # frames are grabbed.
        T.check_eq(c["frames_encoded"], 0, f"{c['name']}: encoded with no client")
        T.check(c.get("last_frame_age_ms") is None,
                f"{c['name']}: last_frame_age_ms before anything streamed")
        T.check(isinstance(c.get("last_grab_age_ms"), (int, float)) and
                c["last_grab_age_ms"] >= 0,
                f"{c['name']}: last_grab_age_ms of a grabbing camera: {c.get('last_grab_age_ms')!r}")
        T.check(c.get("last_error") is None and c.get("last_error_ns") is None,
                f"{c['name']}: an error on a camera that never had one: {c}")
    T.check_eq(first["clients"], [], "/stats clients before any connects")

    t0 = time.time_ns()
    ws = T.RawWS(port)
    got = 0
    deadline = time.monotonic() + 10
    while got < 10:
        _, op, _ = ws.read_frame(deadline)
        got += op == T.RawWS.OP_BIN
    second = get_json(port)
    t1 = time.time_ns()
    T.check(second["uptime_s"] > first["uptime_s"], "uptime moves")
    T.check(second["bundles_muxed"] > first["bundles_muxed"], "bundles_muxed moves")
    for a, b in zip(first["cameras"], second["cameras"]):
        T.check(b["frames_grabbed"] > a["frames_grabbed"], f"{a['name']}: grabbed moves")
        T.check(b["frames_encoded"] > a["frames_encoded"], f"{a['name']}: encoded moves")
        T.check(b["grab_fps"] > 0, f"{a['name']}: grab fps measured: {b['grab_fps']}")
        T.check(b["encode_ms_p99"] >= b["encode_ms_p50"] > 0, f"{a['name']}: encode times")
        T.check(isinstance(b.get("last_frame_age_ms"), (int, float)),
                f"{a['name']}: last_frame_age_ms once streaming")
        # The grab thread's CPU time moves; the ring holds a tick of frames
        # (200 / 30 + 2 rounded up to a power of two); two cameras on two
        # workers are encoded whole (docs/architecture.md, "Strips").
        T.check(isinstance(b.get("grab_cpu_s"), (int, float)) and
                b["grab_cpu_s"] > a["grab_cpu_s"] > 0,
                f"{a['name']}: grab_cpu_s {a.get('grab_cpu_s')} -> {b.get('grab_cpu_s')}")
        T.check_eq(b.get("ring_slots"), 16, f"{a['name']}: ring_slots")
        T.check_eq(b.get("encode_strips"), 1, f"{a['name']}: encode_strips")
    T.check_eq(len(second["clients"]), 1, "/stats clients with one connected")
    client = second["clients"][0]
    T.check(client["bundles_sent"] >= 10, f"client bundles_sent {client['bundles_sent']}")
    # Viewer addresses only when the config asks for them.
    T.check("address" not in client, f"client address shown by default: {client}")
    T.check_eq(client["cameras"], list(range(len(names))), "client subscription")
    # Nanoseconds since the epoch, to the nanosecond: an integer, not a
    # double that lost its last digits.
    since = client["connected_since_ns"]
    T.check(type(since) is int and t0 <= since <= t1,
            f"connected_since_ns {since!r}: not an integer between {t0} and {t1}")
    for key in ("bundles_sent", "bundles_skipped", "id"):
        T.check(type(client[key]) is int, f"client {key} {client[key]!r} not an integer")
    T.check_eq(second["totals"]["clients"], 1, "totals.clients")
    ws.close()


def check_metrics(port, names):
    status, headers, body, _ = get(port, "/metrics")
    T.check_eq(status, 200, "/metrics status")
    T.check(headers.get("content-type", "").startswith("text/plain; version=0.0.4"),
            f"/metrics content type {headers.get('content-type')!r}")
    first = parse_metrics(body.decode())
    for name in names:
        for family in ("camcast_camera_online", "camcast_camera_frames_grabbed_total",
                       "camcast_camera_frames_encoded_total", "camcast_camera_grab_fps"):
            T.check((family, f'{{camera="{name}"}}') in first, f"{family} for {name}")
        T.check_eq(first[("camcast_camera_online", f'{{camera="{name}"}}')][0], 1.0,
                   f"{name} online")
    grabbed = ("camcast_camera_frames_grabbed_total", f'{{camera="{names[0]}"}}')

    def scrape():
        s = parse_metrics(get(port, "/metrics")[2].decode())
        for key, (v, kind) in first.items():
            if kind == "counter" and key in s:
                T.check(s[key][0] >= v, f"counter {key} went backwards")
        return s

    T.poll(scrape, lambda s: s[grabbed][0] > first[grabbed][0], "frames_grabbed_total moves")


def check_health_ok(port):
    status, _, body, _ = get(port, "/healthz")
    T.check_eq(status, 200, "/healthz with every camera online")
    T.check(body.startswith(b"ok"), f"/healthz body {body!r}")


def check_addresses_exposed(binary):
    """expose_client_addresses = true: /stats and /metrics name each viewer's
    address and port."""
    config = T.make_config({**T.server_section(), "expose_client_addresses": "true"},
                           [("left", T.camera(320, 240, "Mono8", "scroll", grab_fps=60))])
    with T.Daemon(binary, config) as d:
        ws = T.RawWS(d.port)
        deadline = time.monotonic() + 10
        while ws.read_frame(deadline)[1] != T.RawWS.OP_BIN:
            pass
        me = "%s:%d" % ws.sock.getsockname()
        client = get_json(d.port)["clients"][0]
        T.check_eq(client.get("address"), me, "client address with expose_client_addresses")
        metrics = parse_metrics(get(d.port, "/metrics")[2].decode())
        T.check(any(name == "camcast_client_bundles_sent_total" and f'address="{me}"' in labels
                    for name, labels in metrics), "address label in /metrics")
        ws.close()
        T.check_eq(d.stop(), 0, "exit status")


def main(binary):
    names = ["left", "right"]
    config = T.make_config(T.server_section(), [
        ("left", T.camera(320, 240, "Mono8", "scroll", grab_fps=200)),
        ("right", T.camera(320, 240, "RGB8", "bars", grab_fps=200)),
    ])
    with T.Daemon(binary, config) as d:
        check_stats(d.port, names)
        check_metrics(d.port, names)
        check_health_ok(d.port)
        status, _, _, _ = get(d.port, "/nothing-here")
        T.check_eq(status, 404, "unknown path")
        T.check_eq(d.stop(), 0, "exit status")
    check_addresses_exposed(binary)


if __name__ == "__main__":
    T.run_main(main)
