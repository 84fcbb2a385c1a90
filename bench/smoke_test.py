"""Smoke test of camcast-bench: a real run with a tiny budget, its JSON
checked for structure and sanity (never for speed). The e2e mode also runs
client groups (--group) against a config with a variant: one on the
variant at a lower rate, one reading at half rate.

    /usr/bin/python3 bench/smoke_test.py encode|ring|levels|control|paced|frames|e2e CAMCAST_BENCH CAMCAST_MICROBENCH CAMCASTD
"""

import json
import os
import subprocess
import sys
import tempfile

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


# The same cameras with a variant half as wide (320 -> 160).
VARIANT = "\n[variant preview]\nmax_width = 160\nquality = 70\n"


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def run(args, timeout=90):
    print("+", " ".join(args), flush=True)
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        fail(f"no result within {timeout} s")
    sys.stderr.write(p.stderr)
    check(p.returncode == 0, f"exit status {p.returncode}")
    try:
        return json.loads(p.stdout)
    except ValueError as e:
        fail(f"output is not JSON ({e}):\n{p.stdout}")


def smoke_encode(micro):
    out = run([micro, "encode", "--frames", "4", "--threads", "2", "--json"])
    rows = out["results"]
    check(len(rows) == 10, f"10 results (5 formats x 1 and 2 threads), got {len(rows)}")
    for r in rows:
        check(r["frames"] >= 4, f"{r['format']}: frames {r['frames']}")
        check(r["fps"] > 0 and r["jpeg_kb"] > 0, f"{r['format']}: {r}")
        check(r["threads"] in (1, 2), f"threads {r['threads']}")
    # A bigger frame is a bigger JPEG: the encoder really ran on the frames.
    big = [r for r in rows if r["width"] == 1920 and r["format"].endswith("RGB8")][0]
    small = [r for r in rows if r["width"] == 640][0]
    check(big["jpeg_kb"] > small["jpeg_kb"], "1920x1200 JPEG larger than 640x480")
    # The preview variant (1/3): a smaller JPEG of the same frames.
    third = [r for r in rows if r.get("scale") == 3 and r["format"].endswith("RGB8 1/3")][0]
    check(third["jpeg_kb"] < big["jpeg_kb"] / 3, f"1/3 JPEG smaller: {third}")


def smoke_levels(micro):
    out = run([micro, "levels", "--frames", "2", "--json"])
    rows = out["results"]
    check(len(rows) == 4, f"4 frame shapes, got {len(rows)}")
    for r in rows:
        # Counting levels is worker time of its own, part of the job's.
        check(0 < r["levels_ms"] < r["encode_with_levels_ms"], f"{r['format']}: {r}")
        check(r["levels_share"] > 0, f"{r['format']}: share {r['levels_share']}")


def smoke_control(daemon):
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "control_bench.py")
    out = run(["/usr/bin/python3", script, "--daemon", daemon, "--sets", "3", "--json"])
    for source in ("testpattern", "fake"):
        for what in ("set_to_frame", "set_to_readback"):
            s = out[source][what]
            check(s["n"] == 3 and 0 < s["p50_ms"] <= s["max_ms"], f"{source} {what}: {s}")
        lo, hi = sorted(out[source]["means"])
        check(hi > lo * 1.2, f"{source}: the two brightnesses differ: {out[source]['means']}")


def smoke_ring(micro):
    out = run([micro, "ring", "--items", "20000", "--pace-ns", "1000", "--json"])
    for key in ("flood", "paced"):
        r = out[key]
        check(r["published"] == 20000, f"{key}: published {r['published']}")
        check(0 < r["taken"] <= r["published"], f"{key}: taken {r['taken']}")
        # Every published frame is either taken or skipped unread.
        check(r["taken"] + r["skipped"] == r["published"],
              f"{key}: taken + skipped != published: {r}")
        check(r["latency_ns"]["p50"] <= r["latency_ns"]["max"], f"{key}: latency {r}")


def paced_phase(name, ph, cameras, strips, ticks):
    check(ph["ticks"] == ticks and ph["frames"] == ticks * cameras, f"{name}: {ph}")
    s = ph["strips"]
    check(s["busy"] + s["polled"] + s["woken"] == ph["frames"] * strips,
          f"{name}: strips {s} for {ph['frames']} frames of {strips}")
    check(s["first_woken_on_submit_cpu"] <= s["first_woken"], f"{name}: {s}")
    check(ph["cpu_ms_per_frame"] > 0 and ph["strip_ms_per_frame"] > 0, f"{name}: {ph}")
    # Painted frames: the workers paint them, and that is part of their time.
    check(0 < ph["paint_ms_per_frame"] <= ph["strip_ms_per_frame"], f"{name}: {ph}")
    for key in ("tick_ms", "wake_us", "first_strip_us"):
        q = ph[key]
        check(0 <= q["p50"] <= q["p90"] <= q["p99"] <= q["max"] * 1.01, f"{name} {key}: {q}")
    # The tick ends after its first strip starts.
    check(ph["tick_ms"]["max"] * 1e3 >= ph["first_strip_us"]["p50"], f"{name}: {ph}")
    pf = ph["per_frame"]
    for key in ("voluntary_switches", "involuntary_switches", "migrations", "sleeps",
                "empty_wakes", "polls", "poll_hits", "poll_ms"):
        check(pf[key] >= 0, f"{name} per frame {key}: {pf}")
    check(pf["poll_hits"] <= pf["polls"], f"{name}: {pf}")
    hw = [pf[k] for k in ("cycles", "instructions", "cache_misses")]
    check(all(v is None for v in hw) or all(v >= 0 for v in hw), f"{name}: {pf}")


def smoke_paced(micro):
    with tempfile.TemporaryDirectory() as tmp:
        cfg = os.path.join(tmp, "smoke.ini")
        with open(cfg, "w") as f:
            f.write(CONFIG)
        out = run([micro, "paced", "--config", cfg, "--ticks", "8", "--json"])
        check(out["cameras"] == 2 and out["workers"] == 2 and out["fps"] == 30, f"{out}")
        # Two cameras on two workers: not split (as the mux).
        check(out["strips"] == 1, f"strips {out['strips']}")
        check(out["grab_fps"] == 200, f"grab_fps {out['grab_fps']}")
        for name in ("busy", "paced"):
            paced_phase(name, out["phases"][name], 2, 1, 8)
        check(out["paced_vs_busy_cpu"] is None or out["paced_vs_busy_cpu"] > 0, f"{out}")
        check(out["hw_counters"] == "ok" or "perf_event_open" in out["hw_counters"], f"{out}")
        # Every switch, the CPUs kept awake, caches swept; paced alone.
        out = run([micro, "paced", "--config", cfg, "--ticks", "6", "--phase", "paced",
                   "--fps", "60", "--strips", "2", "--spin-us", "50", "--prewake-us", "100",
                   "--pin", "--unbatched", "--keep-awake", "--evict-kb", "64", "--json"])
        t = out["tuning"]
        check(t == {"spin_us": 50, "prewake_us": 100, "pin": True, "batched": False,
                    "keep_awake": True, "evict_kb": 64}, f"tuning {t}")
        check(list(out["phases"]) == ["paced"] and out["strips"] == 2, f"{out}")
        paced_phase("tuned", out["phases"]["paced"], 2, 2, 6)
        check(out["phases"]["paced"]["per_frame"]["polls"] > 0, f"spin: no polls {out}")
        # The daemon's variables are read, and checked, the same way.
        env = dict(os.environ, CAMCAST_ENCODER_STRIPS="2")
        print("+ CAMCAST_ENCODER_STRIPS=2 camcast-microbench paced ...", flush=True)
        p = subprocess.run([micro, "paced", "--config", cfg, "--ticks", "2", "--phase",
                            "busy", "--json"], env=env, capture_output=True, text=True,
                           timeout=60)
        check(p.returncode == 0 and json.loads(p.stdout)["strips"] == 2, p.stdout + p.stderr)
        env = dict(os.environ, CAMCAST_ENCODER_SPIN_US="soon")
        p = subprocess.run([micro, "paced", "--config", cfg, "--ticks", "2"], env=env,
                           capture_output=True, text=True, timeout=60)
        check(p.returncode == 2 and "CAMCAST_ENCODER_SPIN_US" in p.stderr,
              f"bad variable: {p.returncode} {p.stderr}")


def smoke_frames(micro):
    with tempfile.TemporaryDirectory() as tmp:
        cfg = os.path.join(tmp, "smoke.ini")
        with open(cfg, "w") as f:
            f.write(CONFIG)
        out = run([micro, "frames", "--config", cfg, "--out", tmp, "--count", "3"])
        check(out["count"] == 3 and len(out["cameras"]) == 2, f"{out}")
        for cam in out["cameras"]:
            px = cam["width"] * cam["height"] * (1 if cam["format"] == "GRAY8" else 3)
            for n in range(3):
                check(os.path.getsize(cam["raw"] % n) == px, f"{cam['raw'] % n}")
                check(os.path.getsize(cam["jpeg"] % n) > 0, f"{cam['jpeg'] % n}")
        # A directory that is not there: an error, not a crash.
        print("+ camcast-microbench frames --out /nonexistent", flush=True)
        p = subprocess.run([micro, "frames", "--config", cfg, "--out",
                            os.path.join(tmp, "none", "here")], capture_output=True,
                           text=True, timeout=60)
        check(p.returncode == 1 and "No such file" in p.stderr, f"{p.returncode} {p.stderr}")


def smoke_e2e(bench, micro, daemon):
    with tempfile.TemporaryDirectory() as tmp:
        cfg = os.path.join(tmp, "smoke.ini")
        with open(cfg, "w") as f:
            f.write(CONFIG)
        ref = run([micro, "reference", "--config", cfg, "--seconds", "0.2", "--json"])
        check(len(ref["cameras"]) == 2 and ref["exact"], f"reference: {ref}")
        check(all(c["cpu_ms_per_frame"] > 0 for c in ref["cameras"]), f"reference: {ref}")
        ref_path = os.path.join(tmp, "ref.json")
        with open(ref_path, "w") as f:
            json.dump(ref, f)
        out = run([bench, "e2e", "--daemon", daemon, "--config", cfg, "--clients", "2",
                   "--seconds", "2", "--warmup", "0.5", "--reference", ref_path,
                   "--label", "smoke", "--json"])
        smoke_groups(bench, daemon, tmp, ref_path)
    c = out["clients"]
    check(out["scenario"] == "smoke", "label")
    check(c["count"] == 2 and c["open_at_end"] == 2, f"clients: {c}")
    check(c["malformed"] == 0, f"malformed bundles: {c['malformed']}")
    check(c["bundles_per_s"]["min"] > 0, f"a client got no bundles: {c}")
    check(c["bundles_received"] > 0, "no bundles")
    check(len(out["cameras"]) == 2, "two cameras")
    for cam in out["cameras"]:
        check(cam["stream_fps"] > 0, f"camera {cam['name']} streamed nothing")
        # Every frame id is streamed or counted in dropped, unless the server
        # skipped bundles for the client the figures come from.
        if c["seq_gaps"] == 0:
            check(cam["lost"] == 0, f"camera {cam['name']}: frame ids lost {cam['lost']}")
    lat = out["latency_ms"]
    for key in ("capture_to_receive", "mux_to_receive"):
        q = lat[key]
        check(0 <= q["p50"] <= q["p90"] <= q["p99"] <= q["max"], f"{key}: {q}")
    # A frame is captured before its bundle is muxed.
    check(lat["capture_to_receive"]["p50"] >= lat["mux_to_receive"]["p50"], f"{lat}")
    check(lat["negative"] == 0, "latencies below zero")
    d = out["daemon"]
    check(d["observed"] and d["cpu_percent"] > 0, f"daemon: {d}")
    check(d["exited"] and d["exit_status"] == 0 and d["term_signal"] == 0,
          f"daemon exit: {d}")
    check(out["encode"]["available"] and out["encode"]["frames"] > 0,
          f"encode: {out['encode']}")
    check(out["groups"][0]["plain"] and len(out["groups"]) == 1, f"groups: {out['groups']}")
    check(out["variants"] == [], "no /stats figures without variants")


def group(out, spec):
    found = [g for g in out["groups"] if g["spec"] == spec]
    check(len(found) == 1, f"group {spec}: {out['groups']}")
    return found[0]


def smoke_groups(bench, daemon, tmp, ref_path):
    """Groups: the subscription reaches the server (entries of the variant's
    size, at most max_fps), a read-rate reader is held back, and the
    variants' encodes come from the daemon's /stats."""
    cfg = os.path.join(tmp, "variant.ini")
    with open(cfg, "w") as f:
        f.write(CONFIG.replace("[camera a]", VARIANT.lstrip() + "\n[camera a]"))
    preview, slow = "2:variant=preview:max_fps=10", "1:read_rate=0.5"
    out = run([bench, "e2e", "--daemon", daemon, "--config", cfg, "--clients", "1",
               "--group", preview, "--group", slow, "--seconds", "2", "--warmup", "0.5",
               "--reference", ref_path, "--label", "smoke-groups", "--json"])
    check(out["clients"]["count"] == 1, f"plain clients: {out['clients']}")
    check([g["spec"] for g in out["groups"]] == ["plain", preview, slow],
          f"groups: {out['groups']}")
    for g in out["groups"]:
        check(g["open_at_end"] == g["count"], f"{g['spec']}: open at end {g}")
        check(g["malformed"] == 0 and g["subscribe_errors"] == 0, f"{g['spec']}: {g}")
        check(g["bundles_per_s"]["min"] > 0, f"{g['spec']}: no bundles {g}")
        q = g["latency_ms"]["mux_to_receive"]
        check(0 <= q["p50"] <= q["p99"] <= q["max"], f"{g['spec']}: {q}")
    p = group(out, preview)
    check(p["variant"] == "preview" and p["max_fps"] == 10, f"preview group: {p}")
    check(p["entry_sizes"] == [{"width": 160, "height": 120}],
          f"preview entries: {p['entry_sizes']}")
    # max_fps 10 of 30: the server sends every third tick, never closer.
    check(p["bundles_per_s"]["expected"] == 10 and p["seq_step_min"] >= 3,
          f"preview group above max_fps (bundle_seq steps of {p['seq_step_min']}): {p}")
    full = out["groups"][0]
    check(full["entry_sizes"] == [{"width": 320, "height": 240}], f"plain: {full}")
    s = group(out, slow)
    check(s["read_rate_mb_per_s"] > 0, f"read-rate group: {s}")
    # Held to half its bytes/s: the server skips it (bundle_seq gaps).
    check(s["seq_gaps"] > 0, f"read-rate group not held back: {s}")
    names = [v["name"] for v in out["variants"]]
    check(names == ["full", "preview"], f"variants from /stats: {out['variants']}")
    for v in out["variants"]:
        check(v["encoded"] > 0 and v["encode_ms_mean"] > 0, f"variant {v}")
    check(0 < out["variants"][1]["cost_vs_full"], f"variants: {out['variants']}")
    e = out["encode"]
    check(e["available"] and e["frames_from_stats"], f"encode: {e}")
    d = out["daemon"]
    check(d["exited"] and d["exit_status"] == 0, f"daemon exit: {d}")
    # A variant the server does not offer: refused before measuring.
    print("+ camcast-bench e2e ... --group 1:variant=nope", flush=True)
    p = subprocess.run([bench, "e2e", "--daemon", daemon, "--config", cfg,
                        "--group", "1:variant=nope", "--seconds", "1", "--json"],
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 1 and "no variant 'nope'" in p.stderr,
          f"unknown variant: status {p.returncode}, {p.stderr}")


def main():
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    mode, bench, micro, daemon = sys.argv[1:]
    if mode == "encode":
        smoke_encode(micro)
    elif mode == "ring":
        smoke_ring(micro)
    elif mode == "levels":
        smoke_levels(micro)
    elif mode == "control":
        smoke_control(daemon)
    elif mode == "paced":
        smoke_paced(micro)
    elif mode == "frames":
        smoke_frames(micro)
    else:
        smoke_e2e(bench, micro, daemon)
    print("PASS")


main()
