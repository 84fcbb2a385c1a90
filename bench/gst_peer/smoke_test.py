"""Smoke test of the GStreamer peer (bench/gst_peer/): the frames exported by
camcast-microbench frames on a tiny config, the encode pipeline paced and
saturated, and the fan-out pipeline with two clients, a second or so each;
checked for structure (frames encoded, bytes received, CPU counted), never
for speed.

    /usr/bin/python3 bench/gst_peer/smoke_test.py CAMCAST_MICROBENCH
"""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gstpeer  # noqa: E402

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
width = 160
height = 120
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


def smoke_frames(micro, cfg, d):
    info = gstpeer.export(micro, cfg, d, count=4)
    check(info["count"] == 4 and info["fps"] == 30 and info["quality"] == 80, f"{info}")
    cams = info["cameras"]
    check([c["name"] for c in cams] == ["a", "b"], f"cameras: {cams}")
    check(cams[0]["format"] == "GRAY8" and cams[1]["format"] == "RGB", f"formats: {cams}")
    for c in cams:
        for n in range(4):
            raw = c["raw"] % n
            jpg = c["jpeg"] % n
            size = c["width"] * c["height"] * (1 if c["format"] == "GRAY8" else 3)
            check(os.path.getsize(raw) == size, f"{raw}: {os.path.getsize(raw)} != {size}")
            with open(jpg, "rb") as f:
                head = f.read(2)
            check(head == b"\xff\xd8", f"{jpg}: not a JPEG")
        check(c["jpeg_bytes"] > 0, f"{c}")
        # Frames of a moving pattern: not all the same.
        with open(c["raw"] % 0, "rb") as f0, open(c["raw"] % 3, "rb") as f3:
            check(f0.read() != f3.read(), f"{c['name']}: frames 0 and 3 alike")
    return info


def smoke_encode(info):
    for saturated in (False, True):
        r = gstpeer.encode_run(info, saturated, seconds=1.0, warmup=0.5)
        print(f"encode saturated={saturated}:", {k: v for k, v in r.items()
                                                 if k != "pipeline"}, flush=True)
        check(r["cameras"] == 2 and r["frames"] > 0, f"{r}")
        check(r["cpu_percent"] > 0 and r["cpu_ms_per_frame"] > 0, f"{r}")
        if not saturated:
            # Paced at 30 fps per camera: two cameras make at most ~60.
            check(r["frames_per_s"] < 2 * 30 * 1.5, f"paced above its rate: {r}")
        check(("sync=false" in r["pipeline"]) == saturated, r["pipeline"])


def smoke_fanout(info):
    r = gstpeer.fanout_run(info, clients=2, seconds=1.0, warmup=0.5)
    print("fan-out:", {k: v for k, v in r.items() if k != "pipeline"}, flush=True)
    check(r["clients"] == 2 and r["streams_per_client"] == 2, f"{r}")
    check(r["client_mb_per_s"]["min"] > 0 and r["closed"] == 0, f"{r}")
    check(r["cpu_s_per_gb"] > 0, f"{r}")
    # Paced: a client gets about the cameras' bytes at 30 fps, not a flood.
    check(r["client_mb_per_s"]["median"] < 3 * r["expected_client_mb_per_s"], f"{r}")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    why = gstpeer.missing()
    if why:
        fail(why)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = os.path.join(tmp, "smoke.ini")
        with open(cfg, "w") as f:
            f.write(CONFIG)
        with gstpeer.frames_dir() as d:
            info = smoke_frames(sys.argv[1], cfg, d)
            smoke_encode(info)
            smoke_fanout(info)
    print("PASS")


main()
