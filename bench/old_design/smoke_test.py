"""Smoke test of the old design's replica (bench/old_design/): camcastd on a
tiny config, camcast-oldproducer, bridge.py and two camcast-bench e2e
clients for ~2 s, with each fan-out of the bridge; checked for structure
(the clients got bundles, the bridge relayed what the producer wrote),
never for speed.

    /usr/bin/python3 bench/old_design/smoke_test.py CAMCAST_BENCH CAMCAST_OLDPRODUCER CAMCASTD
"""

import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import olddesign  # noqa: E402

CONFIG = """[server]
listen = 127.0.0.1
port = 0
stream_fps = 30
encoder_workers = 2

[camera a]
source = testpattern
width = 320
height = 240
pixel_format = Mono8
grab_fps = 200
pattern = scroll

[camera b]
source = testpattern
width = 320
height = 240
pixel_format = RGB8
grab_fps = 200
pattern = bars
"""


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def e2e(bench, od):
    args = [bench, "e2e", "--url", od.url, "--pid", str(od.bridge.pid), "--clients", "2",
            "--seconds", "2", "--warmup", "0.5", "--label", "old-smoke", "--json"]
    print("+", " ".join(args), flush=True)
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        fail("camcast-bench e2e: no result within 60 s")
    sys.stderr.write(p.stderr)
    check(p.returncode == 0, f"camcast-bench e2e: exit status {p.returncode}")
    try:
        return json.loads(p.stdout)
    except ValueError as e:
        fail(f"output is not JSON ({e}):\n{p.stdout}")


def smoke(bench, producer, daemon, cfg, fanout):
    print(f"-- fan-out {fanout}", flush=True)
    try:
        with olddesign.OldDesign(daemon, producer, cfg, fanout=fanout) as od:
            out = e2e(bench, od)
            od.check_alive()
    except olddesign.OldDesignError as e:
        fail(str(e))
    ps, bs = od.producer_stats, od.bridge_stats
    print("producer:", json.dumps(ps), "\nbridge:", json.dumps(bs), flush=True)
    # The clients: the hello, then bundles that parse, from the bridge.
    c = out["clients"]
    check(c["count"] == 2 and c["open_at_end"] == 2, f"clients: {c}")
    check(c["malformed"] == 0, f"malformed bundles: {c['malformed']}")
    check(c["bundles_per_s"]["min"] > 0, f"a client got no bundles: {c}")
    check(len(out["cameras"]) == 2, "two cameras in the hello")
    check(all(cam["stream_fps"] > 0 for cam in out["cameras"]), f"{out['cameras']}")
    q = out["latency_ms"]["mux_to_receive"]
    check(0 <= q["p50"] <= q["p99"] <= q["max"], f"mux_to_receive: {q}")
    check(out["latency_ms"]["negative"] == 0, "latencies below zero")
    check(out["daemon"]["observed"], "the bridge's /proc figures")
    # Each process ended cleanly and said what it did.
    check(od.producer_status == 0 and ps, f"producer: status {od.producer_status}, {ps}")
    check(od.bridge_status == 0 and bs, f"bridge: status {od.bridge_status}, {bs}")
    check(od.daemon_status == 0, f"camcastd: status {od.daemon_status}")
    check(ps["hello_sent"] and ps["records"] == ps["bundles"] + 1, f"producer: {ps}")
    check(ps["bundles"] > 0 and ps["malformed"] == 0, f"producer: {ps}")
    check(ps["bundles"] + ps["skipped_here"] <= ps["received"], f"producer: {ps}")
    # The bridge read every record the producer wrote, to the end.
    check(bs["producers"] == 1 and bs["producer_ends"] == ["eof"], f"bridge: {bs}")
    check(bs["records"] == ps["records"], f"records: bridge {bs['records']}, "
          f"producer {ps['records']}")
    check(bs["bundles"] == ps["bundles"] and bs["bytes"] == ps["bytes"],
          f"bundles: bridge {bs['bundles']} ({bs['bytes']} B), producer "
          f"{ps['bundles']} ({ps['bytes']} B)")
    check(bs["fanout"] == fanout and bs["clients_served"] >= 2, f"bridge: {bs}")
    # ... and relayed them: at least what the clients counted in the window.
    check(bs["sends"] >= c["bundles_received"] > 0, f"bridge sends {bs['sends']}, "
          f"a client received {c['bundles_received']}")
    check(bs["sends"] <= 2 * bs["bundles"], f"bridge: {bs}")


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    bench, producer, daemon = sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        cfg = os.path.join(tmp, "smoke.ini")
        with open(cfg, "w") as f:
            f.write(CONFIG)
        for fanout in ("send", "broadcast"):
            smoke(bench, producer, daemon, cfg, fanout)
    print("PASS")


main()
