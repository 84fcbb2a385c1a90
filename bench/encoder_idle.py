"""The encoder's idle tax and the GStreamer peer, for bench/run
(docs/performance.md, "The encoder's idle tax" and "Against GStreamer").

measure() runs, on S1's cameras:
- camcast-microbench paced under each tuning of the encoder
  (CAMCAST_ENCODER_*, src/encode/encoder.h) and the diagnostics (no CPU
  idles; caches swept between ticks);
- camcast-bench e2e S1, and S3 at the rate where the default saturated,
  under each tuning (camcastd's environment);
- the GStreamer pipelines of bench/gst_peer/ (paced, saturated, fan-out).
section() turns that, with the run's S2 and S3, into the report's section.

R is bench/run itself (its e2e, wait_quiet, bench_json, report helpers).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gst_peer"))
import gstpeer  # noqa: E402

BEGIN = "<!-- bench/run encoder idle: begin -->"
END = "<!-- bench/run encoder idle: end -->"
ENV_PREFIX = "CAMCAST_ENCODER_"
# (name, camcastd's environment). The first is the default; "as before" is
# the old submit path (camera by camera, each waking the workers).
TUNINGS = [
    ("default", {}),
    ("unbatched (as before)", {"CAMCAST_ENCODER_BATCH": "0"}),
    ("spin 100 us", {"CAMCAST_ENCODER_SPIN_US": "100"}),
    ("prewake 200 us", {"CAMCAST_ENCODER_PREWAKE_US": "200"}),
    ("pinned", {"CAMCAST_ENCODER_PIN": "1"}),
    ("prewake 200 us, pinned", {"CAMCAST_ENCODER_PREWAKE_US": "200",
                                "CAMCAST_ENCODER_PIN": "1"}),
    ("whole frames", {"CAMCAST_ENCODER_STRIPS": "1"}),
    ("4 strips", {"CAMCAST_ENCODER_STRIPS": "4"}),
]
# camcast-microbench paced only: what the idle time itself does.
DIAGNOSTICS = [
    ("no CPU idles", ["--keep-awake"]),
    ("no CPU idles, caches swept", ["--keep-awake", "--evict-kb", "32768"]),
    ("caches swept between ticks", ["--evict-kb", "32768"]),
]
PACED_SHARE = 0.4  # camcast-microbench paced: seconds per phase, of a scenario's
FANOUT_CLIENTS = 100  # as S2


def tuning_env(env):
    """This environment without CAMCAST_ENCODER_*, plus env."""
    out = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    out.update(env)
    return out


def paced(R, micro, config, name, env, seconds, args=()):
    R.wait_quiet(f"paced {name}")
    R.log(f"paced {name}: camcast-microbench paced, {seconds:g} s per phase")
    return R.bench_json([micro, "paced", "--config", config, "--seconds", str(seconds)] +
                        list(args), timeout=300, env=tuning_env(env))


def gst_peer(R, micro, config, seconds):
    why = gstpeer.missing()
    if why:
        R.log(f"GStreamer peer skipped: {why}")
        return {"skipped": why}
    out = {}
    with gstpeer.frames_dir() as d:
        info = gstpeer.export(micro, config, d)
        for key, saturated in (("paced", False), ("saturated", True)):
            R.wait_quiet(f"GStreamer {key}")
            R.log(f"GStreamer {key}: {len(info['cameras'])} jpegenc branches, {seconds:g} s")
            out[key] = gstpeer.encode_run(info, saturated, seconds)
        R.wait_quiet("GStreamer fan-out")
        R.log(f"GStreamer fan-out: {FANOUT_CLIENTS} clients, {seconds:g} s")
        out["fanout"] = gstpeer.fanout_run(info, FANOUT_CLIENTS, seconds)
    out["frames"] = {k: v for k, v in info.items() if k != "dir"}
    for c in out["frames"]["cameras"]:
        c.pop("raw", None)
        c.pop("jpeg", None)
    return out


def measure(R, bench, micro, daemon, seconds, s3_seconds, s3):
    """s3: the run's S3 steps (default tuning), for the saturated rate."""
    config = os.path.join(R.SCENARIOS, "s1.ini")
    sat_fps = R.saturated_step(s3)["stream_fps"]
    ref = R.reference(config)
    per_phase = round(seconds * PACED_SHARE, 2)
    runs = []
    for name, env in TUNINGS:
        row = {"name": name, "env": env,
               "paced": paced(R, micro, config, name, env, per_phase),
               "s1": R.e2e(bench, daemon, config, f"S1 {name}", 1, seconds,
                           env=tuning_env(env), ref=ref)}
        row["s3"] = R.saturation(bench, daemon, s3_seconds, [int(sat_fps)],
                                 env=tuning_env(env), ref=ref, label=f"S3 {name}")[0]
        runs.append(row)
    diags = [{"name": name, "args": args,
              "paced": paced(R, micro, config, name, {}, per_phase, args)}
             for name, args in DIAGNOSTICS]
    return {"tunings": runs, "diagnostics": diags, "saturated_fps": sat_fps,
            "gst": gst_peer(R, micro, config, seconds)}


# ---------------------------------------------------------------------------
# The report


def floor_ms(r):
    """S1's floor: the bundle's encodes over the workers, plus half a grab
    interval (a frame's mean age at the tick)."""
    refs = r["encode"]["reference_ms_per_frame"]
    grab = min(c["grab_fps_configured"] for c in r["cameras"])
    return sum(refs) / r["encode"]["cores"] + 500 / grab, sum(refs), 500 / grab


def cpu_ms_per_frame(r, key="cpu_percent"):
    frames_per_s = r["encode"]["frames"] / r["seconds"]
    return r["daemon"][key] / 100 / frames_per_s * 1e3 if frames_per_s else float("nan")


def frames_per_s(r):
    return r["clients"]["bundles_per_s"]["median"] * len(r["cameras"])


def best_tuning(idle):
    """The tuning with the highest S1 efficiency (ties: the first)."""
    ok = [t for t in idle["tunings"] if t["s1"]["encode"]["available"]]
    return max(ok, key=lambda t: t["s1"]["encode"]["efficiency"]) if ok else None


def ratio(a, b):
    return a / b if b else float("nan")


def met(flags):
    return " / ".join("yes" if f else "**no**" for f in flags)


def targets(R, res, idle, rows):
    """Each target for the default tuning and, when it is another, the best
    one (by S1 efficiency): measured and met, in that order."""
    default, best = idle["tunings"][0], best_tuning(idle)
    cols = [default] + ([best] if best and best is not default else [])
    names = " / ".join(t["name"] for t in cols)
    eff = [t["s1"]["encode"]["efficiency"] for t in cols]
    rows.append(f"| S1 encode efficiency ({names}) | {' / '.join(R.fmt(e, 3) for e in eff)} "
                f"| ≥ 0.85 | {met(e >= 0.85 for e in eff)} |")
    parts, ok = [], []
    for t in cols:
        f, total, half = floor_ms(t["s1"])
        got = t["s1"]["latency_ms"]["capture_to_mux"]["p50"]
        parts.append(f"{R.fmt(got, 2)} ms = {got / f:.2f}× the floor {R.fmt(f, 2)} "
                     f"({R.fmt(total, 2)} / {t['s1']['encode']['cores']} workers + "
                     f"{R.fmt(half, 2)})")
        ok.append(got <= 1.25 * f)
    rows.append(f"| S1 capture→mux p50 ({names}) | {'; '.join(parts)} | ≤ 1.25× the floor "
                f"| {met(ok)} |")
    s3 = [t["s3"]["encode"]["efficiency"] for t in cols]
    rows.append(f"| S3 encode efficiency at saturation ({idle['saturated_fps']:g} fps; "
                f"{names}) | {' / '.join(R.fmt(e, 3) for e in s3)} | ≥ 0.90 | "
                f"{met(e >= 0.90 for e in s3)} |")
    gst = idle["gst"]
    if "skipped" in gst:
        rows.append(f"| Against GStreamer | not run: {gst['skipped']} | – | – |")
        return
    sat = max(frames_per_s(r) for r in res["S3"])
    g = gst["saturated"]["frames_per_s"]
    rows.append(f"| camcastd saturated frames/s against GStreamer's (S3's best step, "
                f"default, 1 client; GStreamer into fakesinks) | {ratio(sat, g):.2f}× "
                f"({R.fmt(sat)} vs {R.fmt(g)}) | ≥ 1.15× | {met([sat >= 1.15 * g])} |")
    ours = [cpu_ms_per_frame(t["s1"]) for t in cols]
    gc = gst["paced"]["cpu_ms_per_frame"]
    rows.append(f"| CPU per frame at 30 fps against GStreamer's (S1, the daemon's threads "
                f"all; {names}) | {' / '.join(f'{ratio(o, gc):.2f}×' for o in ours)} "
                f"({' / '.join(R.fmt(o, 2) for o in ours)} vs {R.fmt(gc, 2)} ms) | "
                f"≤ 0.85× | {met(o <= 0.85 * gc for o in ours)} |")


def tuning_table(R, idle):
    out = [f"camcastd on S1 (1 client, 30 fps) and S3 at {idle['saturated_fps']:g} fps "
           "(where the default saturated) under each tuning of the encoder "
           "(`CAMCAST_ENCODER_*` in camcastd's environment); *floor*: the bundle's "
           "three encodes (single-thread reference) over the workers plus half a grab "
           "interval. CPU ms per frame: the daemon's, all threads (its encoder threads "
           "alone).", "",
           "| tuning | S1 efficiency | encoder threads | capture→mux p50 / p99 | "
           "of the floor | CPU ms / frame | S3 bundles/s | S3 efficiency |",
           "|---|---:|---:|---|---:|---|---:|---:|"]
    for t in idle["tunings"]:
        s1, s3 = t["s1"], t["s3"]
        e = s1["encode"]
        f = floor_ms(s1)[0]
        q = s1["latency_ms"]["capture_to_mux"]
        out.append(f"| {t['name']} | {R.fmt(e['efficiency'], 3)} | "
                   f"{R.fmt(e['encoder_thread_efficiency'], 3)} | {R.fmt(q['p50'], 2)} / "
                   f"{R.fmt(q['p99'], 2)} | {q['p50'] / f:.2f}× | "
                   f"{R.fmt(cpu_ms_per_frame(s1), 2)} "
                   f"({R.fmt(cpu_ms_per_frame(s1, 'encoder_cpu_percent'), 2)}) | "
                   f"{R.fmt(s3['clients']['bundles_per_s']['median'])} | "
                   f"{R.fmt(s3['encode']['efficiency'], 3)} |")
    return out + [""]


def phase(p, key):
    return p["phases"][key]


def per_frame(v, digits=2):
    return "–" if v is None else f"{v:.{digits}f}"


def hw(p):
    pf = phase(p, "paced")["per_frame"]
    if pf["instructions"] is None:
        return "–"
    b = phase(p, "busy")["per_frame"]
    return (f"{pf['instructions'] / 1e6:.1f}M / {pf['cycles'] / 1e6:.1f}M "
            f"({b['cycles'] / 1e6:.1f}M)")


def late(q):
    t = q.get("submit_late_us")
    return f"{t['p50']:.0f} / {t['p99']:.0f}" if t else "–"


def paced_table(R, idle):
    first = idle["tunings"][0]["paced"]
    out = [f"`camcast-microbench paced` on S1's tick in-process ({first['cameras']} "
           f"cameras, {first['workers']} workers, {first['strips']} strips per frame; "
           f"the workers paint, as in camcastd): back to back (*busy*), then paced at "
           f"{first['fps']:g} ticks/s, {phase(first, 'busy')['wall_s']:.1f} s each. CPU: "
           "the workers' "
           "threads (schedstat); *wake*: from the submit to each worker's first strip of "
           "the tick; *late*: the paced submit after its time; switches (voluntary / "
           "involuntary), migrations, polls (found work / ms spent) per frame, paced; "
           "instructions and cycles per frame (busy cycles) "
           f"where the machine counts them ({first['hw_counters']}).", "",
           "| run | CPU ms / frame busy → paced | paced ÷ busy | paint ms busy → paced | "
           "tick p50 ms busy → paced | wake p50 / p99 µs | late p50 / p99 µs | switches | "
           "migrations | polls | instructions / cycles |",
           "|---|---|---:|---|---|---|---|---|---:|---|---|"]
    rows = [(t["name"], t["paced"]) for t in idle["tunings"]] + \
           [(d["name"], d["paced"]) for d in idle["diagnostics"]]
    for name, p in rows:
        b, q = phase(p, "busy"), phase(p, "paced")
        pf = q["per_frame"]
        out.append(f"| {name} | {R.fmt(b['cpu_ms_per_frame'], 2)} → "
                   f"{R.fmt(q['cpu_ms_per_frame'], 2)} | "
                   f"{per_frame(p['paced_vs_busy_cpu'], 3)} | "
                   f"{R.fmt(b['paint_ms_per_frame'], 2)} → "
                   f"{R.fmt(q['paint_ms_per_frame'], 2)} | {R.fmt(b['tick_ms']['p50'], 2)} → "
                   f"{R.fmt(q['tick_ms']['p50'], 2)} | {q['wake_us']['p50']:.0f} / "
                   f"{q['wake_us']['p99']:.0f} | {late(q)} | {pf['voluntary_switches']:.2f} / "
                   f"{pf['involuntary_switches']:.2f} | {pf['migrations']:.2f} | "
                   f"{pf['poll_hits']:.2f} / {pf['poll_ms']:.3f} | {hw(p)} |")
    out += [""] + diagnosis(idle) + [""]
    return out


def diagnosis(idle):
    """What the diagnostics say, from this run's figures."""
    tax = {d["name"]: d["paced"]["paced_vs_busy_cpu"] for d in idle["diagnostics"]}
    base = idle["tunings"][0]["paced"]["paced_vs_busy_cpu"]
    awake, swept = tax.get("no CPU idles"), tax.get("caches swept between ticks")
    if not (base and awake and swept):
        return []
    text = (f"Paced ÷ busy CPU per frame: {base:.3f} by default, {awake:.3f} when no CPU "
            f"idles, {swept:.3f} with the caches swept between ticks. ")
    if base - 1 < 0.05:
        return [text + "The workers pay no measurable idle tax here."]
    if awake - 1 <= (base - 1) / 2:
        text += ("Keeping the CPUs from idling takes away most of the tax: it is what "
                 "an idle CPU costs when work comes back (the VM's halt and the "
                 "host's idle states and clock), not work the code does.")
    else:
        text += ("The tax stays when no CPU idles: not the CPUs' idle state.")
    if swept - 1 >= (base - 1) / 2:
        text += " Sweeping the caches alone costs as much: cold caches account for it."
    return [text]


def gst_table(R, res, idle):
    gst = idle["gst"]
    if "skipped" in gst:
        return [f"GStreamer peer not run: {gst['skipped']}.", ""]
    default = idle["tunings"][0]
    s2 = res.get("S2")
    fr = gst["frames"]
    out = [f"The same frames through the pipeline a user would write with "
           f"`gst-launch-1.0`: camcastd's own JPEGs of S1's cameras decoded to raw "
           f"8-bit frames, {fr['count']} per camera, looped by `multifilesrc ! "
           f"rawvideoparse ! jpegenc quality={fr['quality']} ! fpsdisplaysink "
           "video-sink=fakesink`, one branch per camera, paced at the stream's rate "
           "(`sync=true`) and saturated (`sync=false`); CPU of the gst-launch process. "
           "Fan-out: camcastd's JPEGs, one `multipartmux ! tcpserversink` per camera "
           f"(paced by `identity sleep-time`), {FANOUT_CLIENTS} clients reading every "
           "camera's stream (a Python reader process) against camcastd's event loop in "
           "S2; indicative: different framing, loopback.", "",
           "| | camcastd | GStreamer | camcastd ÷ GStreamer |", "|---|---|---|---:|"]
    s1 = default["s1"]
    ours = cpu_ms_per_frame(s1)
    g = gst["paced"]
    out.append(f"| CPU ms per frame at 30 fps | {R.fmt(ours, 2)} (S1, the daemon; its "
               f"encoders {R.fmt(cpu_ms_per_frame(s1, 'encoder_cpu_percent'), 2)}) | "
               f"{R.fmt(g['cpu_ms_per_frame'], 2)} ({R.fmt(g['frames_per_s'])} frames/s) | "
               f"{ratio(ours, g['cpu_ms_per_frame']):.2f} |")
    sat = max(frames_per_s(r) for r in res["S3"])
    gs = gst["saturated"]
    out.append(f"| frames/s saturated | {R.fmt(sat)} (S3's best step, 1 client) | "
               f"{R.fmt(gs['frames_per_s'])} (CPU {R.fmt(gs['cpu_percent'])}%) | "
               f"{ratio(sat, gs['frames_per_s']):.2f} |")
    f = gst["fanout"]
    if s2:
        loop = R.gb_cost(s2["daemon"]["other_cpu_percent"], s2["mb_per_s"])
        out.append(f"| fan-out CPU-s per GB, {FANOUT_CLIENTS} clients | {R.fmt(loop, 3)} "
                   f"(S2's event loop, {R.fmt(s2['mb_per_s'])} MB/s) | "
                   f"{R.fmt(f['cpu_s_per_gb'], 3)} ({R.fmt(f['mb_per_s'])} MB/s; a client "
                   f"{R.fmt(f['client_mb_per_s']['median'])} of "
                   f"{R.fmt(f['expected_client_mb_per_s'])}) | "
                   f"{ratio(loop, f['cpu_s_per_gb']):.2f} |")
    return out + [""]


def section(R, res, idle):
    """The report's section; its figures come from this run alone."""
    rows = ["## The encoder's idle tax, and GStreamer", "",
            "Issue 21's targets, from this run (*default*: camcastd as shipped; the "
            "best tuning by S1 efficiency beside it when it is another).", "",
            "| target | measured | goal | met |", "|---|---|---|---|"]
    targets(R, res, idle, rows)
    return (rows + [""] + ["### Tunings of the encoder", ""] + tuning_table(R, idle) +
            ["### The workers, in-process", ""] + paced_table(R, idle) +
            ["### Against GStreamer", ""] + gst_table(R, res, idle))
