"""The GStreamer pipelines a user would write instead of camcastd, as a peer
in bench/run (docs/performance.md, "Against GStreamer"):

- encode: the same frames (camcastd's own JPEGs of a config's cameras,
  decoded to raw 8-bit frames by `camcast-microbench frames`, 30 per
  camera, looped), one branch per camera in one gst-launch-1.0:

      multifilesrc location=CAM-%03d.raw loop=true ! rawvideoparse ... !
          jpegenc quality=Q ! fpsdisplaysink video-sink=fakesink sync=S

  paced at the stream's rate (sync=true: rawvideoparse stamps the frames
  at its framerate) or saturated (sync=false). Frames come from
  fpsdisplaysink's "rendered" counts (gst-launch -v prints them every
  100 ms), CPU from /proc/PID/stat of gst-launch sampled meanwhile.

- fan-out: camcastd's own JPEGs, pre-encoded, one MJPEG stream per camera
  (multipartmux ! tcpserversink, each camera on a port of its own, as
  GStreamer serves cameras), paced by identity sleep-time (multifilesrc does
  not timestamp), N clients each reading every camera's stream, in a
  reader process of their own (this file with --read). CPU per GB the
  clients received.

    python3 bench/gst_peer/gstpeer.py encode MICROBENCH CONFIG [--saturated] [--seconds S]
    python3 bench/gst_peer/gstpeer.py fanout MICROBENCH CONFIG [--clients N] [--seconds S]

print JSON; bench/run imports encode_run() and fanout_run().
"""

import argparse
import json
import os
import re
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "old_design"))
from olddesign import cpu_s  # noqa: E402  (a process's CPU seconds from /proc)

GST = "gst-launch-1.0"
FRAMES = 30  # per camera, looped
WARMUP_S = 2.0
SAMPLE_S = 0.05
LINE = re.compile(r"GstFPSDisplaySink:(\S+?): last-message = rendered: (\d+), dropped: (\d+)")


class GstPeerError(Exception):
    pass


def missing():
    """Why the peer cannot run here (None: it can)."""
    if not shutil.which(GST):
        return f"no {GST} (gstreamer1.0-tools)"
    for element in ("multifilesrc", "rawvideoparse", "jpegenc", "fpsdisplaysink",
                    "multipartmux", "tcpserversink", "identity"):
        r = subprocess.run(["gst-inspect-1.0", "--exists", element])
        if r.returncode != 0:
            return f"no GStreamer element {element} (gstreamer1.0-plugins-good/-base/-bad)"
    return None


class CpuSampler(threading.Thread):
    """A process's CPU seconds every SAMPLE_S, with CLOCK_MONOTONIC stamps,
    so a window's CPU can be read between any two moments."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.samples, self.stopped = pid, [], threading.Event()
        self.start()

    def run(self):
        while not self.stopped.is_set():
            c = cpu_s(self.pid)
            if c is not None:
                self.samples.append((time.monotonic(), c))
            self.stopped.wait(SAMPLE_S)

    def at(self, t):
        """CPU seconds at time t, interpolated."""
        s = self.samples
        if not s:
            return None
        if t <= s[0][0]:
            return s[0][1]
        for (t0, c0), (t1, c1) in zip(s, s[1:]):
            if t0 <= t <= t1:
                return c0 + (c1 - c0) * (t - t0) / max(t1 - t0, 1e-9)
        return s[-1][1]

    def stop(self):
        self.stopped.set()
        self.join(2)


def export(micro, config, out_dir, count=FRAMES):
    """camcast-microbench frames: the config's cameras as JPEGs and raw."""
    p = subprocess.run([micro, "frames", "--config", config, "--out", out_dir,
                        "--count", str(count)], stdout=subprocess.PIPE, text=True,
                       timeout=300)
    if p.returncode != 0:
        raise GstPeerError(f"camcast-microbench frames: exit status {p.returncode}")
    return json.loads(p.stdout)


def frames_dir():
    """A temporary directory, in memory when /dev/shm is there (the files
    are read from the page cache either way)."""
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    return tempfile.TemporaryDirectory(prefix="camcast-gst-", dir=base)


def encode_pipeline(info, saturated):
    """gst-launch-1.0 arguments: one branch per camera."""
    args = [GST, "-v"]
    for cam in info["cameras"]:
        fmt = "gray8" if cam["format"] == "GRAY8" else "rgb"
        args += ["multifilesrc", f"location={cam['raw']}", "index=0",
                 f"stop-index={info['count'] - 1}", "loop=true", "!",
                 "rawvideoparse", f"width={cam['width']}", f"height={cam['height']}",
                 f"format={fmt}", f"framerate={int(info['fps'])}/1", "!",
                 "jpegenc", f"quality={info['quality']}", "!",
                 "fpsdisplaysink", f"name={cam['name']}", "video-sink=fakesink",
                 "text-overlay=false", f"sync={'false' if saturated else 'true'}",
                 "fps-update-interval=100"]
    return args


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # gst-launch -e is not needed: no files
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def encode_run(info, saturated, seconds, warmup=WARMUP_S):
    """The encode pipeline for warmup + seconds: frames/s (all branches),
    gst-launch's CPU, CPU per frame."""
    proc = subprocess.Popen(encode_pipeline(info, saturated), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    sampler = CpuSampler(proc.pid)
    counts, points, tail = {}, [], []  # points: (time, total rendered so far)
    start = time.monotonic()
    end = start + warmup + seconds
    try:
        for line in proc.stdout:
            tail = (tail + [line.rstrip()])[-20:]
            m = LINE.search(line)
            if m:
                counts[m.group(1)] = int(m.group(2))
                if len(counts) == len(info["cameras"]):
                    points.append((time.monotonic(), sum(counts.values())))
            if time.monotonic() >= end:
                break
    finally:
        stop(proc)
        sampler.stop()
    inside = [p for p in points if p[0] >= start + warmup]
    if len(inside) < 2:
        raise GstPeerError("gst-launch-1.0 reported no frames:\n" + "\n".join(tail))
    (t0, f0), (t1, f1) = inside[0], inside[-1]
    c0, c1 = sampler.at(t0), sampler.at(t1)
    frames, wall = f1 - f0, t1 - t0
    cpu = (c1 - c0) if c0 is not None and c1 is not None else float("nan")
    return {"saturated": saturated, "cameras": len(info["cameras"]),
            "seconds": wall, "frames": frames, "frames_per_s": frames / wall,
            "cpu_percent": cpu / wall * 100,
            "cpu_ms_per_frame": cpu * 1e3 / frames if frames else float("nan"),
            "pipeline": " ".join(encode_pipeline(info, saturated)[2:])}


# ---------------------------------------------------------------------------
# Fan-out


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def fanout_pipeline(info, ports, fps):
    args = [GST]
    for cam, port in zip(info["cameras"], ports):
        args += ["multifilesrc", f"location={cam['jpeg']}", "index=0",
                 f"stop-index={info['count'] - 1}", "loop=true", "caps=image/jpeg", "!",
                 "identity", f"sleep-time={int(1e6 / fps)}", "!",
                 "multipartmux", "!",
                 "tcpserversink", "host=127.0.0.1", f"port={port}", "sync=false"]
    return args


def read_streams(ports, clients, seconds, warmup):
    """The reader process: clients x len(ports) connections, each read
    flat out; prints JSON with the bytes each client got in the window
    (CLOCK_MONOTONIC t0..t1)."""
    sel = selectors.DefaultSelector()
    got = [0] * clients
    deadline = time.monotonic() + 10
    for c in range(clients):
        for port in ports:
            while True:
                try:
                    s = socket.create_connection(("127.0.0.1", port), timeout=2)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, c)
    buf = bytearray(1 << 20)
    view = memoryview(buf)
    t0 = time.monotonic() + warmup
    t1 = None
    base, closed = None, 0
    while True:
        now = time.monotonic()
        if base is None and now >= t0:
            base, t0, t1 = list(got), now, now + seconds
        if t1 is not None and now >= t1:
            break
        for key, _ in sel.select(timeout=0.1):
            try:
                n = key.fileobj.recv_into(view)
            except BlockingIOError:
                continue
            if n == 0:
                sel.unregister(key.fileobj)
                closed += 1
                continue
            got[key.data] += n
    t1 = time.monotonic()
    window = [g - b for g, b in zip(got, base or [0] * clients)]
    json.dump({"t0": t0, "t1": t1, "bytes": window, "closed": closed}, sys.stdout)


def fanout_run(info, clients, seconds, warmup=WARMUP_S):
    """One MJPEG stream per camera, clients reading all of them: MB/s
    received, gst-launch's CPU, CPU-seconds per GB."""
    ports = free_ports(len(info["cameras"]))
    proc = subprocess.Popen(fanout_pipeline(info, ports, info["fps"]),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    sampler = CpuSampler(proc.pid)
    try:
        r = subprocess.run([sys.executable, os.path.abspath(__file__), "--read",
                            ",".join(map(str, ports)), "--clients", str(clients),
                            "--seconds", str(seconds), "--warmup", str(warmup)],
                           stdout=subprocess.PIPE, text=True, timeout=seconds + warmup + 60)
        alive = proc.poll() is None
    finally:
        stop(proc)
        sampler.stop()
    if r.returncode != 0 or not alive:
        raise GstPeerError(f"fan-out: readers exit {r.returncode}, gst-launch "
                           f"{'running' if alive else 'ended'}: {proc.stderr.read()[-500:]}")
    rd = json.loads(r.stdout)
    wall = rd["t1"] - rd["t0"]
    cpu = sampler.at(rd["t1"]) - sampler.at(rd["t0"])
    per_client = [b / wall / 1e6 for b in rd["bytes"]]
    total = sum(rd["bytes"])
    return {"clients": clients, "streams_per_client": len(ports), "seconds": wall,
            "mb_per_s": total / wall / 1e6,
            "client_mb_per_s": {"min": min(per_client),
                                "median": statistics.median(per_client)},
            "expected_client_mb_per_s": sum(c["jpeg_bytes"] for c in info["cameras"]) *
            info["fps"] / 1e6,
            "cpu_percent": cpu / wall * 100,
            "cpu_s_per_gb": cpu / (total / 1e9) if total else float("nan"),
            "closed": rd["closed"],
            "pipeline": " ".join(fanout_pipeline(info, ports, info["fps"])[1:])}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", nargs="?", choices=["encode", "fanout"])
    ap.add_argument("micro", nargs="?")
    ap.add_argument("config", nargs="?")
    ap.add_argument("--saturated", action="store_true")
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--warmup", type=float, default=WARMUP_S)
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--count", type=int, default=FRAMES)
    ap.add_argument("--read", help=argparse.SUPPRESS)  # the reader process
    a = ap.parse_args()
    if a.read:
        read_streams([int(p) for p in a.read.split(",")], a.clients, a.seconds, a.warmup)
        return
    if not (a.what and a.micro and a.config):
        ap.error("give encode|fanout MICROBENCH CONFIG")
    why = missing()
    if why:
        sys.exit(f"gstpeer: {why}")
    with frames_dir() as d:
        info = export(a.micro, a.config, d, a.count)
        if a.what == "encode":
            out = encode_run(info, a.saturated, a.seconds, a.warmup)
        else:
            out = fanout_run(info, a.clients, a.seconds, a.warmup)
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
