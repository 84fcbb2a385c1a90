"""End-to-end: camcastd's RTSP output read by Debian's own clients.

    /usr/bin/python3 tests/integration/test_rtsp.py build/src/camcastd

A daemon with two cameras (a Mono8 and an RGB8 one), a variant made for
RTSP (half size, color = yuv) and [rtsp] at 10 fps on 127.0.0.1:

  - ffprobe over TCP and over UDP: each camera at rtsp://HOST:PORT/NAME is
    Motion JPEG of the variant's size (the Mono8 camera too: YCbCr with
    neutral chroma, RFC 2435 has no grayscale);
  - gst-launch-1.0 rtspsrc ! rtpjpegdepay ! jpegdec decodes frames;
  - two RTSP clients at once plus two WebSocket clients: the RTSP variant is
    encoded on about 10 ticks a second (its fps), at most one entry per
    camera per tick, not once per RTSP client (/stats variants);
  - pull and re-serve, as a media server does: ffmpeg pulls camcastd's RTSP
    and relays it without re-encoding (-c copy) to a second RTSP server (an
    ffmpeg listening), which decodes it;
  - nobody playing: the RTSP variant is not encoded;
  - with an access token: no credentials -> the client fails (401); Basic
    credentials (any user, the token as password) or ?token= play; a SIGHUP
    that keeps the token keeps the RTSP server and its playing clients; one
    that rotates it closes the connections that gave the old token (an
    ffmpeg player, a raw UDP client: its video stops), and new clients need
    the new token.
A daemon built without RTSP (meson sets CC_TEST_RTSP=0 for it) must
refuse an [rtsp] section before it starts anything: `--check-config`
and a start both exit 2 naming the file, the line and the missing
library; without [rtsp] it streams, and /stats has no RTSP figures.
Skipped (77) when ffprobe/ffmpeg/gst-launch-1.0 are missing (CI requires
them). Every wait is bounded.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cc_testlib as T  # noqa: E402
import rtsp_raw as R  # noqa: E402

SKIP = 77
RTSP_FPS = 10
CAMS = [("gray", T.camera(320, 240, "Mono8", "scroll", grab_fps=120)),
        ("color", T.camera(640, 480, "RGB8", "bars", grab_fps=90))]
SIZES = {"gray": (160, 120), "color": (320, 240)}
EXTRA = f"""
[variant rtsp]
scale = 1/2
quality = 70
color = yuv

[rtsp]
listen = 127.0.0.1
port = 0
fps = {RTSP_FPS}
variant = rtsp
"""
TOKEN = "rtsp-test-" + os.urandom(12).hex()


def tools_or_skip(binary):
    missing = [t for t in ("ffprobe", "ffmpeg", "gst-launch-1.0") if not shutil.which(t)]
    if missing:
        print(f"SKIP: needs {', '.join(missing)} (scripts/install-deps.sh)")
        sys.exit(SKIP)


def rtsp_port(d):
    m = d.wait_for_line(r"RTSP on rtsp://[^:/\s]+:(\d+)/", 10)
    T.check(m is not None, "the daemon logs its RTSP URL")
    return int(m.group(1))


def start_or_skip(binary, config):
    """The daemon with config (test_rtsp_mix.py too). In a build without
    RTSP (CC_TEST_RTSP=0) there is no RTSP to test: exit 77, said (this
    file's no-RTSP mode checks the refusal)."""
    if os.environ.get("CC_TEST_RTSP") == "0":
        print("SKIP: camcastd built without RTSP (meson -Drtsp=disabled)", flush=True)
        sys.exit(SKIP)
    return T.Daemon(binary, config).start()


def check_refused_without_rtsp(binary, tmp):
    """A build without RTSP: [rtsp] is a configuration error, found by
    --check-config and at start, before anything listens."""
    config = T.make_config(T.server_section(stream_fps=30), CAMS) + EXTRA
    path = os.path.join(tmp, "cams.ini")
    with open(path, "w") as f:
        f.write(config)
    line = config.splitlines().index("[rtsp]") + 1
    want = rf"cams\.ini:{line}: .*built without RTSP"
    rc, out, err = T.run_cli(binary, ["--check-config", "--config", path])
    T.check(rc == 2 and re.search(want, err),
            f"--check-config on [rtsp] without RTSP: exit {rc}, stderr {err!r} "
            f"(want exit 2 and /{want}/)")
    rc, out, err = T.run_cli(binary, ["--config", path])
    T.check(rc == 2 and re.search(want, err) and "ws://" not in err,
            f"starting with [rtsp] without RTSP: exit {rc}, stderr {err!r} (want exit 2, "
            f"/{want}/, nothing listening)")
    T.log("without RTSP: [rtsp] refused by --check-config and at start (exit 2, "
          "file:line)")
    with T.Daemon(binary, T.make_config(T.server_section(stream_fps=30), CAMS)) as d:
        s = T.get_stats(d.port)
        T.check("rtsp" not in s, f"/stats of a build without RTSP: {s.get('rtsp')}")
        T.check_eq(d.stop(), 0, "exit status")
    T.log("without [rtsp] it streams; /stats has no RTSP figures")


def run(args, timeout=30):
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def probe(url, transport):
    rc, out, err = run(["ffprobe", "-v", "error", "-rtsp_transport", transport,
                        "-select_streams", "v", "-show_entries",
                        "stream=codec_name,width,height", "-of", "json", url])
    return rc, out, err


def check_probe(port, name, transport, auth=""):
    url = f"rtsp://{auth}127.0.0.1:{port}/{name}"
    rc, out, err = probe(url, transport)
    T.check(rc == 0, f"ffprobe {transport} {name}: exit {rc}: {err.strip()[-300:]}")
    s = json.loads(out)["streams"][0]
    T.check_eq(s["codec_name"], "mjpeg", f"{name} over {transport}: codec")
    T.check_eq((s["width"], s["height"]), SIZES[name], f"{name} over {transport}: size")


def gst_decode(port, name):
    rc, out, err = run(["gst-launch-1.0", "-q", "rtspsrc",
                        f"location=rtsp://127.0.0.1:{port}/{name}", "protocols=tcp",
                        "latency=0", "!", "rtpjpegdepay", "!", "jpegdec", "!",
                        "fakesink", "num-buffers=10"], timeout=30)
    T.check(rc == 0, f"gst-launch rtspsrc {name}: exit {rc}: {err.strip()[-300:]}")


def stats(port):
    req = f"GET /stats HTTP/1.1\r\nHost: {T.HOST}\r\n\r\n".encode()
    status, _, body, _ = T.http_request(port, req, what="GET /stats")
    T.check_eq(status, 200, "/stats")
    return json.loads(body)


def variant(port, name):
    return {v["name"]: v for v in stats(port)["variants"]}[name]


class Player:
    """ffmpeg decoding an RTSP stream for `seconds`, counting frames."""

    def __init__(self, port, name, seconds, transport="tcp", auth=""):
        self.proc = subprocess.Popen(
            ["ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", transport, "-i",
             f"rtsp://{auth}127.0.0.1:{port}/{name}", "-t", str(seconds), "-f", "null", "-",
             "-progress", "pipe:1"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.frames = 0
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            if line.startswith("frame="):
                self.frames = int(line.split("=", 1)[1])

    def wait(self, timeout):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            T.fail("an RTSP player did not finish in time")
        self.thread.join(5)
        return rc


def check_shared(d, port):
    """Two RTSP players + two WebSocket clients: RTSP's variant at its fps,
    one entry per camera per tick whatever the number of RTSP clients."""
    ws = [T.RawWS(d.port), T.RawWS(d.port)]
    players = [Player(port, "gray", 12), Player(port, "gray", 12), Player(port, "color", 12)]
    # ffmpeg takes seconds to start on a loaded machine: until all play.
    deadline = time.monotonic() + 30
    r = {}
    while time.monotonic() < deadline:
        r = stats(d.port).get("rtsp", {})
        if min(p.frames for p in players) > 0 and r.get("cameras_playing") == 2:
            break
        time.sleep(0.2)
    T.check(r.get("clients", 0) >= 3 and r.get("cameras_playing") == 2,
            f"/stats rtsp with 3 players on 2 cameras: {r}")
    a = variant(d.port, "rtsp")
    t0 = time.monotonic()
    time.sleep(2.0)
    b = variant(d.port, "rtsp")
    dt = time.monotonic() - t0
    ticks = b["ticks"] - a["ticks"]
    entries = b["encoded"] - a["encoded"]
    for w in ws:
        w.close()
    for p in players:
        T.check_eq(p.wait(30), 0, "an RTSP player's exit status")
        T.check(p.frames >= 6 * RTSP_FPS, f"an RTSP player decoded {p.frames} frames of 12 s")
    T.check(0 < ticks <= RTSP_FPS * dt * 1.3 + 1,
            f"RTSP variant encoded on {ticks} ticks in {dt:.1f} s (fps {RTSP_FPS})")
    T.check(entries <= ticks * len(CAMS),
            f"{entries} RTSP entries on {ticks} ticks: once per camera, not per client")
    T.log(f"3 RTSP players (2 on one camera) + 2 WebSocket clients: RTSP variant on "
          f"{ticks / dt:.1f} ticks/s, {entries / max(ticks, 1):.2f} entries per tick; "
          f"players decoded {[p.frames for p in players]} frames")


def check_idle(d):
    deadline = time.monotonic() + 15
    while stats(d.port)["rtsp"]["cameras_playing"] and time.monotonic() < deadline:
        time.sleep(0.1)  # the players' media are gone (TEARDOWN)
    time.sleep(0.5)  # a tick planned before they went
    a = variant(d.port, "rtsp")
    time.sleep(1.0)
    b = variant(d.port, "rtsp")
    T.check_eq(b["encoded"], a["encoded"], "RTSP variant entries while nobody plays")


def free_port():
    with socket.socket() as s:
        s.bind((T.HOST, 0))
        return s.getsockname()[1]


def check_relay(port):
    """camcastd -> ffmpeg (-c copy) -> a second RTSP server -> a decoder."""
    relay_port = free_port()
    server = subprocess.Popen(
        ["ffmpeg", "-nostdin", "-v", "error", "-rtsp_flags", "listen", "-timeout", "20",
         "-i", f"rtsp://127.0.0.1:{relay_port}/relay", "-frames:v", "10", "-f", "null",
         "-"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    pusher = subprocess.Popen(
        ["ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "tcp", "-i",
         f"rtsp://127.0.0.1:{port}/color", "-c", "copy", "-t", "8", "-f", "rtsp",
         "-rtsp_transport", "tcp", f"rtsp://127.0.0.1:{relay_port}/relay"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        rc = server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        rc = None
    pusher.kill()
    pusher.wait(5)
    T.check(rc == 0, f"the relayed stream decoded (exit {rc}): {server.stderr.read()[-300:]}")
    T.log("pull and re-serve: ffmpeg relayed camcastd's RTSP (-c copy) to a second RTSP "
          "server, which decoded 10 frames")


def check_token(binary, tmp):
    path = os.path.join(tmp, "token")
    with open(path, "w") as f:
        f.write(TOKEN + "\n")
    os.chmod(path, 0o600)
    config = T.make_config({**T.server_section(), "token_file": path}, CAMS) + EXTRA
    with T.Daemon(binary, config) as d:
        port = rtsp_port(d)
        rc, _, err = probe(f"rtsp://127.0.0.1:{port}/gray", "tcp")
        T.check(rc != 0 and "401" in err, f"no credentials: exit {rc}, {err.strip()[-200:]}")
        rc, _, err = probe(f"rtsp://viewer:wrong-{TOKEN}@127.0.0.1:{port}/gray", "tcp")
        T.check(rc != 0, "a wrong token plays")
        check_probe(port, "gray", "tcp", auth=f"anyone:{TOKEN}@")
        rc, out, err = probe(f"rtsp://127.0.0.1:{port}/color?token={TOKEN}", "tcp")
        T.check(rc == 0, f"?token=: exit {rc}: {err.strip()[-300:]}")
        T.log("token: refused without it (401), plays with Basic (any user) or ?token=")

        # A SIGHUP that keeps the token keeps the RTSP server and its
        # playing client; one that rotates it closes the connections that
        # gave the old token (their sessions end), within a second or so.
        player = Player(port, "gray", 30, auth=f"a:{TOKEN}@")
        raw = R.RawRtsp(port)
        T.check_eq(raw.play(f"rtsp://127.0.0.1:{port}/color?token={TOKEN}", tcp=False), 200,
                   "a raw UDP client with ?token=")
        deadline = time.monotonic() + 15
        while player.frames < 5 and time.monotonic() < deadline:
            time.sleep(0.1)
        T.check(player.frames >= 5, "a player with the token before the reload")
        n = d.line_count()
        d.send_signal(signal.SIGHUP)
        T.check(d.wait_for_line(r"SIGHUP: reloaded", 15, n) is not None, "reloaded")
        before, raw_before = player.frames, raw.frames
        T.check(R.wait_frames([raw], [raw_before + 10], 15), "the raw client after a reload "
                "that kept the token")
        deadline = time.monotonic() + 15
        while player.frames < before + 10 and time.monotonic() < deadline:
            time.sleep(0.1)
        T.check(player.frames >= before + 10, f"the RTSP player across a reload that kept the "
                                              f"token: {before} -> {player.frames} frames")
        new = TOKEN[::-1] + "x"
        with open(path, "w") as f:
            f.write(new + "\n")
        n = d.line_count()
        d.send_signal(signal.SIGHUP)
        T.check(d.wait_for_line(r"SIGHUP: reloaded", 15, n) is not None, "reloaded")
        t0 = time.monotonic()
        T.check(raw.wait_eof(5), "the raw client that gave the old token is not closed")
        closed_s = time.monotonic() - t0
        try:
            rc = player.proc.wait(15)
        except subprocess.TimeoutExpired:
            rc = None
        T.check(rc is not None, "the ffmpeg player that gave the old token still plays")
        frames = raw.frames
        R.pump([raw], 1.0)
        T.check_eq(raw.frames, frames, "UDP frames after the session's connection closed")
        raw.close()
        player.wait(10)
        T.log(f"SIGHUP keeping the token: the RTSP clients play on; rotating it: the "
              f"connections that gave the old one closed ({closed_s:.2f} s after the reload "
              f"line, ffmpeg exited {rc})")
        rc, _, _ = probe(f"rtsp://a:{TOKEN}@127.0.0.1:{port}/gray", "tcp")
        T.check(rc != 0, "the old token after the rotation")
        check_probe(port, "gray", "tcp", auth=f"a:{new}@")
        T.log("new clients need the new token")
        T.check_eq(d.stop(), 0, "exit status")
        T.check(TOKEN not in d.stderr_text() and new not in d.stderr_text(),
                "a token in camcastd's log")


def main(binary):
    if os.environ.get("CC_TEST_RTSP") == "0":
        tmp = tempfile.mkdtemp(prefix="camcast-rtsp-")
        try:
            check_refused_without_rtsp(binary, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return
    tools_or_skip(binary)
    config = T.make_config(T.server_section(stream_fps=30), CAMS) + EXTRA
    d = start_or_skip(binary, config)
    try:
        port = rtsp_port(d)
        for name in SIZES:
            check_probe(port, name, "tcp")
            check_probe(port, name, "udp")
        T.log("ffprobe: both cameras Motion JPEG of the variant's size, TCP and UDP")
        gst_decode(port, "gray")
        T.log("gst-launch rtspsrc ! rtpjpegdepay ! jpegdec: decodes the gray camera")
        check_shared(d, port)
        check_idle(d)
        check_relay(port)
        T.check_eq(d.stop(), 0, "exit status")
    finally:
        d.kill()
    tmp = tempfile.mkdtemp(prefix="camcast-rtsp-")
    check_token(binary, tmp)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    T.run_main(main)
